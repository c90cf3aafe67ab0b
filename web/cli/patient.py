"""``carnet patient``, the dossier's life: ask for a code, activate, unlock, change the
passphrase, recover with the recovery code, replace that code, close the dossier."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx, check_date, clock
from web.cli._render import recovery_warning
from web.cli._sessions import patient_session, quiet_logout
from web.client import home as local_home
from web.client.account import request_code
from web.client.emergency import allow_break_glass
from web.client.emergency import service_key as emergency_service_key
from web.client.patient import activate, recover
from web.nir import parse_nir


async def patient_request_code(ctx: Ctx) -> None:
    """Ask for a code by e-mail or post; the answer is the same whether the NIR exists or
    not. JSON: {detail}."""
    nir = parse_nir(ctx.args.nir)
    birth = check_date(ctx.args.birth_date, "--birth-date")
    async with ctx.api(ctx.server()) as api:
        detail = await request_code(api, nir, birth)
    ctx.out.emit({"detail": detail}, detail)


async def patient_activate(ctx: Ctx) -> None:
    """Create the dossier with NIR + code and the new passphrase; save
    HOME/patient.carnet; print the recovery code once. JSON: {dossier_id, recovery_code,
    home_saved}."""
    nir = parse_nir(ctx.args.nir)
    home = ctx.home
    if local_home.exists(home, "patient"):
        raise CliError(f"{home} already holds a patient profile; use another --home")
    local_home.ensure_dir(home)
    passphrase = ctx.new_passphrase(from_global=True)
    server = ctx.server()
    async with ctx.api(server) as api:
        dossier, code = await activate(api, nir, ctx.args.code, passphrase, clock=clock)
        if ctx.args.break_glass == "on":  # chosen at activation; `patient break-glass off` undoes
            await allow_break_glass(dossier, api, await emergency_service_key(api))
        await quiet_logout(api)
    saved: OSError | None = None
    try:
        local_home.save(home, local_home.Profile(role="patient", server=server, login=nir,
                                                 dossier_id=dossier.dossier_id), passphrase)
    except OSError as exc:  # the recovery code must still be shown: it exists nowhere else
        saved = exc
    ctx.out.emit({"dossier_id": dossier.dossier_id, "recovery_code": code,
                  "home_saved": saved is None}, _activated(dossier.dossier_id, code))
    if saved is not None:
        raise CliError(f"the dossier is active but the profile could not be saved in {home} "
                       f"({saved.strerror}); use --nir with the patient commands")


def _activated(dossier_id: str, code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(f"Dossier {dossier_id} is active.", markup=False)
        recovery_warning(code)(console)
    return show


async def patient_unlock(ctx: Ctx) -> None:
    """Log in and count the items. JSON: {dossier_id, items}."""
    async with patient_session(ctx) as s:
        count = len(await s.dossier.list())
    ctx.out.emit({"dossier_id": s.dossier.dossier_id, "items": count},
                 f"dossier {s.dossier.dossier_id} unlocked: {count} items")


async def patient_passphrase(ctx: Ctx) -> None:
    """Change the passphrase (new one from --new-passphrase-file or
    $CARNET_NEW_PASSPHRASE) and reseal the home with it. JSON: {changed, home_resealed}."""
    current = ctx.passphrase()
    new = ctx.new_passphrase()
    if new == current:
        raise CliError("the new passphrase is the same as the current one")
    async with patient_session(ctx) as s:
        await s.dossier.change_passphrase(new)
    resealed = s.profile is not None
    if s.profile is not None:
        try:
            local_home.save(ctx.home, s.profile, new)
        except OSError as exc:
            raise CliError(f"the passphrase is changed, but the profile in {ctx.home} could "
                           f"not be resealed ({exc.strerror}): it still opens with the old "
                           "passphrase; log in with --nir meanwhile") from None
    ctx.out.emit({"changed": True, "home_resealed": resealed},
                 "passphrase changed" + (f"; the profile in {ctx.home} is sealed with it"
                                         if resealed else ""))


async def patient_recover(ctx: Ctx) -> None:
    """Set a new passphrase with the recovery code; the home is (re)written. JSON:
    {dossier_id}."""
    nir = parse_nir(ctx.args.nir)
    code = ctx.secret(ctx.args.recovery_code_file, "CARNET_RECOVERY_CODE", "recovery code",
                      "--recovery-code-file", confirm=False)
    new = ctx.new_passphrase()
    server = ctx.server()
    async with ctx.api(server) as api:
        dossier = await recover(api, nir, code, new, clock=clock)
        await quiet_logout(api)
    local_home.save(ctx.home, local_home.Profile(role="patient", server=server, login=nir,
                                                 dossier_id=dossier.dossier_id), new)
    ctx.out.emit({"dossier_id": dossier.dossier_id},
                 f"passphrase replaced for dossier {dossier.dossier_id}; your recovery code "
                 "still works (replace it with: carnet patient new-recovery-code)")


async def patient_new_recovery_code(ctx: Ctx) -> None:
    """Replace the recovery code; print the new one once. JSON: {recovery_code}."""
    async with patient_session(ctx) as s:
        code = await s.dossier.new_recovery_code()
    ctx.out.emit({"recovery_code": code}, recovery_warning(code))
    ctx.out.note("the previous recovery code no longer works")


async def patient_close(ctx: Ctx) -> None:
    """With --yes only: close the dossier (crypto-shredding) and remove the home's
    profile. JSON: {closed, closed_at, profile_removed}."""
    if not ctx.args.yes:
        raise CliError("closing deletes your dossier for ever; export it first (carnet "
                       "patient export FILE), then run again with --yes")
    async with patient_session(ctx) as s:
        stone = await s.dossier.close()
    removed = s.profile is not None and local_home.remove(ctx.home, "patient")
    ctx.out.emit({"closed": stone.dossier_id, "closed_at": stone.closed_at,
                  "profile_removed": removed},
                 f"dossier {stone.dossier_id} closed: its keys and items are destroyed"
                 + (f"; profile removed from {ctx.home}" if removed else ""))


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "request-code", patient_request_code, "ask for an activation code by "
             "e-mail or post")
    p.add_argument("--nir", required=True)
    p.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")
    p = leaf(subs, "activate", patient_activate, "create your dossier with the activation "
             "code; prints your recovery code once")
    p.add_argument("--nir", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--break-glass", choices=("on", "off"), default="on",
                   help="let the emergency service open your emergency summary when you cannot "
                        "consent (logged and e-mailed to you; default on, as in the DMP)")
    leaf(subs, "unlock", patient_unlock, "check that you can log in", [nir])
    p = leaf(subs, "passphrase", patient_passphrase, "change the passphrase", [nir])
    p.add_argument("--new-passphrase-file", metavar="F")
    p = leaf(subs, "recover", patient_recover, "set a new passphrase with the recovery code")
    p.add_argument("--nir", required=True)
    p.add_argument("--recovery-code-file", metavar="F")
    p.add_argument("--new-passphrase-file", metavar="F")
    leaf(subs, "new-recovery-code", patient_new_recovery_code,
         "replace the recovery code (prints the new one once)", [nir])
    p = leaf(subs, "close", patient_close, "close the dossier for ever (export first)", [nir])
    p.add_argument("--yes", action="store_true", help="yes, destroy the dossier")

"""``carnet patient``, the dossier's life: ask for a code, activate, unlock, change the
passphrase, recover with the recovery code, replace that code, close the dossier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rich.console import Console

from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx, check_date, clock
from web.cli._render import recovery_warning
from web.cli._sessions import patient_session, quiet_logout
from web.client import home as local_home
from web.client import pins
from web.client.account import request_code
from web.client.emergency import allow_break_glass
from web.client.emergency import service_key as emergency_service_key
from web.client.identity import check_identity, set_identity
from web.client.patient import activate, change_passphrase, recover
from web.i18n import tr
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
    who = _identity_option(ctx)
    home = ctx.home
    if local_home.exists(home, "patient"):
        raise CliError(f"{home} already holds a patient profile; use another --home")
    local_home.ensure_dir(home)
    passphrase = ctx.new_passphrase(from_global=True, user_inputs=(nir,))
    server = ctx.server()
    async with ctx.api(server) as api:
        dossier, code = await activate(api, nir, ctx.args.code, passphrase, clock=clock)
        if ctx.args.break_glass == "on":  # chosen at activation; `patient break-glass off` undoes
            await allow_break_glass(dossier, api, await emergency_service_key(api))
        if who is not None:  # whose dossier every reader is shown (web.client.identity)
            await set_identity(dossier, who[0], who[1], today=dt.date.today().isoformat())
        await quiet_logout(api)
    saved: OSError | None = None
    profile = local_home.Profile(role="patient", server=server, login=nir,
                                 dossier_id=dossier.dossier_id)
    try:
        local_home.save(home, profile, passphrase)
        local_home.save_recovery(home, profile, code)  # `patient recover` finds the NIR
        pins.save_keyring_floor(home, dossier.dossier_id, dossier.ring_version)
    except OSError as exc:  # the recovery code must still be shown: it exists nowhere else
        saved = exc
    ctx.out.emit({"dossier_id": dossier.dossier_id, "recovery_code": code,
                  "home_saved": saved is None}, _activated(dossier.dossier_id, code))
    if saved is not None:
        raise CliError(f"the dossier is active but the profile could not be saved in {home} "
                       f"({saved.strerror}); use --nir with the patient commands")


def _identity_option(ctx: Ctx) -> tuple[str, str] | None:
    """--name and --birth-date (both or neither), checked before anything is created."""
    name, birth = ctx.args.name, ctx.args.birth_date
    if name is None and birth is None:
        return None
    if name is None or birth is None:
        raise CliError("give both --name and --birth-date (or neither)")
    who = check_identity(name, check_date(birth, "--birth-date"))
    return who.name, who.birth_date


def _activated(dossier_id: str, code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(f"Dossier {dossier_id} is active.", markup=False)
        recovery_warning(code)(console)
    return show


async def patient_unlock(ctx: Ctx) -> None:
    """Log in and count the items. On a new device (--nir and a home without a patient
    profile) the profile is saved there, sealed with the passphrase, so that the next
    commands need no --nir. JSON: {dossier_id, items, home_saved}."""
    async with patient_session(ctx) as s:
        count = len(await s.dossier.list())
        server = s.api.server
    saved = False
    if s.profile is None and ctx.opt("nir") and not local_home.exists(ctx.home, "patient"):
        local_home.save(ctx.home, local_home.Profile(
            role="patient", server=server, login=parse_nir(ctx.opt("nir")),
            dossier_id=s.dossier.dossier_id), ctx.passphrase())
        saved = True
    ctx.out.emit({"dossier_id": s.dossier.dossier_id, "items": count, "home_saved": saved},
                 tr("dossier {dossier_id} unlocked: {count} items", dossier_id=s.dossier.
                    dossier_id, count=count))
    if saved:
        ctx.out.note(tr("this device is set up: your profile is saved in {home} (sealed with "
                        "your passphrase); the next commands need no --nir",
                        home=str(ctx.home)))


async def patient_passphrase(ctx: Ctx) -> None:
    """Change the passphrase (new one from --new-passphrase-file or
    $CARNET_NEW_PASSPHRASE) and reseal the home with it. JSON: {changed, home_resealed}."""
    current = ctx.passphrase()
    nir_given = ctx.opt("nir")
    new = ctx.new_passphrase(user_inputs=(nir_given,) if nir_given else ())
    if new == current:
        raise CliError(tr("the new passphrase is the same as the current one"))
    async with patient_session(ctx) as s:
        await change_passphrase(s.dossier, new,
                                user_inputs=(s.profile.login,) if s.profile else ())
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
    """Set a new passphrase with the recovery code; the home is (re)written. The NIR is
    --nir, else the home's profile (its copy sealed with the recovery code). JSON:
    {dossier_id}."""
    given = parse_nir(ctx.args.nir) if ctx.args.nir else None
    if given is None and not local_home.has_recovery(ctx.home, "patient"):
        raise CliError(tr("give --nir: {home} holds no profile that the recovery code opens",
                          home=str(ctx.home)))
    code = ctx.secret(ctx.args.recovery_code_file, "CARNET_RECOVERY_CODE", "recovery code",
                      "--recovery-code-file", confirm=False)
    kept = (local_home.load_recovery(ctx.home, "patient", code)
            if given is None else None)
    nir = given or (kept.login if kept else "")
    new = ctx.new_passphrase(user_inputs=(nir,))
    server = ctx.server(kept)
    async with ctx.api(server) as api:
        dossier = await recover(api, nir, code, new, clock=clock,
                                floor_of=lambda d: pins.keyring_floor(ctx.home, d))
        pins.save_keyring_floor(ctx.home, dossier.dossier_id, dossier.ring_version)
        await quiet_logout(api)
    profile = local_home.Profile(role="patient", server=server, login=nir,
                                 dossier_id=dossier.dossier_id)
    local_home.save(ctx.home, profile, new)
    local_home.save_recovery(ctx.home, profile, code)
    ctx.out.emit({"dossier_id": dossier.dossier_id},
                 f"passphrase replaced for dossier {dossier.dossier_id}; your recovery code "
                 "still works (replace it with: carnet patient new-recovery-code)")


async def patient_new_recovery_code(ctx: Ctx) -> None:
    """Replace the recovery code; print the new one once. JSON: {recovery_code}."""
    async with patient_session(ctx) as s:
        code = await s.dossier.new_recovery_code()
    if s.profile is not None:  # the home's copy follows the code
        local_home.save_recovery(ctx.home, s.profile, code)
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
    p.add_argument("--name", help="your name as professionals and emergency staff will see "
                   "it (kept encrypted in your dossier; see patient identity)")
    p.add_argument("--birth-date", metavar="YYYY-MM-DD", help="your birth date, shown with "
                   "your name")
    leaf(subs, "unlock", patient_unlock, "check that you can log in", [nir])
    p = leaf(subs, "passphrase", patient_passphrase, "change the passphrase", [nir])
    p.add_argument("--new-passphrase-file", metavar="F")
    p = leaf(subs, "recover", patient_recover, "set a new passphrase with the recovery code")
    p.add_argument("--nir", help="your NIR (else the one of this home's profile)")
    p.add_argument("--recovery-code-file", metavar="F")
    p.add_argument("--new-passphrase-file", metavar="F")
    leaf(subs, "new-recovery-code", patient_new_recovery_code,
         "replace the recovery code (prints the new one once)", [nir])
    p = leaf(subs, "close", patient_close, "close the dossier for ever (export first)", [nir])
    p.add_argument("--yes", action="store_true", help="yes, destroy the dossier")

"""``carnet pro``, the professional's account on this device: change the passphrase that
seals their keys in the home, make a recovery code (a second sealed copy of the keys, opened
with it: :func:`web.client.home.save_recovery`), and set a new passphrase with that code when
the passphrase is forgotten. The keys never leave the device; the server is not involved.

    carnet pro passphrase [--new-passphrase-file F]
    carnet pro new-recovery-code                 prints the code once
    carnet pro recover [--recovery-code-file F] [--new-passphrase-file F]
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx
from web.cli._sessions import pro_identity
from web.client import home as local_home
from web.i18n import tr


def _inputs(profile: local_home.Profile) -> tuple[str, ...]:
    """What a professional's passphrase must not lean on."""
    return tuple(x for x in (profile.login, profile.name or "") if x)


async def pro_passphrase(ctx: Ctx) -> None:
    """Reseal the professional's keys under a new passphrase (--new-passphrase-file or
    $CARNET_NEW_PASSPHRASE); the recovery code still works. JSON: {changed, recovery}."""
    profile, _ = pro_identity(ctx)
    new = ctx.new_passphrase(user_inputs=_inputs(profile))
    if new == ctx.passphrase():
        raise CliError(tr("the new passphrase is the same as the current one"))
    local_home.save(ctx.home, profile, new)
    has_code = local_home.has_recovery(ctx.home, "pro")
    ctx.out.emit({"changed": True, "recovery": has_code},
                 tr("passphrase changed; your keys in {home} are sealed with it", home=str(
                     ctx.home)))
    if not has_code:
        ctx.out.note(tr("you have no recovery code yet: carnet pro new-recovery-code"))


async def pro_new_recovery_code(ctx: Ctx) -> None:
    """A new recovery code for the professional's keys, printed once (the previous one stops
    working). JSON: {recovery_code}."""
    profile, _ = pro_identity(ctx)
    code = local_home.new_recovery_code()
    local_home.save_recovery(ctx.home, profile, code)
    ctx.out.emit({"recovery_code": code}, _code_shown(code))
    ctx.out.note(tr("the previous recovery code, if any, no longer works"))


def _code_shown(code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(Text("Recovery code of your professional keys (shown once, kept nowhere "
                           "else):", style="bold"))
        console.print(Text(f"    {code}", style="bold yellow"))
        console.print("Write it down and keep it apart from this device: if you forget your "
                      "passphrase, carnet pro recover sets a new one with it.", markup=False)
    return show


async def pro_recover(ctx: Ctx) -> None:
    """Forgotten passphrase: open the keys with the recovery code and seal them under a new
    passphrase (the code keeps working). JSON: {ps_id, recovered}."""
    if not local_home.exists(ctx.home, "pro"):
        raise CliError(tr("no professional identity in {home}: run carnet pro register",
                          home=str(ctx.home)))
    if not local_home.has_recovery(ctx.home, "pro"):
        raise CliError(tr("no recovery code was made for the professional keys in {home} "
                          "(carnet pro new-recovery-code): without the passphrase they cannot "
                          "be opened; register new keys in another --home and ask the "
                          "operator to approve them", home=str(ctx.home)))
    code = ctx.secret(ctx.args.recovery_code_file, "CARNET_RECOVERY_CODE", "recovery code",
                      "--recovery-code-file", confirm=False)
    profile = local_home.load_recovery(ctx.home, "pro", code)
    new = ctx.new_passphrase(user_inputs=_inputs(profile))
    local_home.save(ctx.home, profile, new)
    ctx.out.emit({"ps_id": profile.login, "recovered": True},
                 tr("new passphrase set for {ps_id}; your recovery code still works (replace "
                    "it with: carnet pro new-recovery-code)", ps_id=profile.login))


def register(cmds: Commands) -> None:
    subs = cmds.pro
    p = leaf(subs, "passphrase", pro_passphrase, "change the passphrase that seals your keys")
    p.add_argument("--new-passphrase-file", metavar="F")
    leaf(subs, "new-recovery-code", pro_new_recovery_code,
         "make a recovery code for your keys (prints it once)")
    p = leaf(subs, "recover", pro_recover, "set a new passphrase with your recovery code")
    p.add_argument("--recovery-code-file", metavar="F")
    p.add_argument("--new-passphrase-file", metavar="F")

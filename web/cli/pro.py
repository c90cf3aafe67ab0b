"""``carnet pro``: a health professional's identity (keys made and kept in the home, sealed
with the passphrase), its status on the server, and its identity QR for patients."""

from __future__ import annotations

from consent import qr
from vault import VaultError
from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx, check_ps_id, refuse_existing
from web.cli._render import pro_json
from web.cli._sessions import pro_identity
from web.client import home as local_home
from web.client.account import directory_status
from web.client.api import ApiError
from web.client.codes import fingerprint_hex, identity_text
from web.client.professional import ProfessionalIdentity


async def pro_register(ctx: Ctx) -> None:
    """New keys, sealed in HOME/pro.carnet, then registered (pending approval); the file
    is removed again if the server refuses. JSON: the professional."""
    ps_id = check_ps_id(ctx.args.id)
    if local_home.exists(ctx.home, "pro"):
        raise CliError(f"{ctx.home} already holds a professional identity; use another --home")
    server = ctx.server()
    passphrase = ctx.new_passphrase(from_global=True)
    identity = ProfessionalIdentity.new(ps_id)
    local_home.save(ctx.home, local_home.Profile(
        role="pro", server=server, login=ps_id, sign_seed=identity.sign_seed,
        box_secret=identity.box_secret, name=ctx.args.name, profession=ctx.args.profession),
        passphrase)
    try:
        async with ctx.api(server) as api:
            p = await identity.register(api, name=ctx.args.name,
                                        profession=ctx.args.profession,
                                        specialty=ctx.args.specialty or "",
                                        city=ctx.args.city or "", email=ctx.args.email or "")
    except (ApiError, VaultError):  # refused or not sent: these keys are worth nothing
        local_home.remove(ctx.home, "pro")
        raise
    ctx.out.emit(pro_json(p), f"{p.ps_id} registered ({p.status}): the operator must approve "
                              f"you before you can log in. Keys saved in {ctx.home}.")


async def pro_whoami(ctx: Ctx) -> None:
    """The identity in the home and its status on the server (``approved``, ``not approved
    (pending or blocked)`` or ``unreachable``; works offline). JSON: {ps_id, name,
    profession, server, status, roles, fingerprint}."""
    profile, identity = pro_identity(ctx)
    server = ctx.server(profile)
    async with ctx.api(server) as api:
        status, roles = await directory_status(api, identity.ps_id)
    data = {"ps_id": identity.ps_id, "name": profile.name, "profession": profile.profession,
            "server": server, "status": status, "roles": roles,
            "fingerprint": fingerprint_hex(identity.signing_key.verify_key.encode())}
    ctx.out.emit(data, "\n".join(f"{k:<12}{', '.join(v) if isinstance(v, list) else v}"
                                 for k, v in data.items()))


async def pro_identity_qr(ctx: Ctx) -> None:
    """Write this professional's identity QR (idNat_PS + key fingerprint) for patients to
    scan. JSON: {ps_id, fingerprint, file}."""
    out = refuse_existing(ctx.args.out, ctx.args.force)
    _, identity = pro_identity(ctx)
    text, fpr = identity_text(identity)
    out.write_bytes(qr.render_png(text))
    ctx.out.emit({"ps_id": identity.ps_id, "fingerprint": fpr.hex(), "file": str(out)},
                 f"identity QR of {identity.ps_id} (key {fpr.hex()[:16]}...) written to {out}")


def register(cmds: Commands) -> None:
    subs = cmds.pro
    p = leaf(subs, "register", pro_register, "create keys, register them, keep them in the "
             "home (sealed with the passphrase)")
    p.add_argument("--id", required=True, metavar="PS_ID", help="idNat_PS")
    p.add_argument("--name", required=True)
    p.add_argument("--profession", required=True)
    p.add_argument("--specialty")
    p.add_argument("--city")
    p.add_argument("--email")
    leaf(subs, "whoami", pro_whoami, "the identity in the home and its status")
    p = leaf(subs, "identity-qr", pro_identity_qr, "write your identity QR for patients")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--force", action="store_true", help="overwrite FILE")

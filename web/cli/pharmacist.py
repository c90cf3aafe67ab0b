"""``carnet pharmacist``: the pharmacy desk, where a patient present in person gets an
activation code."""

from __future__ import annotations

from web.cli._args import Commands, leaf
from web.cli._context import Ctx, check_date
from web.cli._render import when
from web.cli._sessions import pro_session
from web.nir import parse_nir


async def pharmacist_start(ctx: Ctx) -> None:
    """Log in as the pharmacist of the home and get a code for the patient present. JSON:
    {code, expires_at}."""
    nir = parse_nir(ctx.args.nir)
    birth = check_date(ctx.args.birth_date, "--birth-date")
    async with pro_session(ctx) as s:
        body = await s.identity.start_activation(s.api, nir, birth)
    ctx.out.emit({"code": body.code, "expires_at": body.expires_at},
                 f"Activation code for the patient: {body.code}\n(valid until "
                 f"{when(body.expires_at)}, single use; the patient runs: carnet patient "
                 "activate --nir <NIR> --code <code>)")


def register(cmds: Commands) -> None:
    p = leaf(cmds.pharmacist, "start-activation", pharmacist_start, "print an activation code "
             "for the patient in front of you")
    p.add_argument("--nir", required=True)
    p.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")

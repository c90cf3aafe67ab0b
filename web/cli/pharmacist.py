"""``carnet pharmacist``: the pharmacy desk, where a patient present in person gets an
activation code."""

from __future__ import annotations

from web.cli._args import Commands, leaf
from web.cli._context import CliError, Ctx, check_date
from web.cli._render import when
from web.cli._sessions import pro_session
from web.client.account import CodePending, pharmacy_code
from web.nir import parse_nir

CHANNELS = {"email": "by e-mail", "post": "by post", "pharmacy": "at a pharmacy"}


async def pharmacist_start(ctx: Ctx) -> None:
    """Log in as the pharmacist of the home and get a code for the patient present. If the
    patient's code sent earlier is still valid, it is kept and nothing is printed (exit 2)
    unless --resend: then the new code replaces it, and the earlier one stops working.
    JSON: {code, expires_at, replaced: {channel, sent_at} | null}."""
    nir = parse_nir(ctx.args.nir)
    birth = check_date(ctx.args.birth_date, "--birth-date")
    async with pro_session(ctx) as s:
        try:
            body = await pharmacy_code(s.api, nir, birth, resend=ctx.args.resend)
        except CodePending as exc:
            raise CliError(f"{exc.detail.rstrip('.')} (carnet pharmacist start-activation "
                           "--resend)") from None
    old = body.replaced
    replaced = ("" if old is None else
                f"\nThis code replaces the one sent {CHANNELS.get(old.channel, old.channel)} on "
                f"{when(old.sent_at)}: that code no longer works.")
    ctx.out.emit({"code": body.code, "expires_at": body.expires_at,
                  "replaced": None if old is None else {"channel": old.channel,
                                                        "sent_at": old.sent_at}},
                 f"Activation code for the patient: {body.code}\n(valid until "
                 f"{when(body.expires_at)}, single use; the patient runs: carnet patient "
                 "activate --nir <NIR> --code <code>)" + replaced)


def register(cmds: Commands) -> None:
    p = leaf(cmds.pharmacist, "start-activation", pharmacist_start, "print an activation code "
             "for the patient in front of you")
    p.add_argument("--nir", required=True)
    p.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--resend", action="store_true", help="replace the patient's code sent "
                   "earlier if it is still valid (it stops working)")

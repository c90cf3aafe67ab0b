"""``carnet operator``: the operator's desk (load the registry, send activation codes, list,
approve and block professionals). Needs the operator token; approving also needs the
directory authority's key, which ``init-authority`` creates in the operator's own home (never
on the server: the server holds only its public key, ``CARNET_AUTHORITY_PUBLIC``)."""

from __future__ import annotations

import argparse
from typing import Any, Final

import nacl.signing
from rich.console import Console
from rich.text import Text

from web.cli._args import Commands, Parser, leaf, token_options
from web.cli._context import CliError, Ctx, check_ps_id, read_text
from web.cli._render import pro_json, professionals_table
from web.cli._sessions import authority_key, create_key_profile, operator_api
from web.client import operator
from web.client.directory import approve
from web.i18n import tr
from web.nir import parse_nir

ROLES: Final = ("pharmacist", "emergency", "activation_agent")


async def op_init_authority(ctx: Ctx) -> None:
    """Create the directory authority's key in this home (``authority.carnet``, sealed under
    a new passphrase; --force replaces one) and print its PUBLIC key, to set on the server as
    CARNET_AUTHORITY_PUBLIC. The private key is never printed. JSON: {authority_public,
    file, setting}."""
    key = nacl.signing.SigningKey.generate()
    path = create_key_profile(ctx, "authority", force=ctx.args.force,
                              sign_seed=key.encode())
    public = key.verify_key.encode().hex()
    setting = f"CARNET_AUTHORITY_PUBLIC={public}"
    ctx.out.emit({"authority_public": public, "file": str(path), "setting": setting},
                 f"directory authority key created in {path} (sealed with your passphrase: "
                 f"keep this home off the server)\npublic key: {public}\nset on the server: "
                 f"{setting}\npublish its fingerprint so that clients can check what they pin")


async def op_load_registry(ctx: Ctx) -> None:
    """POST the CSV in batches of REGISTRY_BATCH records. JSON: {loaded, updated,
    rejected: [{line, reason}]} (line numbers count records, header = 1)."""
    text = read_text(ctx.args.file)
    if not text:
        raise CliError("the registry file is empty")
    batches = list(operator.registry_batches(text))
    async with operator_api(ctx) as api:
        with ctx.out.progress() as bar:
            task = bar.add_task("loading the registry", total=sum(n for _, _, n in batches))
            report = await operator.load_registry(
                api, batches, on_batch=lambda count: bar.advance(task, count))
    rejected: list[dict[str, Any]] = [{"line": r.line, "reason": r.reason}
                                      for r in report.rejected]

    def show(console: Console) -> None:
        console.print(f"loaded {report.loaded}, updated {report.updated}, rejected "
                      f"{len(rejected)}", markup=False)
        for r in rejected:
            console.print(Text("  " + tr("line {line}: {reason}", line=r["line"],
                                          reason=r["reason"])))
    ctx.out.emit({"loaded": report.loaded, "updated": report.updated, "rejected": rejected},
                 show)


async def op_send_codes(ctx: Ctx) -> None:
    """Send codes to beneficiaries without a dossier (all, or the --nir ones). A code sent
    earlier and still valid is kept (nothing sent) unless --resend: then it is replaced and
    stops working. JSON: {sent, skipped, kept, replaced}."""
    nirs = [parse_nir(n) for n in ctx.args.nir] if ctx.args.nir else None
    async with operator_api(ctx) as api:
        result = await operator.send_codes(api, ctx.args.channel, nirs, resend=ctx.args.resend)
    lines = [f"codes sent by {ctx.args.channel}: {result.sent}"]
    if result.replaced:
        lines.append(f"  of which {result.replaced} replaced a code still valid: that earlier "
                     "code no longer works")
    if result.kept:
        lines.append(f"kept (a code sent earlier is still valid; --resend replaces it): "
                     f"{result.kept}")
    lines.append(f"skipped (already activated, or no address for this channel): "
                 f"{result.skipped}")
    ctx.out.emit({"sent": result.sent, "skipped": result.skipped, "kept": result.kept,
                  "replaced": result.replaced}, "\n".join(lines))


async def op_professionals(ctx: Ctx) -> None:
    """Every professional (pages followed), optionally of one --status. JSON:
    {professionals: [{ps_id, name, profession, specialty, city, status, roles,
    fingerprint}]}."""
    async with operator_api(ctx) as api:
        found = await operator.professionals(api, ctx.args.status)
    ctx.out.emit({"professionals": [pro_json(p) for p in found]},
                 lambda console: console.print(professionals_table(found)))


async def op_approve(ctx: Ctx) -> None:
    """Approve PS_ID with the --role roles. JSON: the professional (as in
    ``professionals``)."""
    ps_id = check_ps_id(ctx.args.ps_id)
    roles = list(dict.fromkeys(ctx.args.role or []))
    authority = authority_key(ctx)
    async with operator_api(ctx) as api:
        p = await approve(api, ps_id, roles, authority)
    ctx.out.emit(pro_json(p), f"{p.ps_id} ({p.name}) approved; roles: "
                              f"{', '.join(p.roles) or 'none'}")


async def op_block(ctx: Ctx) -> None:
    """Block PS_ID (its sessions end). JSON: the professional."""
    ps_id = check_ps_id(ctx.args.ps_id)
    async with operator_api(ctx) as api:
        p = await operator.block(api, ps_id)
    ctx.out.emit(pro_json(p), f"{p.ps_id} ({p.name}) blocked: their sessions are closed")


def register(cmds: Commands) -> None:
    subs = cmds.operator
    p = leaf(subs, "init-authority", op_init_authority, "create the directory authority's "
             "key in this home (never on the server) and print its public key")
    p.add_argument("--force", action="store_true", help="replace the key this home holds")
    token: argparse.ArgumentParser = Parser(add_help=False)
    token_options(token, suppress=True)
    p = leaf(subs, "load-registry", op_load_registry, "load or update beneficiaries from a "
             "CSV (nir,last_name,first_name,birth_date,address,email)", [token])
    p.add_argument("file", metavar="FILE.csv")
    p = leaf(subs, "send-codes", op_send_codes, "send activation codes to beneficiaries "
             "without a dossier", [token])
    p.add_argument("--channel", choices=("email", "post"), required=True)
    p.add_argument("--nir", action="append", help="only this NIR (repeatable)")
    p.add_argument("--resend", action="store_true", help="replace codes sent earlier that are "
                   "still valid (they stop working); without it they are kept")
    p = leaf(subs, "professionals", op_professionals, "list professionals", [token])
    p.add_argument("--status", choices=("pending", "approved", "blocked"))
    p = leaf(subs, "approve", op_approve, "approve a registered professional", [token])
    p.add_argument("ps_id", metavar="PS_ID")
    p.add_argument("--role", action="append", choices=ROLES, help="grant a role (repeatable)")
    p = leaf(subs, "block", op_block, "block a professional", [token])
    p.add_argument("ps_id", metavar="PS_ID")

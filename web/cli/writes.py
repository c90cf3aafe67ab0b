"""Professional writes, deposits and blocks.

    carnet pro add (--token T | --token-file F | --image QR) SECTION TYPE TITLE --date D
                   [--body JSON | --body-file F]           write through a read+write consent
    carnet pro deposit --nir NIR SECTION TYPE TITLE --date D [--body JSON | --body-file F]
    carnet patient deposits                                 file what professionals deposited
    carnet patient block PS_ID | unblock PS_ID | blocks
"""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console

from web.cli._alerts import prescription_gate
from web.cli._args import Commands, authority_option, item_options, leaf
from web.cli._codes import token_text
from web.cli._context import Ctx, check_date, check_ps_id, clock, read_body
from web.cli._render import author_json, when
from web.cli._sessions import patient_session, pinned_authority, pro_session
from web.client.item_rules import check_item_date, dated
from web.client.writes import block, blocks, deposit, file_deposits, unblock, write_item
from web.i18n import tr
from web.nir import parse_nir


def _item_date(a: argparse.Namespace) -> str:
    """--date (optional where a date means nothing), refused in the future for a past event."""
    today = dt.date.today()
    date = dated(a.type, check_date(a.date) if a.date is not None else None, today=today)
    check_item_date(a.section, a.type, date, today=today)
    return date


async def pro_add(ctx: Ctx) -> None:
    """Add an item through a read+write consent (the token is presented, as for a scan).
    JSON: {dossier_id, item_id, revision, section} (no content)."""
    a = ctx.args
    text = token_text(image=a.image, text_file=a.token_file, text=a.token)
    date = _item_date(a)
    body = read_body(a)
    async with pro_session(ctx) as s:
        if a.prescription:  # P11: checked before saving (web.cli._alerts, H8)
            body = await prescription_gate(ctx, s, text, a.title, body)
        opened, item = await write_item(s.api, s.identity, text, a.section, a.type, a.title,
                                        date, body, name=s.profile.name, now=clock())
    ctx.out.emit({"dossier_id": opened.dossier.dossier_id, "item_id": item.item_id,
                  "revision": item.revision, "section": item.section.value},
                 f"added {item.item_id} to {item.section.value} in the patient's dossier "
                 "(the patient sees you as its author)")


async def pro_deposit(ctx: Ctx) -> None:
    """Deposit an item for the patient with this NIR, sealed to them (nothing is read).
    JSON: {deposit_id, dossier_id}."""
    a = ctx.args
    nir = parse_nir(a.nir)
    date = _item_date(a)
    body = read_body(a)
    async with pro_session(ctx) as s:
        done = await deposit(s.api, s.identity, nir, a.section, a.type, a.title, date, body,
                             name=s.profile.name, now=clock())
    ctx.out.emit({"deposit_id": done.deposit_id, "dossier_id": done.dossier_id},
                 f"deposited {done.deposit_id}: if this NIR has a dossier, the patient files "
                 "it there (Carnet never says who has one: send results by your usual channel "
                 "too)")


async def patient_deposits(ctx: Ctx) -> None:
    """File every pending deposit that verifies (depositor's countersigned entry and
    signature) into its section; the others stay on the server and are reported. JSON:
    {filed: [{deposit_id, item_id, section, author}], rejected: [{deposit_id, ps_id, at,
    reason}]}."""
    async with patient_session(ctx) as s:
        done = await file_deposits(s.dossier, s.api,
                                   authority_public=await pinned_authority(ctx, s.api))
    filed = [{"deposit_id": dep, "item_id": i.item_id, "section": i.section.value,
              "author": author_json(i)} for dep, i in done.filed]
    rejected = [{"deposit_id": r.deposit_id, "ps_id": r.ps_id, "at": r.at,
                 "reason": r.reason} for r in done.rejected]

    def show(console: Console) -> None:
        if not filed and not rejected:
            console.print("no deposits waiting", markup=False)
        for _, i in done.filed:
            console.print(f"filed {i.item_id} into {i.section.value} (from "
                          f"{i.author.name or i.author.id})", markup=False)
        for r in done.rejected:
            console.print(f"REJECTED deposit {r.deposit_id} from {r.ps_id}: {r.reason} "
                          "(left on the server)", markup=False)
    ctx.out.emit({"filed": filed, "rejected": rejected}, show)


async def patient_block(ctx: Ctx) -> None:
    """Block a professional: their consent tokens stop working, their active grants are
    revoked (sections get new keys at the next write); they can still deposit. JSON:
    {ps_id, blocked, revoked}."""
    ps_id = check_ps_id(ctx.args.ps_id)
    async with patient_session(ctx) as s:
        result = await block(s.dossier, s.api, ps_id)
    ctx.out.emit({"ps_id": ps_id, "blocked": True, "revoked": result.revoked},
                 f"blocked {ps_id}; grants revoked: {len(result.revoked)}")


async def patient_unblock(ctx: Ctx) -> None:
    """Lift a block (revoked grants stay revoked). JSON: {ps_id, unblocked}."""
    ps_id = check_ps_id(ctx.args.ps_id)
    async with patient_session(ctx) as s:
        await unblock(s.dossier, s.api, ps_id)
    ctx.out.emit({"ps_id": ps_id, "unblocked": True}, tr("unblocked {ps_id}", ps_id=ps_id))


async def patient_blocks(ctx: Ctx) -> None:
    """The professionals you blocked. JSON: {blocks: [{ps_id, at}]}."""
    async with patient_session(ctx) as s:
        found = await blocks(s.dossier, s.api)
    ctx.out.emit({"blocks": [{"ps_id": b.ps_id, "at": b.at} for b in found]},
                 "\n".join(f"{b.ps_id}  blocked {when(b.at)}" for b in found)
                 or tr("nobody is blocked"))


def _item_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("section", metavar="SECTION")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("title", metavar="TITLE")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="when it happened (optional where a date means nothing: today)")
    item_options(p, attach=False)


def register(cmds: Commands) -> None:
    p = leaf(cmds.pro, "add", pro_add, "add an item to a patient's dossier through their "
             "read+write consent token")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--token", metavar="TEXT", help="the consent token's text form")
    g.add_argument("--token-file", metavar="FILE", help="a file holding the token's text")
    g.add_argument("--image", metavar="QR", help="a photo or scan of the QR code")
    _item_args(p)
    p.add_argument("--prescription", action="store_true", help="check interactions and "
                   "allergies before saving (the drug's code: --field rxnorm=CODE)")
    p.add_argument("--force", action="store_true", help="with --prescription: save despite "
                   "the alerts, recording them as acknowledged")
    p = leaf(cmds.pro, "deposit", pro_deposit, "deposit an item for a patient (by NIR), "
             "sealed to them: you read nothing")
    p.add_argument("--nir", required=True)
    _item_args(p)
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "deposits", patient_deposits, "file the items professionals deposited for "
             "you (each checked)", [nir])
    authority_option(p)
    p = leaf(subs, "block", patient_block, "block a professional (their consents stop "
             "working)", [nir])
    p.add_argument("ps_id", metavar="PS_ID")
    p = leaf(subs, "unblock", patient_unblock, "lift a block", [nir])
    p.add_argument("ps_id", metavar="PS_ID")
    leaf(subs, "blocks", patient_blocks, "the professionals you blocked", [nir])

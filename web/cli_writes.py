"""``carnet`` commands for professional writes, deposits and blocks.

    carnet pro add (--token T | --token-file F | --image QR) SECTION TYPE TITLE --date D
                   [--body JSON | --body-file F]           write through a read+write consent
    carnet pro deposit --nir NIR SECTION TYPE TITLE --date D [--body JSON | --body-file F]
    carnet patient deposits                                 file what professionals deposited
    carnet patient block PS_ID | unblock PS_ID | blocks

Same contract as the rest of the CLI (``web/cli.py``): one JSON document with ``--json``,
exit 2 with one line on bad input or a refusal. The shared helpers (sessions, input checks,
rendering) are ``web.cli``'s, handed in by :func:`add_parsers` (``web.cli`` may be running as
``__main__``, so it is not imported here).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from consent import qr
from consent import token as token_format
from web.client.writes import block, blocks, deposit, file_deposits, unblock, write_item
from web.nir import parse_nir

if TYPE_CHECKING:
    from rich.console import Console

    from vault.items import Item
    from web.cli import Ctx, PatientSession
    from web.client.api import Api
    from web.client.home import Profile
    from web.client.professional import ProfessionalIdentity


class Kit(Protocol):
    """What these commands use from ``web.cli`` (the module itself is passed)."""

    def patient_session(self, ctx: Ctx) -> AbstractAsyncContextManager[PatientSession]: ...
    def pro_identity(self, ctx: Ctx) -> tuple[Profile, ProfessionalIdentity]: ...
    async def pro_login(self, api: Api, identity: ProfessionalIdentity) -> None: ...
    async def quiet_logout(self, api: Api) -> None: ...
    async def pinned_authority(self, ctx: Ctx, api: Api) -> bytes: ...
    def check_date(self, text: str, what: str = ...) -> str: ...
    def check_ps_id(self, text: str) -> str: ...
    def read_body(self, args: argparse.Namespace) -> dict[str, Any] | None: ...
    def read_text(self, path: str) -> str: ...
    def read_bytes(self, path: str) -> bytes: ...
    def when(self, timestamp: int) -> str: ...


if TYPE_CHECKING:  # web.cli really provides the kit (checked by mypy, not run)
    from web import cli as _cli

    _KIT: Kit = _cli

Leaf = Callable[..., argparse.ArgumentParser]
Run = Callable[[Kit, "Ctx"], Awaitable[None]]


def _clock() -> int:
    return int(time.time())


def _author(item: Item) -> dict[str, Any]:
    return {"kind": item.author.kind, "id": item.author.id, "name": item.author.name}


# ------------------------------------------------------------------------------ professional
def _token_text(kit: Kit, a: argparse.Namespace) -> str:
    if a.image:
        text = token_format.to_text(qr.read_token(kit.read_bytes(a.image)))
    elif a.token_file:
        text = kit.read_text(a.token_file).strip()
    else:
        text = a.token.strip()
    token_format.from_text(text)  # not a Carnet token: say so before any login
    return text


async def pro_add(kit: Kit, ctx: Ctx) -> None:
    """Add an item through a read+write consent (the token is presented, as for a scan).
    JSON: {dossier_id, item_id, revision, section} (no content)."""
    a = ctx.args
    text = _token_text(kit, a)
    date = kit.check_date(a.date)
    body = kit.read_body(a)
    profile, identity = kit.pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        await kit.pro_login(api, identity)
        try:
            opened, item = await write_item(api, identity, text, a.section, a.type, a.title,
                                            date, body, name=profile.name, now=_clock())
        finally:
            await kit.quiet_logout(api)
    ctx.out.emit({"dossier_id": opened.dossier.dossier_id, "item_id": item.item_id,
                  "revision": item.revision, "section": item.section.value},
                 f"added {item.item_id} to {item.section.value} in the patient's dossier "
                 "(the patient sees you as its author)")


async def pro_deposit(kit: Kit, ctx: Ctx) -> None:
    """Deposit an item for the patient with this NIR, sealed to them (nothing is read).
    JSON: {deposit_id, dossier_id}."""
    a = ctx.args
    nir = parse_nir(a.nir)
    date = kit.check_date(a.date)
    body = kit.read_body(a)
    profile, identity = kit.pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        await kit.pro_login(api, identity)
        try:
            done = await deposit(api, identity, nir, a.section, a.type, a.title, date, body,
                                 name=profile.name, now=_clock())
        finally:
            await kit.quiet_logout(api)
    ctx.out.emit({"deposit_id": done.deposit_id, "dossier_id": done.dossier_id},
                 f"deposited {done.deposit_id}: the patient files it into their dossier")


# ------------------------------------------------------------------------------ patient
async def patient_deposits(kit: Kit, ctx: Ctx) -> None:
    """File every pending deposit that verifies (depositor's countersigned entry and
    signature) into its section; the others stay on the server and are reported. JSON:
    {filed: [{deposit_id, item_id, section, author}], rejected: [{deposit_id, ps_id, at,
    reason}]}."""
    async with kit.patient_session(ctx) as s:
        done = await file_deposits(s.dossier, s.api,
                                   authority_public=await kit.pinned_authority(ctx, s.api))
    filed = [{"deposit_id": dep, "item_id": i.item_id, "section": i.section.value,
              "author": _author(i)} for dep, i in done.filed]
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


async def patient_block(kit: Kit, ctx: Ctx) -> None:
    """Block a professional: their consent tokens stop working, their active grants are
    revoked (sections get new keys at the next write); they can still deposit. JSON:
    {ps_id, blocked, revoked}."""
    ps_id = kit.check_ps_id(ctx.args.ps_id)
    async with kit.patient_session(ctx) as s:
        result = await block(s.dossier, s.api, ps_id)
    ctx.out.emit({"ps_id": ps_id, "blocked": True, "revoked": result.revoked},
                 f"blocked {ps_id}; grants revoked: {len(result.revoked)}")


async def patient_unblock(kit: Kit, ctx: Ctx) -> None:
    """Lift a block (revoked grants stay revoked). JSON: {ps_id, unblocked}."""
    ps_id = kit.check_ps_id(ctx.args.ps_id)
    async with kit.patient_session(ctx) as s:
        await unblock(s.dossier, s.api, ps_id)
    ctx.out.emit({"ps_id": ps_id, "unblocked": True}, f"unblocked {ps_id}")


async def patient_blocks(kit: Kit, ctx: Ctx) -> None:
    """The professionals you blocked. JSON: {blocks: [{ps_id, at}]}."""
    async with kit.patient_session(ctx) as s:
        found = await blocks(s.dossier, s.api)
    ctx.out.emit({"blocks": [{"ps_id": b.ps_id, "at": b.at} for b in found]},
                 "\n".join(f"{b.ps_id}  blocked {kit.when(b.at)}" for b in found)
                 or "nobody is blocked")


# ------------------------------------------------------------------------------ parsers
def _subparsers(parser: argparse.ArgumentParser) -> Any:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("no subcommands on this parser")  # pragma: no cover


def _item_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("section", metavar="SECTION")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("title", metavar="TITLE")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--body", metavar="JSON", help="the item's details, a JSON object")
    g.add_argument("--body-file", metavar="F", help="a file holding the JSON object")


def add_parsers(top: Any, patient_subs: Any, nir: argparse.ArgumentParser, leaf: Leaf,
                kit: Kit) -> None:
    """Register the commands: ``top`` is the command subparsers (``pro`` must exist),
    ``patient_subs`` the patient's, ``nir`` the --nir parent, ``leaf`` web.cli's ``_leaf``,
    ``kit`` the web.cli module."""
    def bind(run: Run) -> Callable[[Ctx], Awaitable[None]]:
        return functools.partial(run, kit)

    pro_subs = _subparsers(top.choices["pro"])
    p = leaf(pro_subs, "add", bind(pro_add), "add an item to a patient's dossier through "
             "their read+write consent token")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--token", metavar="TEXT", help="the consent token's text form")
    g.add_argument("--token-file", metavar="FILE", help="a file holding the token's text")
    g.add_argument("--image", metavar="QR", help="a photo or scan of the QR code")
    _item_args(p)
    p = leaf(pro_subs, "deposit", bind(pro_deposit), "deposit an item for a patient (by NIR), "
             "sealed to them: you read nothing")
    p.add_argument("--nir", required=True)
    _item_args(p)
    p = leaf(patient_subs, "deposits", bind(patient_deposits), "file the items professionals "
             "deposited for you (each checked)", [nir])
    p.add_argument("--authority-key", metavar="HEX",
                   help="the directory authority's public key (else the one this home pinned)")
    p = leaf(patient_subs, "block", bind(patient_block), "block a professional (their "
             "consents stop working)", [nir])
    p.add_argument("ps_id", metavar="PS_ID")
    p = leaf(patient_subs, "unblock", bind(patient_unblock), "lift a block", [nir])
    p.add_argument("ps_id", metavar="PS_ID")
    leaf(patient_subs, "blocks", bind(patient_blocks), "the professionals you blocked", [nir])

"""``carnet pro``: a health professional's identity (keys made and kept in the home, sealed
with the passphrase), its status on the server, its identity QR for patients; and what a
patient's consent token opens (``pro scan``, ``pro show ITEM``), shown as
``web.client.reading`` builds it: whose dossier, what was opened, the notices, each item with
its details. Decrypted content is never written to disk, except an attachment the user asks
for (``--save-attachment DIR``, files 0600)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from rich.console import Console

from consent import qr
from vault import Item, VaultError
from web.cli._alerts import alerts_first, alerts_json, view_alerts
from web.cli._args import Commands, leaf
from web.cli._codes import token_text
from web.cli._context import CliError, Ctx, check_ps_id, clock, refuse_existing
from web.cli._render import item_in_view, pro_json, view_of
from web.cli._sessions import ProSession, pinned_authority, pro_identity, pro_session
from web.client import home as local_home
from web.client.account import directory_status
from web.client.api import ApiError
from web.client.clinical import within_window
from web.client.codes import fingerprint_hex, identity_text
from web.client.consent import scan
from web.client.links import public_origin
from web.client.professional import ProfessionalIdentity
from web.client.reading import ReadingView, build_view, view_json
from web.client.views import author_directory, granted_attachment
from web.i18n import tr


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
    ctx.out.note("keep a way back to your keys if you forget the passphrase: carnet pro "
                 "new-recovery-code")


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
    """Write this professional's identity QR (idNat_PS + key fingerprint, a link on the
    deployment: web.client.links) for patients to scan, PNG or SVG by --out's suffix. JSON:
    {ps_id, fingerprint, file}."""
    out = refuse_existing(ctx.args.out, ctx.args.force)
    svg = out.suffix.lower() == ".svg"
    if not svg and out.suffix.lower() != ".png":
        raise CliError("--out must name a .png or .svg file")
    profile, identity = pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        text, fpr = identity_text(identity, await public_origin(api))
    out.write_bytes(qr.render_svg(text) if svg else qr.render_png(text))
    ctx.out.emit({"ps_id": identity.ps_id, "fingerprint": fpr.hex(), "file": str(out)},
                 f"identity QR of {identity.ps_id} (key {fpr.hex()[:16]}...) written to {out}")


async def _open(ctx: Ctx, s: ProSession, text: str, *, window: bool = False
                ) -> tuple[ReadingView, int]:
    """The reader's view, and how many care-history items older than 24 months it leaves
    out (``window``, unless ``--all``: the seed's 24-month care history)."""
    got = await scan(s.api, s.identity, text, now=clock())
    names = await author_directory(s.api, got.items, await pinned_authority(ctx, s.api))
    shown, older = list(got.items), 0
    if window and not getattr(ctx.args, "all", False):
        shown, older = within_window(got.items, today=dt.date.fromtimestamp(clock()))
    view = build_view(shown, kind="professional", carried=got.sections,
                      dossier_id=got.dossier_id, write=got.write, expires_at=got.expires_at,
                      unreadable=got.unreadable, directory=names)
    return view, older


def _attachment_path(directory: Path, item: Item, force: bool) -> Path:
    """DIR/<the attachment's own name> (its last path part only; the item id if that is
    empty), refused if it exists unless --force."""
    given = item.attachment.name if item.attachment is not None else ""
    name = Path(given.replace("\\", "/")).name.strip()
    if name in ("", ".", ".."):
        name = item.item_id
    return refuse_existing(str(directory / name), force)


def _directory(path: str) -> Path:
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise CliError(f"--save-attachment needs a directory: {directory} is a file")
    return directory


async def _save(ctx: Ctx, s: ProSession, text: str, items: list[Item]) -> list[str]:
    """Decrypt and write the attachments of ``items`` into --save-attachment DIR."""
    a = ctx.args
    if not a.save_attachment:
        return []
    directory = _directory(a.save_attachment)
    targets = [(i, _attachment_path(directory, i, a.force)) for i in items
               if i.attachment is not None]
    saved = []
    for item, target in targets:
        data = await granted_attachment(s.api, s.identity, text, item, now=clock())
        local_home.write_private(target, data)
        saved.append(str(target))
    if not targets:
        ctx.out.note("no attachment to save")
    for path in saved:
        ctx.out.note(f"attachment saved to {path}")
    return saved


async def pro_scan(ctx: Ctx) -> None:
    """Read a consent token (QR image or text), check the patient's signature, and show
    what it opens: whose dossier, the sections opened and not, write permission and expiry,
    what the view cannot tell (masking), then each item with its details by section.
    --save-attachment DIR writes the decrypted attachments. JSON: {kind, dossier_id, patient,
    sections, sections_not_carried, write, expires_at, notices, by_section, items,
    unreadable, attachments_saved}."""
    text = token_text(image=ctx.args.image, text_file=ctx.args.text_file, text=ctx.args.text)
    async with pro_session(ctx) as s:
        view, older = await _open(ctx, s, text, window=True)
        saved = await _save(ctx, s, text, [v.item for v in view.items()])
    # P11: alerts first (web.cli._alerts, H8), computed here on the decrypted items.
    alerts = view_alerts(ctx.env, [v.item for v in view.items()], view.opened, None)
    data: dict[str, Any] = {**view_json(view), "attachments_saved": saved,
                            "alerts": alerts_json(alerts), "older_not_shown": older}
    first = alerts_first(alerts, view_of(view))

    def shown(console: Console) -> None:
        first(console)
        if older:
            console.print(tr("({n} care-history items older than 24 months not shown: --all "
                             "shows them)", n=older), markup=False)
    ctx.out.emit(data, shown)


async def pro_show(ctx: Ctx) -> None:
    """One item a consent token opens, in full (the token again: nothing of an earlier
    scan is kept on disk); --save-attachment DIR writes its decrypted attachment. JSON: the
    view of ``pro scan`` with only that item, and attachments_saved."""
    item_id = ctx.args.item_id.strip().lower()
    text = token_text(image=ctx.args.image, text_file=ctx.args.text_file, text=ctx.args.text)
    async with pro_session(ctx) as s:
        view, _ = await _open(ctx, s, text)
        found = view.find(item_id)
        if found is None:
            raise CliError(f"item {item_id} is not among what this consent opens (it may not "
                           "exist, be in a section not granted, or be masked by the patient)")
        saved = await _save(ctx, s, text, [found.item])
    data = view_json(view)
    data["items"] = [x for x in data["items"] if x["item_id"] == item_id]
    data["attachments_saved"] = saved
    ctx.out.emit(data, item_in_view(view, found))


def _token_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--image", metavar="FILE", help="a photo or scan of the QR code")
    g.add_argument("--text", metavar="TOKEN", help="the token's text form")
    g.add_argument("--text-file", metavar="FILE", help="a file holding the token's text")
    p.add_argument("--save-attachment", metavar="DIR",
                   help="write the decrypted attachments into DIR (files readable by you only)")
    p.add_argument("--force", action="store_true", help="overwrite files in DIR")


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
    p.add_argument("--out", required=True, metavar="FILE.png|FILE.svg")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    for name in ("scan", "read"):  # read: the same, for a token already scanned (text)
        p = leaf(subs, name, pro_scan, "open what a patient's consent token grants you: "
                 "whose dossier, what is opened, each item with its details")
        _token_options(p)
        p.add_argument("--all", action="store_true",
                       help="also the care history older than 24 months")
    p = leaf(subs, "show", pro_show, "one item a consent token opens, in full (give the "
             "token again)")
    p.add_argument("item_id", metavar="ITEM_ID")
    _token_options(p)

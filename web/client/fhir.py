"""Importing FHIR R4 files into a dossier (P12), on the patient's side: every file is read,
validated and mapped, and every item checked, before the first write; the items are then
encrypted one by one by ``vault.Dossier`` like any other item. The server sees ciphertext.

Idempotent: each item carries its resource's identity (``body.fhir.identity``, inside the
encrypted item); an import first decrypts the dossier's items and skips every resource
already there, so importing a file twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from clinical import InvalidFhir
from clinical.fhir import Author, MappedItem, build, check, map_document, read
from vault import Dossier, Item, NewAttachment, Section, VaultError
from vault.items import draft
from web.nir import InvalidNir, parse_nir

__all__ = ["Author", "FhirImportError", "ImportReport", "Prepared", "identities",
           "import_files", "ips_bundle", "prepare"]

# Patient.identifier systems that carry a NIR (INS-NIR, INS-NIA and the test NIR OIDs).
NIR_SYSTEMS: Final = frozenset({"urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9",
                                "urn:oid:1.2.250.1.213.1.4.10",
                                "urn:oid:1.2.250.1.213.1.4.11"})
Progress = Callable[[int, int], None]


class FhirImportError(InvalidFhir):
    """A file could not be imported; the message names the file and the place."""

    code = "invalid_fhir"


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything an import will write, checked, and what it will not."""

    items: tuple[MappedItem, ...]
    skipped: Mapping[str, int]
    context: Mapping[str, int]
    warnings: tuple[str, ...]
    resources: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    already: int
    sections: Mapping[str, int]
    skipped: Mapping[str, int]
    context: Mapping[str, int]
    warnings: tuple[str, ...] = field(default=())
    resources: int = 0
    item_ids: tuple[str, ...] = ()


def _nir_warnings(name: str, patients: Sequence[Mapping[str, Any]], strict: bool) -> list[str]:
    found = []
    for n, patient in enumerate(patients, start=1):
        for ident in patient.get("identifier") or []:
            if not isinstance(ident, dict) or ident.get("system") not in NIR_SYSTEMS:
                continue
            try:
                parse_nir(str(ident.get("value", "")))
            except InvalidNir:
                where = f"{name}: Patient {n} identifier {ident.get('system')}"
                if strict:
                    raise FhirImportError("not a valid NIR (--strict)", where) from None
                found.append(f"{where}: not a valid NIR (imported; the NIR is not used)")
    return found


def prepare(files: Sequence[tuple[str, bytes]], *, today: str,
            strict: bool = False) -> Prepared:
    """Read, validate and map every file and check every item (nothing is written).
    Raises :class:`FhirImportError` naming the file and where."""
    items: list[MappedItem] = []
    skipped: Counter[str] = Counter()
    context: Counter[str] = Counter()
    warnings: list[str] = []
    resources = 0
    for name, data in files:
        try:
            doc = read(data)
            mapped = map_document(doc, today=today)
        except InvalidFhir as exc:
            raise FhirImportError(str(exc), name) from None
        warnings.extend(_nir_warnings(name, mapped.patients, strict))
        for item in mapped.items:
            try:
                draft(item.section, item.item_type, item.title, item.date, item.body)
            except VaultError as exc:
                raise FhirImportError(f"cannot become an item ({exc})",
                                      f"{name}: {item.where}") from None
        items.extend(mapped.items)
        skipped.update(mapped.skipped)
        context.update(mapped.context)
        resources += len(doc.entries)
        if mapped.skipped:
            warnings.append(f"{name}: not imported (no section for them): " + ", ".join(
                f"{k} x{v}" for k, v in sorted(mapped.skipped.items())))
    return Prepared(tuple(items), dict(skipped), dict(context), tuple(warnings), resources)


def identities(items: Sequence[Item]) -> set[str]:
    """The FHIR identities already in the dossier (from the decrypted bodies)."""
    found = set()
    for item in items:
        fhir = item.body.get("fhir") if isinstance(item.body, dict) else None
        if isinstance(fhir, dict) and isinstance(fhir.get("identity"), str):
            found.add(fhir["identity"])
    return found


async def import_files(dossier: Dossier, files: Sequence[tuple[str, bytes]], *, today: str,
                       strict: bool = False, progress: Progress | None = None,
                       prepared: Prepared | None = None) -> ImportReport:
    """Import FHIR files (name, bytes) into ``dossier``. Nothing is written unless every
    file is valid; if a write fails midway, the items this run wrote are deleted again
    (best effort) and the error is raised (a rerun completes: it is idempotent)."""
    plan = prepared or prepare(files, today=today, strict=strict)
    have = identities(await dossier.list())
    todo: list[MappedItem] = []
    for item in plan.items:
        if item.identity not in have:
            have.add(item.identity)
            todo.append(item)
    written: list[str] = []
    # One grant sync (P5 rotation, web.client.rotation) for the whole batch, not one per item:
    # the batch is one change of the dossier, made within seconds.
    hook = dossier.before_write
    if hook is not None and todo:
        await hook()
    dossier.before_write = None
    try:
        for n, item in enumerate(todo, start=1):
            att = (NewAttachment(item.attachment.name, item.attachment.media_type,
                                 item.attachment.data) if item.attachment else None)
            done = await dossier.add(item.section, item.item_type, item.title, item.date,
                                     item.body, attachment=att)
            written.append(done.item_id)
            if progress is not None:
                progress(n, len(todo))
    except BaseException:
        dossier.before_write = hook
        for item_id in reversed(written):
            try:
                await dossier.delete(item_id)
            except Exception:  # noqa: S112 - best effort; the rerun is idempotent
                continue
        raise
    dossier.before_write = hook
    return ImportReport(added=len(todo), already=len(plan.items) - len(todo),
                        sections=dict(Counter(i.section for i in todo)), skipped=plan.skipped,
                        context=plan.context, warnings=plan.warnings,
                        resources=plan.resources, item_ids=tuple(written))


def ips_bundle(items: Sequence[Item], *, dossier_id: str, shown: Iterable[Section],
               author: Author, now: int) -> bytes:
    """An IPS document bundle (JSON bytes, checked with ``fhir.resources``) of the items a
    reader decrypted. Masked items and personal notes never appear; ``shown``: the sections
    the reader holds (the others are marked withheld)."""
    visible = [i for i in items if not i.masked and i.section != Section.PERSONAL_NOTES]
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
    doc = build(visible, dossier_id=dossier_id, shown=[s.value for s in shown],
                author=author, now=stamp)
    check(doc)
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

"""Reading a FHIR R4 file: bounded decoding (plain JSON or gzip), validation with
``fhir.resources`` (R4B models, which accept R4 content), reference checks.

Every failure is an :class:`~clinical.errors.InvalidFhir` whose message says where
(``entry 12 (Observation) code``), never quoting the medical content.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from clinical.errors import InvalidFhir

__all__ = ["MAX_BYTES", "Document", "Entry", "read"]

MAX_BYTES: Final = 32 * 1024 * 1024  # uncompressed; a Synthea patient is ~0.6 MB
_GZIP: Final = b"\x1f\x8b"
# Fields whose type changed from STU3 to R4: a string here means the file is not R4.
_STU3_CODES: Final = {
    "AllergyIntolerance": ("clinicalStatus", "verificationStatus"),
    "Condition": ("clinicalStatus", "verificationStatus"),
}
_STU3_FIELDS: Final = {"MedicationStatement": "taken", "MedicationRequest": "context",
                       "Immunization": "notGiven", "Observation": "context",
                       "Procedure": "notDone"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the document, with its position (1-based) and full URL."""

    position: int
    resource: Mapping[str, Any]
    full_url: str = ""

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def where(self) -> str:
        return f"entry {self.position} ({self.type})"


@dataclass(frozen=True, slots=True)
class Document:
    """A validated FHIR file: a bundle's entries (a lone resource is one entry)."""

    kind: str  # the bundle type (transaction, document, searchset, ...) or "resource"
    entries: tuple[Entry, ...]
    timestamp: str = ""
    warnings: tuple[str, ...] = field(default=())


def _decompress(data: bytes, limit: int) -> bytes:
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(data, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            raise InvalidFhir(f"larger than {limit // (1024 * 1024)} MiB once uncompressed")
        if not d.eof:
            raise InvalidFhir("truncated gzip file")
        return out
    except zlib.error:
        raise InvalidFhir("damaged gzip file") from None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidFhir("not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(data.rstrip()) - 1
        what = "truncated" if truncated else "not valid JSON"
        raise InvalidFhir(f"not JSON ({what} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InvalidFhir("not JSON (nested too deeply)") from None


def _stu3_hint(res: Mapping[str, Any]) -> str | None:
    rt = str(res.get("resourceType", ""))
    for name in _STU3_CODES.get(rt, ()):
        if isinstance(res.get(name), str):
            return f"{name} is a plain code (FHIR STU3); Carnet imports FHIR R4"
    stu3 = _STU3_FIELDS.get(rt)
    if stu3 and stu3 in res:
        return f"field {stu3!r} exists only in FHIR STU3; Carnet imports FHIR R4"
    return None


def _location(loc: tuple[Any, ...], entries: list[Entry]) -> str:
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "entry" and isinstance(parts[1], int):
        n = parts[1]
        rest = [str(p) for p in parts[2:] if p != "resource"]
        head = entries[n].where if n < len(entries) else f"entry {n + 1}"
        return head + (f" {'.'.join(rest)}" if rest else "")
    return ".".join(str(p) for p in parts) or "document"


def _validate(doc: Mapping[str, Any], entries: list[Entry]) -> None:
    from fhir.resources.R4B import get_fhir_model_class  # heavy: loaded on first use
    from pydantic import ValidationError

    for e in entries:
        hint = _stu3_hint(e.resource)
        if hint:
            raise InvalidFhir(hint, e.where)
    rt = str(doc.get("resourceType"))
    try:
        model = get_fhir_model_class(rt)
    except (KeyError, ValueError):
        raise InvalidFhir(f"unknown FHIR resource type {rt[:40]!r}") from None
    try:
        model.model_validate(dict(doc))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(tuple(first.get("loc", ())), entries)
        msg = str(first.get("msg", "invalid"))[:120]
        raise InvalidFhir(f"not valid FHIR R4 ({msg})", where) from None
    except (ValueError, TypeError) as exc:  # fhir.resources' own checks
        raise InvalidFhir(f"not valid FHIR R4 ({type(exc).__name__})") from None


def _check_references(entries: list[Entry]) -> None:
    """Every ``urn:uuid:``/``urn:oid:`` reference must name an entry of the bundle."""
    urls = {e.full_url for e in entries if e.full_url}

    def walk(value: Any, entry: Entry, path: str) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref.startswith(("urn:uuid:", "urn:oid:")) \
                    and ref not in urls:
                raise InvalidFhir("reference to a resource that is not in the bundle",
                                  f"{entry.where} {path or 'reference'}")
            for k, v in value.items():
                walk(v, entry, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for v in value:
                walk(v, entry, path)

    for e in entries:
        walk(e.resource, e, "")


def read(data: bytes, *, limit: int = MAX_BYTES) -> Document:
    """Decode, validate and check one FHIR R4 file (JSON or gzip JSON)."""
    if len(data) > limit:
        raise InvalidFhir(f"larger than {limit // (1024 * 1024)} MiB")
    if data[:2] == _GZIP:
        data = _decompress(data, limit)
    doc = _json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise InvalidFhir("not FHIR (no resourceType)")
    meta = doc.get("meta")
    version = doc.get("fhirVersion") or (meta.get("fhirVersion") if isinstance(meta, dict)
                                         else None)
    if isinstance(version, str) and not version.startswith("4."):
        raise InvalidFhir(f"FHIR version {version[:12]}; Carnet imports FHIR R4")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    if isinstance(profiles, list) and any(isinstance(p, str) and ("/STU3/" in p or "/DSTU2/" in p)
                                          for p in profiles):
        raise InvalidFhir("profiled for an older FHIR version; Carnet imports FHIR R4")
    entries: list[Entry] = []
    if doc["resourceType"] == "Bundle":
        raw = doc.get("entry", [])
        if not isinstance(raw, list):
            raise InvalidFhir("not valid FHIR R4 (entry is not a list)", "Bundle")
        for n, e in enumerate(raw, start=1):
            res = e.get("resource") if isinstance(e, dict) else None
            if not isinstance(res, dict):
                raise InvalidFhir("an entry without a resource", f"entry {n}")
            entries.append(Entry(n, res, str(e.get("fullUrl", ""))))
        kind = str(doc.get("type", ""))
    else:
        entries.append(Entry(1, doc, ""))
        kind = "resource"
    _validate(doc, entries)
    _check_references(entries)
    return Document(kind=kind, entries=tuple(entries), timestamp=str(doc.get("timestamp", "")))

"""FHIR R4 resources -> Carnet items (section, type, title, date, body).

Every item's body keeps every coding of the resource's main concept (RxNorm, SNOMED CT,
LOINC, CVX, ATC...) under ``codes``, a short summary, and the original resource as JSON text
under ``fhir.json`` (as text: a resource may nest deeper than an item body may), with
``fhir.identity``, the per-resource identity that makes a second import add nothing.

| FHIR | section | type |
| --- | --- | --- |
| AllergyIntolerance | allergies | allergy / intolerance |
| MedicationRequest/Statement, active | current_treatments | prescription / medication |
| the same once ended | care_history | note (``kind: past_medication``) |
| Condition | medical_history | condition |
| Immunization | vaccinations | vaccination |
| Observation with a blood-group LOINC code | blood_group | blood_group |
| Observation, DiagnosticReport | exam_results | lab_result / observation / exam_result / imaging |
| Encounter, Procedure | care_history | encounter / procedure |
| Patient.contact, RelatedPerson | emergency_contacts | contact |
| DocumentReference, Binary | care_history | document (with its attachment) |

Context resources (Patient, Practitioner, Organization, Medication, Composition, ...) are
read, not stored as items; every other type is counted in ``skipped``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from clinical.errors import InvalidFhir
from clinical.fhir.reader import Document, Entry

__all__ = [
    "BLOOD_GROUP_LOINC",
    "CONTEXT_TYPES",
    "Attachment",
    "MappedDocument",
    "MappedItem",
    "identity",
    "map_document",
    "section_of",
]

BLOOD_GROUP_LOINC: Final = frozenset({"882-1", "883-9", "10331-7", "34474-7", "34475-4"})
CONTEXT_TYPES: Final = frozenset({
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Medication", "Location",
    "Composition", "List", "Parameters", "Provenance", "Device", "Bundle",
})
ACTIVE_MEDICATION: Final = frozenset({"active", "on-hold", "draft", "intended"})
ATTACHMENT_TYPES: Final = frozenset({"application/pdf", "image/png", "image/jpeg",
                                     "image/webp", "text/plain"})
_TITLE_MAX: Final = 200
_INLINE_MAX: Final = 160 * 1024  # attachment bytes kept in the body when no vault type fits


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class MappedItem:
    section: str
    item_type: str
    title: str
    date: str
    body: dict[str, Any]
    identity: str
    attachment: Attachment | None = None
    where: str = ""


@dataclass(frozen=True, slots=True)
class MappedDocument:
    """The items of a document, and what was not turned into items."""

    items: tuple[MappedItem, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    context: Mapping[str, int] = field(default_factory=dict)
    patients: tuple[Mapping[str, Any], ...] = ()


def identity(resource: Mapping[str, Any], full_url: str = "", suffix: str = "") -> str:
    """A stable identity for a resource: its first identifier (system|value), else its id,
    else its full URL, else its content."""
    rt = str(resource.get("resourceType", ""))
    key = ""
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") and ident.get("value"):
            key = f"{ident['system']}|{ident['value']}"
            break
    if not key:
        key = str(resource.get("id") or full_url or "")
    if not key:
        key = json.dumps(resource, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{rt}\0{key}\0{suffix}".encode()).hexdigest()
    return f"fhir:{digest[:32]}"


def _codings(concept: Any) -> list[dict[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [{"system": str(c.get("system", "")), "code": str(c.get("code", "")),
             "display": str(c.get("display", ""))}
            for c in concept.get("coding") or [] if isinstance(c, dict) and c.get("code")]


def _label(concept: Any, fallback: str) -> str:
    if isinstance(concept, dict):
        if concept.get("text"):
            return str(concept["text"])
        for c in concept.get("coding") or []:
            if isinstance(c, dict) and (c.get("display") or c.get("code")):
                return str(c.get("display") or c.get("code"))
    return fallback


def _date(*values: Any, fallback: str) -> str:
    for v in values:
        if isinstance(v, dict):
            v = v.get("start")
        if isinstance(v, str) and len(v) >= 4 and v[:4].isdigit():
            day = (v[:10] + "-01-01"[len(v[:10]) - 4:]) if len(v) < 10 else v[:10]
            try:
                if dt.date.fromisoformat(day).year >= 1900:
                    return day
            except ValueError:
                continue
    return fallback


def section_of(resource: Mapping[str, Any]) -> tuple[str, str] | None:
    """(section, item type) for a resource stored as one item; None for the others."""
    rt = resource.get("resourceType")
    status = str(resource.get("status", ""))
    if rt == "AllergyIntolerance":
        return "allergies", "intolerance" if resource.get("type") == "intolerance" else "allergy"
    if rt in ("MedicationRequest", "MedicationStatement"):
        if status in ACTIVE_MEDICATION:
            return ("current_treatments",
                    "prescription" if rt == "MedicationRequest" else "medication")
        return "care_history", "note"
    if rt == "Condition":
        return "medical_history", "condition"
    if rt == "Immunization":
        return "vaccinations", "vaccination"
    if rt == "Observation":
        if any(c["code"] in BLOOD_GROUP_LOINC for c in _codings(resource.get("code"))
               if "loinc" in c["system"]):
            return "blood_group", "blood_group"
        cats = {c["code"] for cat in resource.get("category") or [] for c in _codings(cat)}
        return "exam_results", "lab_result" if "laboratory" in cats else "observation"
    if rt == "DiagnosticReport":
        cats = {c["code"] for cat in resource.get("category") or [] for c in _codings(cat)}
        imaging = bool(cats & {"RAD", "imaging", "18748-4"})
        return "exam_results", "imaging" if imaging else "exam_result"
    if rt == "Encounter":
        return "care_history", "encounter"
    if rt == "Procedure":
        return "care_history", "procedure"
    if rt == "RelatedPerson":
        return "emergency_contacts", "contact"
    if rt in ("DocumentReference", "Binary"):
        return "care_history", "document"
    return None


class _Resolver:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.by_url = {e.full_url: e.resource for e in entries if e.full_url}
        for e in entries:
            if e.resource.get("id"):
                self.by_url.setdefault(f"{e.type}/{e.resource['id']}", e.resource)

    def get(self, ref: Any) -> Mapping[str, Any] | None:
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return self.by_url.get(ref["reference"])
        return None


def _decode(data: Any, where: str) -> bytes:
    try:
        return base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidFhir("attachment data is not base64", where) from None


def _attachment(att: Mapping[str, Any], name: str, where: str
                ) -> tuple[Attachment | None, dict[str, Any]]:
    """(vault attachment, summary for the body); the data leaves the stored JSON when it
    becomes the item's attachment."""
    media = str(att.get("contentType", "")).split(";")[0].strip().lower()
    summary: dict[str, Any] = {"content_type": media, "url": str(att.get("url", "")),
                               "title": str(att.get("title", ""))}
    if "data" not in att:
        return None, summary
    data = _decode(att["data"], where)
    if media in ATTACHMENT_TYPES:
        ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg",
               "image/webp": "webp", "text/plain": "txt"}[media]
        return Attachment(f"{name[:60] or 'document'}.{ext}", media, data), summary
    if len(data) > _INLINE_MAX:
        raise InvalidFhir(f"attachment of type {media or 'unknown'} too large to keep "
                          f"({len(data) // 1024} KiB)", where)
    summary["data_base64"] = str(att["data"])
    return None, summary


def _strip_data(resource: Mapping[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(resource))
    if copy.get("resourceType") == "Binary":
        copy.pop("data", None)
    for content in copy.get("content") or []:
        if isinstance(content, dict) and isinstance(content.get("attachment"), dict):
            content["attachment"].pop("data", None)
    return dict(copy)


def _one(e: Entry, resolve: _Resolver, fallback: str) -> MappedItem | None:
    r = e.resource
    placed = section_of(r)
    if placed is None:
        return None
    section, item_type = placed
    rt = e.type
    concept: Any = r.get("code")
    summary: dict[str, Any] = {"status": str(r.get("status", ""))}
    attachment: Attachment | None = None
    stored: Mapping[str, Any] = r
    extra: dict[str, Any] = {}
    if rt == "AllergyIntolerance":
        date = _date(r.get("onsetDateTime"), r.get("recordedDate"), fallback=fallback)
        summary.update(criticality=str(r.get("criticality", "")),
                       category=list(r.get("category") or []),
                       clinical_status=[c["code"] for c in _codings(r.get("clinicalStatus"))],
                       reactions=[_label(m, "") for rx in r.get("reaction") or []
                                  for m in rx.get("manifestation") or []])
    elif rt in ("MedicationRequest", "MedicationStatement"):
        concept = r.get("medicationCodeableConcept")
        med = resolve.get(r.get("medicationReference"))
        if med is not None:
            concept = med.get("code")
            extra["medication"] = json.dumps(med, ensure_ascii=False, separators=(",", ":"))
        date = _date(r.get("authoredOn"), r.get("effectiveDateTime"), r.get("effectivePeriod"),
                     r.get("dateAsserted"), fallback=fallback)
        summary.update(active=r.get("status") in ACTIVE_MEDICATION,
                       dosage=[str(d.get("text", "")) for d in r.get("dosageInstruction")
                               or r.get("dosage") or [] if isinstance(d, dict)])
        if section == "care_history":
            summary["kind"] = "past_medication"
    elif rt == "Condition":
        date = _date(r.get("onsetDateTime"), r.get("onsetPeriod"), r.get("recordedDate"),
                     fallback=fallback)
        summary.update(clinical_status=[c["code"] for c in _codings(r.get("clinicalStatus"))],
                       abated=_date(r.get("abatementDateTime"), fallback=""))
    elif rt == "Immunization":
        concept = r.get("vaccineCode")
        date = _date(r.get("occurrenceDateTime"), r.get("recorded"), fallback=fallback)
    elif rt in ("Observation", "DiagnosticReport"):
        date = _date(r.get("effectiveDateTime"), r.get("effectivePeriod"), r.get("issued"),
                     fallback=fallback)
        q = r.get("valueQuantity")
        if isinstance(q, dict):
            summary["value"] = f"{q.get('value', '')} {q.get('unit', '')}".strip()
        elif r.get("valueCodeableConcept"):
            summary["value"] = _label(r.get("valueCodeableConcept"), "")
        elif isinstance(r.get("valueString"), str):
            summary["value"] = r["valueString"][:500]
    elif rt in ("Encounter", "Procedure"):
        concept = (r.get("type") or [None])[0] if rt == "Encounter" else r.get("code")
        date = _date(r.get("period"), r.get("performedDateTime"), r.get("performedPeriod"),
                     fallback=fallback)
    elif rt == "RelatedPerson":
        concept = (r.get("relationship") or [None])[0]
        date = _date(r.get("period"), fallback=fallback)
        summary.update(name=_person_name(r.get("name")), telecom=_telecom(r.get("telecom")))
    else:  # DocumentReference, Binary
        concept = r.get("type")
        date = _date(r.get("date"), (r.get("context") or {}).get("period"), fallback=fallback)
        title_hint = str(r.get("description") or _label(concept, rt))
        if rt == "Binary":
            attachment, info = _attachment(r, title_hint, e.where)
            summary["attachments"] = [info]
        else:
            infos = []
            for content in r.get("content") or []:
                att, info = _attachment(content.get("attachment") or {}, title_hint, e.where)
                attachment = attachment or att
                infos.append(info)
            summary["attachments"] = infos
        stored = _strip_data(r)
    title = (r.get("description") if rt == "DocumentReference" and r.get("description")
             else _label(concept, rt))
    codes = _codings(concept)
    body = {"codes": codes, **summary, **extra,
            "fhir": {"identity": identity(r, e.full_url), "type": rt,
                     "id": str(r.get("id", "")),
                     "json": json.dumps(stored, ensure_ascii=False, separators=(",", ":"))}}
    return MappedItem(section, item_type, " ".join(str(title).split())[:_TITLE_MAX] or rt,
                      date, body, body["fhir"]["identity"], attachment, e.where)


def _person_name(names: Any) -> str:
    for n in names if isinstance(names, list) else [names]:
        if isinstance(n, dict):
            if n.get("text"):
                return str(n["text"])
            return " ".join([*map(str, n.get("given") or []), str(n.get("family", ""))]).strip()
    return ""


def _telecom(points: Any) -> list[str]:
    return [f"{p.get('system', '')}: {p.get('value', '')}" for p in points or []
            if isinstance(p, dict) and p.get("value")]


def _contacts(e: Entry, fallback: str) -> list[MappedItem]:
    found = []
    for n, c in enumerate(e.resource.get("contact") or [], start=1):
        if not isinstance(c, dict):
            continue
        rel = (c.get("relationship") or [None])[0]
        name = _person_name(c.get("name")) or _label(rel, "contact")
        ident = identity(e.resource, e.full_url, suffix=f"contact/{n}")
        body = {"codes": _codings(rel), "name": name, "telecom": _telecom(c.get("telecom")),
                "relationship": _label(rel, ""),
                "fhir": {"identity": ident, "type": "Patient.contact",
                         "id": str(e.resource.get("id", "")),
                         "json": json.dumps(c, ensure_ascii=False, separators=(",", ":"))}}
        found.append(MappedItem("emergency_contacts", "contact", name[:_TITLE_MAX] or "contact",
                                _date(c.get("period"), fallback=fallback), body, ident, None,
                                f"{e.where} contact {n}"))
    return found


def map_document(doc: Document, *, today: str) -> MappedDocument:
    """Every item the document yields, in document order; ``today`` (YYYY-MM-DD) dates an
    item whose resource carries no date."""
    resolve = _Resolver(doc.entries)
    fallback = _date(doc.timestamp, fallback=today)
    found: list[MappedItem] = []
    skipped: Counter[str] = Counter()
    context: Counter[str] = Counter()
    patients = []
    for e in doc.entries:
        if e.type == "Patient":
            patients.append(e.resource)
            found.extend(_contacts(e, fallback))
        item = _one(e, resolve, fallback)
        if item is not None:
            found.append(item)
        elif e.type in CONTEXT_TYPES:
            context[e.type] += 1
        else:
            skipped[e.type] += 1
    return MappedDocument(tuple(found), dict(skipped), dict(context), tuple(patients))

"""The dossier (or what a grant opens) as an HL7 IPS document bundle (P12).

Pure: the caller passes the decrypted items it may show (never a masked one: a reader never
has them), the sections it may show, the author, and the time. Each item becomes the
resource it was imported from (``body.fhir.json``) with its references rewritten to this
bundle (the patient) or reduced to a display (anything else), or else a minimal resource
built from its title, date and codes. Sections: allergies (48765-2), medications (10160-0),
problems (11450-4), immunizations (11369-6), results (30954-2), procedures (47519-4);
an empty one carries ``emptyReason`` (``withheld`` when the reader was not given it).
Not exported: encounters and other care-history notes, advance directives, personal notes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from clinical.errors import InvalidFhir

__all__ = ["SECTIONS", "Author", "ExportItem", "build", "check"]

LOINC: Final = "http://loinc.org"
EMPTY_REASON: Final = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
PS_ID_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.1"  # RPPS / idNat_PS
# (LOINC, title, Carnet section, FHIR types accepted from imported resources)
SECTIONS: Final = (
    ("48765-2", "Allergies and intolerances", "allergies", ("AllergyIntolerance",)),
    ("10160-0", "Medication summary", "current_treatments",
     ("MedicationStatement", "MedicationRequest")),
    ("11450-4", "Problem list", "medical_history", ("Condition",)),
    ("11369-6", "History of immunizations", "vaccinations", ("Immunization",)),
    ("30954-2", "Results", "exam_results", ("Observation", "DiagnosticReport")),
    ("47519-4", "History of procedures", "care_history", ("Procedure",)),
)
_PATIENT_KEYS: Final = frozenset({"subject", "patient"})


class ExportItem(Protocol):
    """What an item must offer (``vault.Item`` does)."""

    @property
    def item_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def date(self) -> str: ...

    @property
    def body(self) -> dict[str, Any]: ...

    @property
    def section(self) -> Any: ...

    @property
    def item_type(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Author:
    """The document's author: the patient, or a professional (idNat_PS, name)."""

    kind: str  # "patient" | "professional"
    ps_id: str = ""
    name: str = ""


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256("\0".join(parts).encode()).digest()[:16],
                         version=4))


def _codeable(item: ExportItem) -> dict[str, Any]:
    codes = [{k: c[k] for k in ("system", "code", "display") if c.get(k)}
             for c in item.body.get("codes") or [] if isinstance(c, dict) and c.get("code")]
    out: dict[str, Any] = {"text": item.title}
    if codes:
        out["coding"] = codes
    return out


def _rewrite(value: Any, patient_url: str, key: str = "") -> Any:
    """References to the patient point at this bundle's Patient; any other becomes a
    display only (its target is not exported)."""
    if isinstance(value, dict):
        if "reference" in value and isinstance(value["reference"], str):
            if key in _PATIENT_KEYS:
                return {"reference": patient_url}
            return {"display": str(value.get("display") or "not included in this summary")}
        return {k: _rewrite(v, patient_url, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, patient_url, key) for v in value]
    return value


def _from_original(item: ExportItem, types: Sequence[str], patient_url: str,
                   rid: str) -> dict[str, Any] | None:
    fhir = item.body.get("fhir")
    if not isinstance(fhir, dict) or fhir.get("type") not in types:
        return None
    try:
        res = json.loads(str(fhir.get("json", "")))
    except ValueError:
        return None
    if not isinstance(res, dict):
        return None
    if "medicationReference" in res and isinstance(item.body.get("medication"), str):
        med = json.loads(item.body["medication"])
        res.pop("medicationReference")
        res["medicationCodeableConcept"] = med.get("code") or {"text": item.title}
    res = _rewrite(res, patient_url)
    res.pop("meta", None)
    res.pop("text", None)
    res["id"] = rid
    return dict(res)


def _minimal(item: ExportItem, section: str, patient_url: str, rid: str) -> dict[str, Any]:
    subject = {"reference": patient_url}
    concept = _codeable(item)
    date = item.date
    if section == "allergies":
        return {"resourceType": "AllergyIntolerance", "id": rid, "patient": subject,
                "code": concept, "onsetDateTime": date}
    if section == "current_treatments":
        return {"resourceType": "MedicationStatement", "id": rid, "status": "active",
                "subject": subject, "medicationCodeableConcept": concept,
                "effectiveDateTime": date}
    if section == "medical_history":
        return {"resourceType": "Condition", "id": rid, "subject": subject, "code": concept,
                "onsetDateTime": date}
    if section == "vaccinations":
        return {"resourceType": "Immunization", "id": rid, "status": "completed",
                "patient": subject, "vaccineCode": concept, "occurrenceDateTime": date}
    if section == "exam_results":
        value = item.body.get("value")
        res = {"resourceType": "Observation", "id": rid, "status": "final", "code": concept,
               "subject": subject, "effectiveDateTime": date}
        if isinstance(value, str) and value:
            res["valueString"] = value
        return res
    return {"resourceType": "Procedure", "id": rid, "status": "completed", "subject": subject,
            "code": concept, "performedDateTime": date}


def _exported(item: ExportItem, section: str) -> bool:
    if section == "care_history":
        return item.item_type == "procedure"
    if section == "current_treatments":
        return item.body.get("active") is not False
    return True


def _narrative(n: int) -> dict[str, str]:
    return {"status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{n} entr'
                   f'{"y" if n == 1 else "ies"}</div>'}


def _patient(dossier_id: str, url_id: str, contacts: Iterable[ExportItem]) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Patient", "id": url_id,
                           "identifier": [{"system": "urn:carnet:dossier",
                                           "value": dossier_id}]}
    found = []
    for c in contacts:
        entry: dict[str, Any] = {"name": {"text": str(c.body.get("name") or c.title)}}
        telecom = []
        for t in c.body.get("telecom") or []:
            system, _, value = str(t).partition(": ")
            if value and system in ("phone", "email", "fax", "sms", "url", "pager", "other"):
                telecom.append({"system": system, "value": value})
        if telecom:
            entry["telecom"] = telecom
        found.append(entry)
    if found:
        res["contact"] = found
    return res


def build(items: Sequence[ExportItem], *, dossier_id: str, shown: Iterable[str],
          author: Author, now: str) -> dict[str, Any]:
    """The IPS document bundle (a dict). ``shown``: the Carnet sections the reader holds
    (the others are ``withheld``); ``now``: ISO 8601 instant with its offset."""
    shown = set(shown)
    pid = _uuid("patient", dossier_id)
    patient_url = f"urn:uuid:{pid}"
    aid = _uuid("author", dossier_id, author.kind, author.ps_id)
    if author.kind == "professional":
        author_res: dict[str, Any] = {
            "resourceType": "Practitioner", "id": aid,
            "identifier": [{"system": PS_ID_SYSTEM, "value": author.ps_id}],
            "name": [{"text": author.name or author.ps_id}]}
        author_url = f"urn:uuid:{aid}"
    else:
        author_res, author_url = {}, patient_url
    entries: list[dict[str, Any]] = []
    sections = []
    for code, title, section, types in SECTIONS:
        refs = []
        for item in items:
            if section not in shown or not _exported(item, section) \
                    or str(getattr(item.section, "value", item.section)) != section:
                continue
            rid = _uuid("item", dossier_id, item.item_id)
            res = _from_original(item, types, patient_url, rid) or _minimal(
                item, section, patient_url, rid)
            entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": res})
            refs.append({"reference": f"urn:uuid:{rid}"})
        sec: dict[str, Any] = {"title": title, "code": {"coding": [
            {"system": LOINC, "code": code}]}, "text": _narrative(len(refs))}
        if refs:
            sec["entry"] = refs
        else:  # IPS: an empty section says why (required ones and the others alike)
            reason = "withheld" if section not in shown else "unavailable"
            sec["emptyReason"] = {"coding": [{"system": EMPTY_REASON, "code": reason}]}
        sections.append(sec)
    contacts = [i for i in items if "emergency_contacts" in shown
                and str(getattr(i.section, "value", i.section)) == "emergency_contacts"]
    composition = {
        "resourceType": "Composition", "id": _uuid("composition", dossier_id, now),
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5",
                             "display": "Patient summary Document"}]},
        "subject": {"reference": patient_url}, "date": now,
        "author": [{"reference": author_url}], "title": "International Patient Summary",
        "section": sections}
    head = [{"fullUrl": f"urn:uuid:{composition['id']}", "resource": composition},
            {"fullUrl": patient_url, "resource": _patient(dossier_id, pid, contacts)}]
    if author_res:
        head.append({"fullUrl": author_url, "resource": author_res})
    return {"resourceType": "Bundle", "id": _uuid("bundle", dossier_id, now),
            "identifier": {"system": "urn:ietf:rfc:3986",
                           "value": f"urn:uuid:{_uuid('bundle-id', dossier_id, now)}"},
            "type": "document", "timestamp": now, "entry": head + entries}


def check(bundle: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidFhir` unless ``fhir.resources`` accepts the bundle."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError
    try:
        Bundle.model_validate(dict(bundle))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidFhir(f"the IPS export is not valid FHIR ({first.get('msg')})",
                          ".".join(str(p) for p in first.get("loc", ()))) from None

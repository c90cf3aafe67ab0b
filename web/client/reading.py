"""What someone other than the patient is shown of a dossier: a pure function from decrypted
items and the grant's or card's metadata to a structured view with its notices, used by the
CLI and (later) the browser, so both tell the same truth.

The rules (``docs/consent.md``, "What a reader is told"):

- every view says that the patient can mask items and that it may be incomplete, the same
  words whether anything is masked or not (the client cannot know, and "an allergy is
  masked" would itself disclose something);
- it names the sections the grant or card does not carry;
- a carried section with nothing readable reads "nothing recorded here, or masked by the
  patient", never as "no known allergy";
- it says whose dossier it is (``web.client.identity``), or that the patient did not say;
- authors in human terms: "you" only for the patient, "the patient" for anyone else, a
  professional by name and profession from the countersigned directory.

Pure: no clock, no I/O; the caller resolves the directory (``web.client.views``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from vault import EMERGENCY_SUMMARY, Item, Section
from web.client.identity import Identity, identity_of, is_identity

__all__ = [
    "EMPTY_SECTION", "MAY_BE_INCOMPLETE", "SECTION_LABELS", "Detail", "ItemView", "Kind",
    "Notice", "Professional", "ReadingView", "SectionView", "author_label", "build_view",
    "details_of", "mask_warning", "view_json",
]

Kind = Literal["professional", "contact", "card", "break_glass"]
Reader = Literal["patient", "other"]

SECTION_LABELS: Final[dict[Section, str]] = {
    Section.CARE_HISTORY: "Care history",
    Section.MEDICAL_HISTORY: "Medical history",
    Section.EXAM_RESULTS: "Exam results",
    Section.CURRENT_TREATMENTS: "Current treatments",
    Section.ALLERGIES: "Allergies",
    Section.BLOOD_GROUP: "Blood group",
    Section.VACCINATIONS: "Vaccinations",
    Section.ADVANCE_DIRECTIVES: "Advance directives",
    Section.EMERGENCY_CONTACTS: "Emergency contacts",
    Section.PERSONAL_NOTES: "Personal notes",
}
# Reading order: what matters in an emergency first.
_ORDER: Final = (Section.ALLERGIES, Section.CURRENT_TREATMENTS, Section.BLOOD_GROUP,
                 Section.ADVANCE_DIRECTIVES, Section.EMERGENCY_CONTACTS,
                 Section.MEDICAL_HISTORY, Section.CARE_HISTORY, Section.EXAM_RESULTS,
                 Section.VACCINATIONS, Section.PERSONAL_NOTES)

FIELD_LABELS: Final[dict[str, str]] = {
    "substance": "Substance", "reaction": "Reaction", "severity": "Severity",
    "criticality": "Criticality", "medication": "Medication", "dosage": "Dosage",
    "dose": "Dose", "frequency": "Frequency", "route": "Route", "duration": "Duration",
    "indication": "Indication", "prescriber": "Prescriber", "since": "Since",
    "start": "Start", "end": "End", "until": "Until", "status": "Status", "name": "Name",
    "relationship": "Relationship", "relation": "Relationship", "phone": "Phone",
    "email": "E-mail", "address": "Address", "group": "Blood group", "abo": "ABO group",
    "rhesus": "Rhesus", "value": "Value", "unit": "Unit", "reference_range": "Reference range",
    "interpretation": "Interpretation", "result": "Result", "vaccine": "Vaccine", "lot": "Batch",
    "code": "Code", "text": "Text", "notes": "Notes", "note": "Note", "summary": "Summary",
    "conclusion": "Conclusion", "wishes": "Wishes", "location": "Where kept",
}
# The fields a professional looks for first, per item type; any other field follows.
_FIRST: Final[dict[str, tuple[str, ...]]] = {
    "allergy": ("substance", "reaction", "severity", "criticality"),
    "intolerance": ("substance", "reaction", "severity"),
    "medication": ("medication", "substance", "dosage", "dose", "frequency", "route", "since"),
    "prescription": ("medication", "dosage", "dose", "frequency", "duration", "prescriber"),
    "blood_group": ("group", "abo", "rhesus"),
    "contact": ("name", "relationship", "relation", "phone", "email", "address"),
    "trusted_person": ("name", "relationship", "phone", "email"),
    "advance_directive": ("wishes", "text", "location"),
    "lab_result": ("value", "unit", "reference_range", "interpretation"),
    "vaccination": ("vaccine", "dose", "lot"),
}

MAY_BE_INCOMPLETE: Final = ("The patient can mask any item or section: this view may be "
                            "incomplete. It never says whether something is masked, and an "
                            "empty section does not mean there is nothing to know.")
EMPTY_SECTION: Final = "nothing recorded here, or masked by the patient"
EMPTY_ALLERGIES: Final = (EMPTY_SECTION + " (this is not \"no known allergy\": ask the "
                          "patient)")
NO_IDENTITY: Final = ("The patient has not entered their name and birth date in the dossier "
                      "(or masked them): check who the patient is another way.")


@dataclass(frozen=True, slots=True)
class Professional:
    """A directory entry the reader's client checked against the authority's countersignature."""

    name: str
    profession: str


@dataclass(frozen=True, slots=True)
class Notice:
    code: str  # may_be_incomplete, not_carried, no_identity, unreadable
    text: str


@dataclass(frozen=True, slots=True)
class Detail:
    field: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class ItemView:
    item: Item
    author: str  # in human terms, for this reader
    details: tuple[Detail, ...]


@dataclass(frozen=True, slots=True)
class SectionView:
    section: Section
    label: str
    items: tuple[ItemView, ...]
    empty: str | None  # the notice shown instead of items, when there are none


@dataclass(frozen=True, slots=True)
class ReadingView:
    kind: Kind
    dossier_id: str | None
    patient: Identity | None
    opened: tuple[Section, ...]
    not_carried: tuple[Section, ...]
    write: bool
    expires_at: int | None
    notices: tuple[Notice, ...]
    sections: tuple[SectionView, ...]
    unreadable: tuple[str, ...]

    def items(self) -> list[ItemView]:
        return [i for s in self.sections for i in s.items]

    def find(self, item_id: str) -> ItemView | None:
        return next((i for i in self.items() if i.item.item_id == item_id), None)


def _labels(sections: Iterable[Section]) -> str:
    return ", ".join(SECTION_LABELS[s] for s in sections)


def _ordered(sections: Iterable[Section]) -> tuple[Section, ...]:
    chosen = set(sections)
    return tuple(s for s in _ORDER if s in chosen)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def details_of(item: Item) -> tuple[Detail, ...]:
    """The body's fields with human labels, the ones that matter for the type first; empty
    values are left out."""
    first = _FIRST.get(item.item_type, ())
    keys = [k for k in first if k in item.body] + sorted(k for k in item.body if k not in first)
    return tuple(Detail(field=k, label=FIELD_LABELS.get(k, k.replace("_", " ").capitalize()),
                        value=_text(item.body[k]))
                 for k in keys if item.body[k] not in (None, "", [], {}))


def author_label(item: Item, *, reader: Reader, patient: Identity | None,
                 directory: Mapping[str, Professional]) -> str:
    """Who wrote it, for this reader: "you" only when the reader is the patient."""
    if item.author.kind == "patient":
        if reader == "patient":
            return "you"
        return f"the patient ({patient.name})" if patient else "the patient"
    ps_id = item.author.id or "?"
    entry = directory.get(ps_id)
    if entry is None:
        return f"professional {ps_id} (not in the countersigned directory)"
    return f"{entry.name}, {entry.profession}" if entry.profession else entry.name


def _not_carried(kind: Kind, missing: tuple[Section, ...]) -> Notice:
    if kind in ("card", "break_glass"):
        text = (f"An emergency access opens only the emergency summary; not shown: "
                f"{_labels(missing)}.")
    elif kind == "contact":
        text = (f"An emergency contact sees only the emergency summary; not shown: "
                f"{_labels(missing)}.")
    else:
        text = f"Not opened by this consent (ask the patient): {_labels(missing)}."
    return Notice("not_carried", text)


def build_view(items: Iterable[Item], *, kind: Kind, carried: Iterable[Section],
               dossier_id: str | None = None, write: bool = False,
               expires_at: int | None = None, unreadable: Iterable[str] = (),
               directory: Mapping[str, Professional] | None = None,
               reader: Reader = "other") -> ReadingView:
    """The view of ``items`` (what the grant or card opened) for a reader of ``kind``.
    ``carried``: the sections the grant or card carries keys for. Identity items are not
    listed: they say whose dossier it is (``patient``)."""
    found = list(items)
    patient = identity_of(found)
    opened = _ordered(carried)
    missing = tuple(s for s in _ORDER if s not in opened)
    names = directory or {}
    notices = [Notice("may_be_incomplete", MAY_BE_INCOMPLETE)]
    if missing:
        notices.append(_not_carried(kind, missing))
    if patient is None:
        notices.append(Notice("no_identity", NO_IDENTITY))
    bad = tuple(unreadable)
    if bad:
        notices.append(Notice("unreadable", f"{len(bad)} item(s) could not be opened and "
                                            "are not shown."))
    shown = sorted((i for i in found if not is_identity(i)),
                   key=lambda i: (i.date, i.created_at), reverse=True)
    sections = []
    for section in opened:
        views = tuple(ItemView(item=i, author=author_label(i, reader=reader, patient=patient,
                                                           directory=names),
                               details=details_of(i))
                      for i in shown if i.section == section)
        empty = None if views else (EMPTY_ALLERGIES if section == Section.ALLERGIES
                                    else EMPTY_SECTION)
        sections.append(SectionView(section=section, label=SECTION_LABELS[section],
                                    items=views, empty=empty))
    return ReadingView(kind=kind, dossier_id=dossier_id, patient=patient, opened=opened,
                       not_carried=missing, write=write, expires_at=expires_at,
                       notices=tuple(notices), sections=tuple(sections), unreadable=bad)


def mask_warning(section: Section, *, whole_section: bool = False,
                 item_type: str = "") -> str | None:
    """What the patient is told before masking something of the emergency summary (None for
    anything else): emergency staff and contacts will not see it, and are not told."""
    if section not in EMERGENCY_SUMMARY or item_type == "identity":
        return None
    what = f"the whole section {SECTION_LABELS[section]}" if whole_section else "this item"
    return (f"Warning: {what} is part of your emergency summary ({SECTION_LABELS[section]}). "
            "Once masked, emergency staff (emergency card, break-glass) and your emergency "
            "contacts will not see it, and are told only that items may be masked, never "
            "which. An allergy or a treatment they cannot see may put you at risk.")


def _item_json(v: ItemView) -> dict[str, Any]:
    i, att = v.item, v.item.attachment
    return {"item_id": i.item_id, "revision": i.revision, "section": i.section.value,
            "type": i.item_type, "title": i.title, "date": i.date, "body": i.body,
            "author": {"kind": i.author.kind, "id": i.author.id, "name": i.author.name},
            "author_label": v.author, "created_at": i.created_at, "own": i.own,
            "details": [{"field": d.field, "label": d.label, "value": d.value}
                        for d in v.details],
            "attachment": None if att is None else {"name": att.name,
                                                    "media_type": att.media_type,
                                                    "size": att.size}}


def view_json(view: ReadingView) -> dict[str, Any]:
    """The view as JSON: English identifiers, the notices, the patient's name; never an
    attachment's key."""
    return {
        "kind": view.kind, "dossier_id": view.dossier_id,
        "patient": None if view.patient is None else {"name": view.patient.name,
                                                      "birth_date": view.patient.birth_date},
        "sections": sorted(s.value for s in view.opened),  # by_section: in reading order
        "sections_not_carried": sorted(s.value for s in view.not_carried),
        "write": view.write, "expires_at": view.expires_at,
        "notices": [{"code": n.code, "text": n.text} for n in view.notices],
        "by_section": [{"section": s.section.value, "label": s.label, "empty": s.empty,
                        "items": [v.item.item_id for v in s.items]} for s in view.sections],
        "items": [_item_json(v) for v in view.items()],
        "unreadable": list(view.unreadable),
    }

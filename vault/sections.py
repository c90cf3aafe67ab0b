"""The dossier's sections and the item types each accepts."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from vault.errors import InvalidInput


class Section(StrEnum):
    CARE_HISTORY = "care_history"
    MEDICAL_HISTORY = "medical_history"
    EXAM_RESULTS = "exam_results"
    CURRENT_TREATMENTS = "current_treatments"
    ALLERGIES = "allergies"
    BLOOD_GROUP = "blood_group"
    VACCINATIONS = "vaccinations"
    ADVANCE_DIRECTIVES = "advance_directives"
    EMERGENCY_CONTACTS = "emergency_contacts"
    PERSONAL_NOTES = "personal_notes"

    @classmethod
    def parse(cls, value: object) -> Section:
        if isinstance(value, Section):
            return value
        if isinstance(value, str):
            exact = _BY_VALUE.get(value)  # the stored spelling: no normalising to do
            if exact is not None:
                return exact
            try:
                return cls(value.strip().lower().replace("-", "_"))
            except ValueError:
                pass
        allowed = ", ".join(s.value for s in cls)
        raise InvalidInput(f"unknown section {str(value)[:40]!r}; expected one of: {allowed}")


_BY_VALUE: Final[dict[str, Section]] = {s.value: s for s in Section}

# Types valid everywhere: a scanned document, a free note and the patient's identity (name and
# birth date, one copy per section so that every grant and card says whose dossier it is:
# web.client.identity).
_GENERIC: Final = frozenset({"document", "note", "identity"})

ITEM_TYPES: Final[dict[Section, frozenset[str]]] = {
    Section.CARE_HISTORY: frozenset({"consultation_report", "hospital_stay", "procedure",
                                     "discharge_summary", "encounter",
                                     "appointment"}) | _GENERIC,
    Section.MEDICAL_HISTORY: frozenset({"condition", "surgery", "family_history"}) | _GENERIC,
    Section.EXAM_RESULTS: frozenset({"lab_result", "imaging", "exam_result",
                                     "observation"}) | _GENERIC,
    Section.CURRENT_TREATMENTS: frozenset({"medication", "prescription"}) | _GENERIC,
    Section.ALLERGIES: frozenset({"allergy", "intolerance"}) | _GENERIC,
    Section.BLOOD_GROUP: frozenset({"blood_group"}) | _GENERIC,
    Section.VACCINATIONS: frozenset({"vaccination"}) | _GENERIC,
    Section.ADVANCE_DIRECTIVES: frozenset({"advance_directive",
                                           "trusted_person"}) | _GENERIC,
    Section.EMERGENCY_CONTACTS: frozenset({"contact"}) | _GENERIC,
    Section.PERSONAL_NOTES: frozenset({"note", "document", "measurement", "identity"}),
}

EMERGENCY_SUMMARY: Final = frozenset({
    Section.BLOOD_GROUP, Section.ALLERGIES, Section.CURRENT_TREATMENTS,
    Section.ADVANCE_DIRECTIVES, Section.EMERGENCY_CONTACTS,
})


def check_type(section: Section, item_type: object) -> str:
    """Return the item type if ``section`` accepts it, else raise InvalidInput."""
    if not isinstance(item_type, str) or item_type not in ITEM_TYPES[section]:
        allowed = ", ".join(sorted(ITEM_TYPES[section]))
        raise InvalidInput(f"item type {str(item_type)[:40]!r} is not accepted in section "
                           f"{section.value}; expected one of: {allowed}")
    return item_type

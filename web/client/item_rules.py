"""What an item's fields must be when a person writes one (the patient or a professional),
beyond what the vault checks: which types each section takes, which dates make sense, and
the ``name=value`` form of an item's details.

Pure: today's date is passed in. Shared by every client (the CLI, the browser later), so that
a date in the future is refused for a past event in the library, not only in one front end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from vault import Section
from vault.errors import InvalidInput
from vault.sections import ITEM_TYPES
from web.i18n import tr

__all__ = ["DATELESS", "EXAMPLES", "FUTURE_ALLOWED", "ITEM_TYPES", "check_item_date",
           "dated", "parse_fields"]

# Types that announce something to come: their date may be after today.
FUTURE_ALLOWED: Final = frozenset({"appointment"})
# Types for which a date says nothing (a blood group, a contact, who the patient is): when
# none is given, the day it is written.
DATELESS: Final = frozenset({"blood_group", "contact", "identity", "trusted_person"})
FIELD_MAX: Final = 64
# One example per section, as typed (titles and details are the patient's words).
EXAMPLES: Final[Mapping[Section, str]] = {
    Section.CARE_HISTORY: 'care_history consultation_report "Consultation cardiologie" '
                          "--date 2025-02-11 --field conclusion=normal",
    Section.MEDICAL_HISTORY: 'medical_history condition "Asthme" --date 2010-06-01',
    Section.EXAM_RESULTS: 'exam_results lab_result "Glycémie à jeun" --date 2025-01-20 '
                          "--field value=0.95 --field unit=g/L",
    Section.CURRENT_TREATMENTS: 'current_treatments medication "Lévothyrox 75 µg" '
                                '--date 2025-01-10 --field dosage="1 comprimé le matin"',
    Section.ALLERGIES: 'allergies allergy "Pénicilline" --date 2024-03-01 '
                       "--field reaction=urticaire",
    Section.BLOOD_GROUP: 'blood_group blood_group "A+"',
    Section.VACCINATIONS: 'vaccinations vaccination "DTP" --date 2023-05-02 --field lot=AB123',
    Section.ADVANCE_DIRECTIVES: 'advance_directives advance_directive "Pas d\'acharnement" '
                                "--date 2024-09-01",
    Section.EMERGENCY_CONTACTS: 'emergency_contacts contact "Marie Dupont" '
                                '--field phone="06 12 34 56 78" --field relation=soeur',
    Section.PERSONAL_NOTES: 'personal_notes measurement "Tension" --date 2025-03-01 '
                            "--field value=12/8",
}


def dated(item_type: str, date: str | None, *, today: dt.date) -> str:
    """The item's date: ``date`` as given, else today for a type without a meaningful date;
    InvalidInput when an event lacks one."""
    if date is not None:
        return date
    if item_type in DATELESS:
        return today.isoformat()
    raise InvalidInput(tr("--date YYYY-MM-DD is needed for a {type} (when was it?)",
                          type=item_type))


def check_item_date(section: Section | str, item_type: str, date: str, *,
                    today: dt.date) -> None:
    """Refuse a date after ``today`` for a past event (allowed for :data:`FUTURE_ALLOWED`).
    The format itself is the vault's to check."""
    try:
        when = dt.date.fromisoformat(date)
    except ValueError:
        return
    if when > today and item_type not in FUTURE_ALLOWED:
        raise InvalidInput(tr("the date {date} is in the future: a {type} has already "
                              "happened (only an appointment may be dated later)", date=date,
                              type=item_type))


def parse_fields(pairs: Iterable[str]) -> dict[str, Any]:
    """``name=value`` pairs (``--field``) as an item's details; values stay text."""
    body: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidInput(tr("--field takes name=value (e.g. --field "
                                  "reaction=urticaire), not {pair}", pair=pair[:40]))
        if len(name) > FIELD_MAX:
            raise InvalidInput(tr("a field name has at most {count} characters",
                                  count=FIELD_MAX))
        if name in body:
            raise InvalidInput(tr("--field {name} is given twice", name=name))
        body[name] = value
    return body

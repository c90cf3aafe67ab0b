"""Default sections per profession and duration presets for a grant (the patient can always
choose otherwise). The matrix is documented in docs/consent.md."""

from __future__ import annotations

import unicodedata
from typing import Final

from vault.sections import Section

S = Section
ALL_BUT_NOTES: Final = frozenset(Section) - {S.PERSONAL_NOTES}

DEFAULT_SECTIONS: Final[dict[str, frozenset[Section]]] = {
    "medecin": ALL_BUT_NOTES,
    "pharmacien": frozenset({S.CURRENT_TREATMENTS, S.ALLERGIES}),
    "infirmier": frozenset({S.CURRENT_TREATMENTS, S.ALLERGIES, S.CARE_HISTORY,
                            S.EXAM_RESULTS}),
    "masseur-kinesitherapeute": frozenset({S.MEDICAL_HISTORY, S.CARE_HISTORY, S.ALLERGIES}),
    "sage-femme": frozenset({S.MEDICAL_HISTORY, S.EXAM_RESULTS, S.CURRENT_TREATMENTS,
                             S.ALLERGIES, S.BLOOD_GROUP, S.VACCINATIONS}),
    "chirurgien-dentiste": frozenset({S.CURRENT_TREATMENTS, S.ALLERGIES, S.MEDICAL_HISTORY}),
    "biologiste": frozenset({S.EXAM_RESULTS, S.CURRENT_TREATMENTS}),
}

DURATIONS: Final[dict[str, int]] = {"consultation": 4 * 3600, "30d": 30 * 86400,
                                    "90d": 90 * 86400, "1y": 365 * 86400}


def _key(profession: str) -> str:
    text = unicodedata.normalize("NFKD", profession).encode("ascii", "ignore").decode()
    return "-".join(text.lower().replace("é", "e").split())


PROFESSIONS: Final = tuple(sorted(DEFAULT_SECTIONS))


def profession_key(profession: str) -> str | None:
    """The name in :data:`PROFESSIONS` of a profession as people write it ("Médecin" ->
    "medecin"), or None for a profession this matrix does not know."""
    key = _key(profession)
    return key if key in DEFAULT_SECTIONS else None


def default_sections(profession: str) -> frozenset[Section]:
    """The sections a grant to this profession opens unless the patient says otherwise; for an
    unknown profession, only allergies and current treatments (the safety minimum)."""
    return DEFAULT_SECTIONS.get(_key(profession),
                                frozenset({S.ALLERGIES, S.CURRENT_TREATMENTS}))

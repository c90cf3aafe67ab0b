"""API body of an event the patient's client declares in the history (issue 10, item 7):
what the server cannot see (an export, an import, masking, unmasking, using the recovery
code), from a closed list, with at most a count and a note sealed to the patient."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from web.schemas._types import Base
from web.schemas.emergency import SealedNote

DeclaredKind = Literal["export", "import", "item_masked", "item_unmasked", "section_masked",
                       "section_unmasked", "recovery_used"]


class DeclaredEvent(Base):
    """``what_sealed``: which section or item, sealed to the patient (``consent.note``,
    purpose ``patient-action``); the server keeps it as it is and cannot open it."""

    kind: DeclaredKind
    count: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    what_sealed: SealedNote = b""

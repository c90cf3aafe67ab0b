"""API bodies of emergency access (cards, break-glass)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base, Blob, Bytes, Id, Key32, base64_doc
from web.schemas.dossiers import DossierBody, ItemBody

# Free text sealed to the patient's X25519 key (``consent.note.seal_note``): the server
# stores it in the history and cannot read it. 48 bytes of sealed box, 2 + up to 32 of
# purpose, up to 1024 of text.
_NOTE_MAX = 48 + 2 + 32 + 1024
SealedNote = Annotated[bytes, msgspec.Meta(max_length=_NOTE_MAX), base64_doc(0, _NOTE_MAX)]


class CardUpload(Base):
    card_id: Id
    server_share: Key32
    passcode: Annotated[str, msgspec.Meta(min_length=6, max_length=32, pattern=r"^\d+$")]
    package: Blob
    key_refs: Annotated[list[Id], msgspec.Meta(max_length=4096)]
    days: Annotated[int, msgspec.Meta(ge=1, le=3 * 365)] = 365


class CardInfo(Base):
    """A card as its patient sees it; ``package`` and ``key_refs`` let the patient's client
    re-seal it after a key rotation (``PUT .../cards/{card_id}/package``)."""

    card_id: str
    created_at: int
    expires_at: int
    revoked: bool
    attempts: int
    key_refs: list[str] = msgspec.field(default_factory=list)
    package: Bytes = b""


class CardPackageUpload(Base):
    """A card's package sealed again (same card key) with the summary's keys now."""

    package: Blob
    key_refs: Annotated[list[Id], msgspec.Meta(max_length=4096)]


class CardList(Base):
    cards: list[CardInfo]


class CardOpenRequest(Base):
    """``who_sealed``: who opens the card, sealed to the patient (``GET
    /emergency/cards/{card_id}/recipient`` gives the key). ``who`` in plaintext is for older
    clients only: the server seals it at once and never stores it."""

    passcode: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    who: Annotated[str, msgspec.Meta(max_length=100)] = ""
    who_sealed: SealedNote = b""


class CardRecipientBody(Base):
    """The X25519 public key of the patient whose card this is (to seal ``who`` to)."""

    box_public: Key32


class EmergencyBody(Base):
    dossier: DossierBody
    package: Blob
    items: list[ItemBody]
    server_share: Blob = b""


class BreakGlassUpload(Base):
    """``reseal``: the same package sealed again after a key rotation, refused (409
    ``break_glass_turned_off``) unless break-glass is on now: a re-seal never turns it on."""

    package: Blob
    key_refs: Annotated[list[Id], msgspec.Meta(max_length=4096)]
    reseal: bool = False


class BreakGlassState(Base):
    """Whether the patient allows break-glass now (the server holds a sealed package)."""

    allowed: bool
    key_refs: list[str] = msgspec.field(default_factory=list)  # what the package opens


class BreakGlassRequest(Base):
    """``reason_sealed``: the stated reason sealed to the patient (``POST
    /deposits/recipient`` gives the key). ``reason`` in plaintext is for older clients only:
    the server seals it at once and never stores it. One of them is required."""

    nir: Annotated[str, msgspec.Meta(max_length=32)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    reason_sealed: SealedNote = b""


class ServiceKeyBody(Base):
    box_public: Key32

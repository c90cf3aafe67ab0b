"""API bodies of emergency access (cards, break-glass)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base, Blob, Id, Key32
from web.schemas.dossiers import DossierBody, ItemBody


class CardUpload(Base):
    card_id: Id
    server_share: Key32
    passcode: Annotated[str, msgspec.Meta(min_length=6, max_length=32, pattern=r"^\d+$")]
    package: Blob
    key_refs: Annotated[list[Id], msgspec.Meta(max_length=4096)]
    days: Annotated[int, msgspec.Meta(ge=1, le=3 * 365)] = 365


class CardInfo(Base):
    card_id: str
    created_at: int
    expires_at: int
    revoked: bool
    attempts: int


class CardList(Base):
    cards: list[CardInfo]


class CardOpenRequest(Base):
    passcode: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    who: Annotated[str, msgspec.Meta(max_length=100)] = ""


class EmergencyBody(Base):
    dossier: DossierBody
    package: Blob
    items: list[ItemBody]
    server_share: Blob = b""


class BreakGlassUpload(Base):
    package: Blob
    key_refs: Annotated[list[Id], msgspec.Meta(max_length=4096)]


class BreakGlassRequest(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ServiceKeyBody(Base):
    box_public: Key32

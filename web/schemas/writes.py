"""Bodies of professional writes, blocks and deposits."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base, Blob, Bytes, Id, PsId, Signature
from web.schemas.dossiers import Chunks, ItemBody


class BlockRequest(Base):
    ps_id: PsId


class BlockInfo(Base):
    ps_id: str
    at: int


class BlockList(Base):
    blocks: list[BlockInfo]


class BlockResult(Base):
    """A block, and the grants to that professional the server revoked with it (the
    patient's client marks their sections for rotation)."""

    ps_id: str
    at: int
    revoked: list[str]


class WriteRequest(Base):
    """A professional adds an item through a read+write grant (signed request)."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    item: ItemBody
    chunks: Chunks = msgspec.field(default_factory=list)


class WrittenBody(Base):
    dossier_id: str
    item_id: str
    revision: int


class RecipientRequest(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]


class RecipientBody(Base):
    """Where a deposit for a patient goes: the dossier and its public keys."""

    dossier_id: str
    box_public: Bytes
    sign_public: Bytes


class DepositUpload(Base):
    dossier_id: Id
    deposit_id: Id
    sealed: Blob
    signature: Signature


class DepositReceipt(Base):
    deposit_id: str
    at: int


class DepositBody(Base):
    deposit_id: str
    ps_id: str
    at: int
    sealed: Bytes
    signature: Bytes


class DepositPage(Base):
    deposits: list[DepositBody]
    next_after: str | None = None

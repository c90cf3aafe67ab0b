"""Bodies of the dossier routes: slots, keyring, items, attachments, tombstone."""

from __future__ import annotations

from typing import Annotated

import msgspec

from vault.records import ChunkRecord, DossierRecord, ItemRecord, KeyringRecord, KeySlot, Rewrap
from web.schemas._types import (
    Base,
    Blob,
    Bytes,
    ChunkBlob,
    Id,
    Key32,
    Revision,
    Salt,
    SlotName,
    TombstoneBlob,
    UnixTime,
    Version,
    Wrapped,
)


class DossierBody(Base):
    dossier_id: Id
    created_at: UnixTime
    sign_public: Key32
    box_public: Key32

    @classmethod
    def of(cls, r: DossierRecord) -> DossierBody:
        return cls(r.dossier_id, r.created_at, r.sign_public, r.box_public)

    def record(self) -> DossierRecord:
        return DossierRecord(self.dossier_id, self.created_at, self.sign_public, self.box_public)


class KdfBody(Base):
    salt: Salt
    opslimit: int
    memlimit: int


class SlotBody(Base):
    name: SlotName
    salt: Salt
    opslimit: Annotated[int, msgspec.Meta(ge=1, le=100)]
    memlimit: Annotated[int, msgspec.Meta(ge=8192, le=4 * 1024**3)]
    wrapped: Wrapped
    login_public: Key32

    @classmethod
    def of(cls, s: KeySlot) -> SlotBody:
        return cls(s.name, s.salt, s.opslimit, s.memlimit, s.wrapped, s.login_public)  # type: ignore[arg-type]

    def record(self) -> KeySlot:
        return KeySlot(self.name, self.salt, self.opslimit, self.memlimit, self.wrapped,
                       self.login_public)


class SlotsBody(Base):
    slots: Annotated[list[SlotBody], msgspec.Meta(min_length=1, max_length=2)]


class KeyringBody(Base):
    version: int
    blob: Blob

    @classmethod
    def of(cls, r: KeyringRecord) -> KeyringBody:
        return cls(r.version, r.blob)


class PutKeyringBody(Base):
    blob: Blob
    expected_version: Version


class VersionBody(Base):
    version: int


class ChunkBody(Base):
    attachment_id: Id
    index: Annotated[int, msgspec.Meta(ge=0, le=100_000)]
    blob: ChunkBlob


class ItemBody(Base):
    item_id: Id
    revision: Revision
    key_ref: Id
    wrapped_key: Wrapped
    ciphertext: Blob
    created_at: UnixTime

    @classmethod
    def of(cls, r: ItemRecord) -> ItemBody:
        return cls(r.item_id, r.revision, r.key_ref, r.wrapped_key, r.ciphertext, r.created_at)

    def record(self, dossier_id: str) -> ItemRecord:
        return ItemRecord(dossier_id, self.item_id, self.revision, self.key_ref,
                          self.wrapped_key, self.ciphertext, self.created_at)


Chunks = Annotated[list[ChunkBody], msgspec.Meta(max_length=512)]


class PutItemBody(Base):
    """An item revision and its chunks (the records a professional's write carries too)."""

    item: ItemBody
    chunks: Chunks = msgspec.field(default_factory=list)

    def records(self, dossier_id: str) -> tuple[ItemRecord, list[ChunkRecord]]:
        return self.item.record(dossier_id), [
            ChunkRecord(dossier_id, self.item.item_id, c.attachment_id, c.index, c.blob)
            for c in self.chunks]


class PatientItemBody(PutItemBody, kw_only=True):
    """A patient's item write: what it was based on is required (P16, ``docs/writes.md``):
    the keyring version, and the revision it follows (null for a new item). A write based on
    anything older is refused with 409 ``stale_keyring``, ``stale_revision`` or
    ``item_gone``."""

    keyring_version: Version
    base_revision: Revision | None


class ItemPage(Base):
    """A page of items: JSON, or MessagePack when the client accepts ``MSGPACK`` (the Python
    client: its bytes travel as MessagePack bin, no base64)."""

    items: list[ItemBody]
    next_after: str | None = None


MSGPACK = "application/msgpack"


class RewrapBody(Base):
    item_id: Id
    revision: Revision
    key_ref: Id
    wrapped_key: Wrapped
    ciphertext: Blob | None = None  # masking: the revision re-encrypted under a new key

    def record(self) -> Rewrap:
        return Rewrap(self.item_id, self.revision, self.key_ref, self.wrapped_key,
                      self.ciphertext)


class RewrapsBody(Base):
    changes: Annotated[list[RewrapBody], msgspec.Meta(min_length=1, max_length=10_000)]
    keyring_version: Version  # the keyring the rewraps were computed from (P16)


class ChunksBody(Base):
    chunks: list[Bytes]


class TombstoneBody(Base):
    blob: TombstoneBlob


class CreateDossierBody(Base):
    dossier: DossierBody
    slots: Annotated[list[SlotBody], msgspec.Meta(min_length=2, max_length=2)]
    keyring: Blob

"""The storage port, and an in-memory implementation for unit tests.

Every method is keyed by dossier id (P14): no call ever scans another dossier's rows.
Writes are atomic: a failed call leaves nothing half-written.

Stale writes (P16, ``docs/writes.md``): a patient's item write, deletion and rewrap name the
keyring version they were based on (``keyring_version``) and, for an item, the revision they
were based on (``base_revision``, None for a new item). The store checks them in the same
transaction as the write and refuses with :class:`~vault.errors.StaleKeyring`,
:class:`~vault.errors.StaleRevision` or :class:`~vault.errors.ItemGone`. Without
``keyring_version`` (a professional's write, which the server checks otherwise) nothing
of this is checked.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from vault.errors import (
    AttachmentTaken,
    Conflict,
    DossierClosed,
    InvalidInput,
    ItemGone,
    NotFound,
    StaleKeyring,
    StaleRevision,
)
from vault.records import (
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeyringRecord,
    KeySlot,
    Rewrap,
    TombstoneRecord,
)

PAGE_MAX = 1000


async def all_items(store: DossierStore, dossier_id: str,
                    key_refs: Sequence[str] | None = None) -> list[ItemRecord]:
    """The latest revision of every item (wrapped under one of ``key_refs`` if given), every
    page of ``DossierStore.items`` in item-id order: the one paging loop the patient's
    dossier and the server's scan, card and break-glass answers share."""
    out: list[ItemRecord] = []
    after: str | None = None
    while True:
        page = await store.items(dossier_id, key_refs=key_refs, after=after, limit=PAGE_MAX)
        out.extend(page)
        if len(page) < PAGE_MAX:
            return out
        after = page[-1].item_id


ATTACHMENT_TAKEN = "an attachment with this id already exists; a new one needs a new id"


def check_chunks(item: ItemRecord, chunks: Sequence[ChunkRecord]) -> None:
    """InvalidInput unless every chunk names ``item``'s id: a chunk is always filed under
    the item whose revision carries it (the stores' shared first check in ``put_item``)."""
    if any(c.item_id != item.item_id for c in chunks):
        raise InvalidInput("every chunk must belong to the item it is sent with")


def check_keyring(current: int, based_on: int | None) -> None:
    """StaleKeyring unless the write was based on the keyring version ``current`` (or names
    none: an unchecked write)."""
    if based_on is not None and based_on != current:
        raise StaleKeyring()


def check_base(item: ItemRecord, latest: int | None, based_on: int | None) -> None:
    """A checked item write (its keyring version given) based on revision ``based_on`` of an
    item whose latest revision is ``latest`` (None: no such item). A new item (``based_on``
    None) must not exist; an edit must be based on the latest revision and be the next one."""
    if based_on is None:
        if latest is not None:
            raise Conflict("an item with this id already exists")
        if item.revision != 1:
            raise InvalidInput("a new item starts at revision 1")
        return
    if latest is None:
        raise ItemGone()
    if latest != based_on:
        raise StaleRevision()
    if item.revision != based_on + 1:
        raise InvalidInput("a new revision follows the one it is based on")


def check_delete(latest: int | None, based_on: int | None) -> None:
    """A checked deletion based on revision ``based_on`` (None: unchecked) of an item whose
    latest revision is ``latest`` (None: no such item)."""
    if latest is None:
        raise ItemGone() if based_on is not None else NotFound("no such item")
    if based_on is not None and latest != based_on:
        raise StaleRevision()


class DossierStore(Protocol):
    """Where a dossier's opaque bytes live (SQLite/PostgreSQL via piccolo, memory, HTTP)."""

    async def create(self, dossier: DossierRecord, slots: Sequence[KeySlot],
                     keyring: bytes) -> None:
        """Create a dossier; Conflict if the id exists, DossierClosed if it was tombstoned."""

    async def dossier(self, dossier_id: str) -> DossierRecord:
        """The dossier's record; NotFound, or DossierClosed once closed."""

    async def slot(self, dossier_id: str, name: str) -> KeySlot:
        """One key slot; NotFound if absent."""

    async def put_slots(self, dossier_id: str, slots: Sequence[KeySlot]) -> None:
        """Replace the named slots (passphrase change, recovery, new recovery code)."""

    async def keyring(self, dossier_id: str) -> KeyringRecord:
        """The current sealed keyring and its version."""

    async def put_keyring(self, dossier_id: str, blob: bytes, expected_version: int) -> int:
        """Replace the keyring if its version is still ``expected_version`` (StaleKeyring
        otherwise); returns the new one."""

    async def put_item(self, item: ItemRecord, chunks: Sequence[ChunkRecord] = (), *,
                       keyring_version: int | None = None,
                       base_revision: int | None = None) -> None:
        """Store a new revision (and its chunks) atomically; Conflict if the revision exists.

        With ``keyring_version`` (a patient's write): StaleKeyring unless it is the current
        keyring version; then, for ``base_revision`` None, Conflict if the item exists; else
        ItemGone if it does not, StaleRevision unless ``base_revision`` is its latest
        revision (``check_keyring``, ``check_base``).

        Attachments are write-once and bound to the item that creates them (P5): every chunk
        must name ``item.item_id`` (InvalidInput otherwise), and chunks for an attachment id
        that already has chunks in the dossier are refused with AttachmentTaken, whoever
        wrote them. A later revision keeps an attachment by reference, without chunks."""

    async def items(self, dossier_id: str, *, key_refs: Sequence[str] | None = None,
                    after: str | None = None, limit: int = PAGE_MAX) -> list[ItemRecord]:
        """Latest revision of each item, ordered by item id, after ``after``, at most ``limit``."""

    async def revisions(self, dossier_id: str, item_id: str) -> list[ItemRecord]:
        """Every revision of one item, oldest first; NotFound if the item does not exist."""

    async def rewrap(self, dossier_id: str, changes: Sequence[Rewrap], *,
                     keyring_version: int | None = None) -> None:
        """Swap wrapped keys and key refs of item revisions, all or nothing; StaleKeyring if
        ``keyring_version`` is given and not the current one."""

    async def delete_item(self, dossier_id: str, item_id: str, *,
                          keyring_version: int | None = None,
                          base_revision: int | None = None) -> None:
        """Delete every revision and chunk of an item; NotFound if it does not exist. With
        ``keyring_version``/``base_revision``: StaleKeyring, ItemGone, StaleRevision as
        ``put_item``."""

    async def chunks(self, dossier_id: str, attachment_id: str) -> list[bytes]:
        """An attachment's chunks in order; NotFound if there are none."""

    async def close(self, tombstone: TombstoneRecord) -> None:
        """Delete every row of the dossier and leave only ``tombstone``, in one transaction."""

    async def tombstone(self, dossier_id: str) -> TombstoneRecord | None:
        """The tombstone of a closed dossier, or None."""


class MemoryStore:
    """A DossierStore in a dict, for unit tests and benchmarks baselines."""

    def __init__(self) -> None:
        self._dossiers: dict[str, DossierRecord] = {}
        self._slots: dict[str, dict[str, KeySlot]] = {}
        self._keyrings: dict[str, KeyringRecord] = {}
        self._items: dict[str, dict[str, list[ItemRecord]]] = {}
        self._chunks: dict[str, dict[str, list[ChunkRecord]]] = {}
        self._tombstones: dict[str, TombstoneRecord] = {}

    def _live(self, dossier_id: str) -> None:
        if dossier_id in self._tombstones:
            raise DossierClosed("this dossier was closed")
        if dossier_id not in self._dossiers:
            raise NotFound("no such dossier")

    async def create(self, dossier: DossierRecord, slots: Sequence[KeySlot],
                     keyring: bytes) -> None:
        if dossier.dossier_id in self._tombstones:
            raise DossierClosed("this dossier id belonged to a closed dossier")
        if dossier.dossier_id in self._dossiers:
            raise Conflict("dossier already exists")
        self._dossiers[dossier.dossier_id] = dossier
        self._slots[dossier.dossier_id] = {s.name: s for s in slots}
        self._keyrings[dossier.dossier_id] = KeyringRecord(version=1, blob=keyring)
        self._items[dossier.dossier_id] = {}
        self._chunks[dossier.dossier_id] = {}

    async def dossier(self, dossier_id: str) -> DossierRecord:
        self._live(dossier_id)
        return self._dossiers[dossier_id]

    async def slot(self, dossier_id: str, name: str) -> KeySlot:
        self._live(dossier_id)
        try:
            return self._slots[dossier_id][name]
        except KeyError:
            raise NotFound("no such key slot") from None

    async def put_slots(self, dossier_id: str, slots: Sequence[KeySlot]) -> None:
        self._live(dossier_id)
        for s in slots:
            self._slots[dossier_id][s.name] = s

    async def keyring(self, dossier_id: str) -> KeyringRecord:
        self._live(dossier_id)
        return self._keyrings[dossier_id]

    async def put_keyring(self, dossier_id: str, blob: bytes, expected_version: int) -> int:
        self._live(dossier_id)
        current = self._keyrings[dossier_id]
        if current.version != expected_version:
            raise StaleKeyring()
        self._keyrings[dossier_id] = KeyringRecord(version=current.version + 1, blob=blob)
        return current.version + 1

    async def put_item(self, item: ItemRecord, chunks: Sequence[ChunkRecord] = (), *,
                       keyring_version: int | None = None,
                       base_revision: int | None = None) -> None:
        self._live(item.dossier_id)
        check_chunks(item, chunks)
        revs = self._items[item.dossier_id].get(item.item_id, [])
        if keyring_version is not None:
            check_keyring(self._keyrings[item.dossier_id].version, keyring_version)
            check_base(item, revs[-1].revision if revs else None, base_revision)
        if any(r.revision == item.revision for r in revs):
            raise Conflict("that revision already exists")
        store = self._chunks[item.dossier_id]
        if any(c.attachment_id in store for c in chunks):
            raise AttachmentTaken(ATTACHMENT_TAKEN)
        revs = self._items[item.dossier_id].setdefault(item.item_id, [])
        revs.append(item)
        revs.sort(key=lambda r: r.revision)
        for c in chunks:
            store.setdefault(c.attachment_id, []).append(c)

    async def items(self, dossier_id: str, *, key_refs: Sequence[str] | None = None,
                    after: str | None = None, limit: int = PAGE_MAX) -> list[ItemRecord]:
        self._live(dossier_id)
        refs = None if key_refs is None else set(key_refs)
        out: list[ItemRecord] = []
        for item_id in sorted(self._items[dossier_id]):
            if after is not None and item_id <= after:
                continue
            revs = self._items[dossier_id][item_id]
            if not revs:
                continue
            latest = revs[-1]
            if len(out) >= min(limit, PAGE_MAX):
                break
            if refs is None or latest.key_ref in refs:
                out.append(latest)
        return out

    async def revisions(self, dossier_id: str, item_id: str) -> list[ItemRecord]:
        self._live(dossier_id)
        revs = self._items[dossier_id].get(item_id)
        if not revs:
            raise NotFound("no such item")
        return list(revs)

    async def rewrap(self, dossier_id: str, changes: Sequence[Rewrap], *,
                     keyring_version: int | None = None) -> None:
        self._live(dossier_id)
        check_keyring(self._keyrings[dossier_id].version, keyring_version)
        items = copy.copy(self._items[dossier_id])
        for ch in changes:
            revs = list(items.get(ch.item_id, []))
            for i, r in enumerate(revs):
                if r.revision == ch.revision:
                    revs[i] = replace(r, key_ref=ch.key_ref, wrapped_key=ch.wrapped_key,
                                      ciphertext=ch.ciphertext or r.ciphertext)
                    break
            else:
                raise NotFound("no such item revision")
            items[ch.item_id] = revs
        self._items[dossier_id] = items

    async def delete_item(self, dossier_id: str, item_id: str, *,
                          keyring_version: int | None = None,
                          base_revision: int | None = None) -> None:
        self._live(dossier_id)
        check_keyring(self._keyrings[dossier_id].version, keyring_version)
        revs = self._items[dossier_id].get(item_id)
        check_delete(revs[-1].revision if revs else None, base_revision)
        del self._items[dossier_id][item_id]
        chunks = self._chunks[dossier_id]
        for attachment_id in [a for a, cs in chunks.items() if cs and cs[0].item_id == item_id]:
            del chunks[attachment_id]

    async def chunks(self, dossier_id: str, attachment_id: str) -> list[bytes]:
        self._live(dossier_id)
        found = self._chunks[dossier_id].get(attachment_id)
        if not found:
            raise NotFound("no such attachment")
        return [c.blob for c in sorted(found, key=lambda c: c.index)]

    async def close(self, tombstone: TombstoneRecord) -> None:
        self._live(tombstone.dossier_id)
        for table in (self._dossiers, self._slots, self._keyrings, self._items, self._chunks):
            table.pop(tombstone.dossier_id, None)
        self._tombstones[tombstone.dossier_id] = tombstone

    async def tombstone(self, dossier_id: str) -> TombstoneRecord | None:
        return self._tombstones.get(dossier_id)

    async def row_count(self, dossier_id: str) -> int:
        """Rows held for a dossier, tombstone excluded (for closure tests)."""
        n = 0
        n += dossier_id in self._dossiers
        n += len(self._slots.get(dossier_id, {}))
        n += dossier_id in self._keyrings
        n += sum(len(v) for v in self._items.get(dossier_id, {}).values())
        n += sum(len(v) for v in self._chunks.get(dossier_id, {}).values())
        return n

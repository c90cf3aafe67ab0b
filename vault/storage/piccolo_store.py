"""The DossierStore port on piccolo: SQLite (one file, WAL) or PostgreSQL.

Semantics are exactly those of :class:`vault.store.MemoryStore` (same errors, ordering and
pagination), with these guarantees on top:

- every query filters on ``dossier_id`` first (P14);
- every call runs in one transaction; writes take the dossier's lock first (``BEGIN
  IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` of the dossier row on PostgreSQL), so
  writes to one dossier are serialised and none can slip in after ``close`` (hence no
  ``UPDATE ... RETURNING`` either, which SQLite before 3.35 lacks);
- ``close`` deletes every row of the dossier and inserts the tombstone in one transaction,
  then scrubs: ``PRAGMA wal_checkpoint(TRUNCATE)`` on SQLite (whose connections run with
  ``secure_delete=ON``), ``VACUUM`` of the tables on PostgreSQL.

One engine per process: piccolo's table classes are module-level and
``PiccoloStore(engine)`` binds them all to ``engine`` (``Table._meta.db``). Constructing a
second store with another engine rebinds them for everyone. With PostgreSQL, start a pool
(``await engine.start_connection_pool()``) in the application, or every call opens a
connection.

Strings that do not fit their column (ids longer than 32 characters, slot names longer
than 32, key refs longer than 64) raise :class:`vault.errors.InvalidInput` on writes instead
of a database error; on reads they simply match nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, cast

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType

from vault.errors import AttachmentTaken, Conflict, DossierClosed, NotFound, StaleKeyring
from vault.records import (
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeyringRecord,
    KeySlot,
    Rewrap,
    TombstoneRecord,
)
from vault.storage._rows import (
    Row,
    fit,
    insert_chunks,
    item_of,
    item_row,
    last_by_name,
    slot_of,
    slot_row,
    slot_values,
)
from vault.storage.engine import guard_storage, is_unique_violation
from vault.storage.revisions import revisions as item_revisions
from vault.storage.scrub import scrubber
from vault.storage.tables import (
    ALL_TABLES,
    DOSSIER_TABLES,
    ID_LENGTH,
    KEY_REF_LENGTH,
    NAME_LENGTH,
    ChunkRow,
    DossierRow,
    ItemRow,
    KeyringRow,
    KeySlotRow,
    TombstoneRow,
)
from vault.store import (
    ATTACHMENT_TAKEN,
    PAGE_MAX,
    DossierStore,
    check_base,
    check_chunks,
    check_delete,
    check_keyring,
)

__all__ = ["PiccoloStore", "bind_tables"]

def bind_tables(engine: Engine[Any]) -> None:
    """Bind every storage table class to ``engine`` (process-wide)."""
    for table in ALL_TABLES:
        table._meta.db = engine


@guard_storage
class PiccoloStore:
    """A :class:`vault.store.DossierStore` on a piccolo engine (SQLite or PostgreSQL).

    Every method raises :class:`vault.errors.StorageUnavailable` when the database cannot be
    reached or used right now (see :func:`vault.storage.engine.is_unavailable`)."""

    def __init__(self, engine: Engine[Any]) -> None:
        self._engine = engine
        self._kind = str(engine.engine_type)
        if self._kind not in ("sqlite", "postgres"):
            raise ValueError(f"unsupported piccolo engine {self._kind!r}")
        bind_tables(engine)

    @property
    def engine(self) -> Engine[Any]:
        return self._engine

    # -- transactions and the dossier lock ----------------------------------------------

    def _read(self) -> AbstractAsyncContextManager[Any]:
        return cast(AbstractAsyncContextManager[Any], self._engine.transaction())

    def _write(self) -> AbstractAsyncContextManager[Any]:
        if self._kind == "sqlite":
            # Take the write lock up front: a deferred transaction that reads then writes
            # fails with SQLITE_BUSY instead of waiting when another writer got in between.
            tx = self._engine.transaction(transaction_type=TransactionType.immediate)
        else:
            tx = self._engine.transaction()
        return cast(AbstractAsyncContextManager[Any], tx)

    async def _live(self, dossier_id: str, *, lock: bool = False) -> Row:
        """The dossier row; DossierClosed if tombstoned, NotFound if absent.

        With ``lock`` (inside a write transaction), the row stays locked until commit on
        PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the database's write lock.
        """
        query = DossierRow.select().where(DossierRow.dossier_id == dossier_id)
        if lock and self._kind == "postgres":
            query = query.lock_rows("UPDATE")
        rows = await query
        if rows:
            return rows[0]
        if await TombstoneRow.exists().where(TombstoneRow.dossier_id == dossier_id):
            raise DossierClosed("this dossier was closed")
        raise NotFound("no such dossier")

    # -- dossier ----------------------------------------------------------------------------

    async def create(self, dossier: DossierRecord, slots: Sequence[KeySlot],
                     keyring: bytes) -> None:
        dossier_id = dossier.dossier_id
        fit(dossier_id, ID_LENGTH, "dossier id")
        unique_slots = last_by_name(slots)
        for s in unique_slots:
            fit(s.name, NAME_LENGTH, "key slot name")
        try:
            async with self._write():
                if await TombstoneRow.exists().where(TombstoneRow.dossier_id == dossier_id):
                    raise DossierClosed("this dossier id belonged to a closed dossier")
                if await DossierRow.exists().where(DossierRow.dossier_id == dossier_id):
                    raise Conflict("dossier already exists")
                await DossierRow.insert(DossierRow(
                    dossier_id=dossier_id,
                    created_at=dossier.created_at,
                    sign_public=dossier.sign_public,
                    box_public=dossier.box_public,
                ))
                if unique_slots:
                    await KeySlotRow.insert(*(slot_row(dossier_id, s) for s in unique_slots))
                await KeyringRow.insert(KeyringRow(dossier_id=dossier_id, version=1, blob=keyring))
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("dossier already exists") from None
            raise

    async def dossier(self, dossier_id: str) -> DossierRecord:
        async with self._read():
            row = await self._live(dossier_id)
        return DossierRecord(
            dossier_id=row["dossier_id"],
            created_at=int(row["created_at"]),
            sign_public=bytes(row["sign_public"]),
            box_public=bytes(row["box_public"]),
        )

    # -- key slots and keyring ----------------------------------------------------------------

    async def slot(self, dossier_id: str, name: str) -> KeySlot:
        async with self._read():
            await self._live(dossier_id)
            rows = await KeySlotRow.select().where(
                KeySlotRow.dossier_id == dossier_id, KeySlotRow.name == name,
            )
        if not rows:
            raise NotFound("no such key slot")
        return slot_of(rows[0])

    async def put_slots(self, dossier_id: str, slots: Sequence[KeySlot]) -> None:
        unique_slots = last_by_name(slots)
        for s in unique_slots:
            fit(s.name, NAME_LENGTH, "key slot name")
        async with self._write():
            await self._live(dossier_id, lock=True)
            for s in unique_slots:
                where = (KeySlotRow.dossier_id == dossier_id, KeySlotRow.name == s.name)
                if await KeySlotRow.exists().where(*where):
                    await KeySlotRow.update(slot_values(s)).where(*where)
                else:
                    await KeySlotRow.insert(slot_row(dossier_id, s))

    async def keyring(self, dossier_id: str) -> KeyringRecord:
        async with self._read():
            await self._live(dossier_id)
            rows = await KeyringRow.select(
                KeyringRow.version, KeyringRow.blob,
            ).where(KeyringRow.dossier_id == dossier_id)
        if not rows:  # pragma: no cover - created with the dossier, deleted with it
            raise NotFound("no keyring")
        return KeyringRecord(version=int(rows[0]["version"]), blob=bytes(rows[0]["blob"]))

    async def put_keyring(self, dossier_id: str, blob: bytes, expected_version: int) -> int:
        async with self._write():
            await self._live(dossier_id, lock=True)
            where = (KeyringRow.dossier_id == dossier_id,
                     KeyringRow.version == expected_version)
            if not await KeyringRow.exists().where(*where):
                raise StaleKeyring()
            await KeyringRow.update({
                KeyringRow.version: expected_version + 1,
                KeyringRow.blob: blob,
            }).where(*where)
        return expected_version + 1

    async def _check_keyring(self, dossier_id: str, based_on: int | None) -> None:
        """Inside a write transaction, after the dossier's lock: StaleKeyring unless the
        keyring is still at ``based_on`` (no check when None). The keyring CAS takes the same
        lock, so no keyring write can slip in between this check and the commit."""
        if based_on is None:
            return
        rows = await KeyringRow.select(KeyringRow.version).where(
            KeyringRow.dossier_id == dossier_id)
        check_keyring(int(rows[0]["version"]) if rows else 0, based_on)

    # -- items and chunks ---------------------------------------------------------------------

    async def put_item(self, item: ItemRecord, chunks: Sequence[ChunkRecord] = (), *,
                       keyring_version: int | None = None,
                       base_revision: int | None = None) -> None:
        dossier_id = item.dossier_id
        fit(dossier_id, ID_LENGTH, "dossier id")
        fit(item.item_id, ID_LENGTH, "item id")
        fit(item.key_ref, KEY_REF_LENGTH, "key ref")
        for c in chunks:
            fit(c.item_id, ID_LENGTH, "item id")
            fit(c.attachment_id, ID_LENGTH, "attachment id")
        check_chunks(item, chunks)
        attachment_ids = sorted({c.attachment_id for c in chunks})
        try:
            async with self._write():
                await self._live(dossier_id, lock=True)
                rows = await ItemRow.select(ItemRow.revision).where(
                    ItemRow.dossier_id == dossier_id, ItemRow.item_id == item.item_id,
                )
                revisions = {int(r["revision"]) for r in rows}
                if keyring_version is not None:
                    await self._check_keyring(dossier_id, keyring_version)
                    check_base(item, max(revisions) if revisions else None, base_revision)
                if item.revision in revisions:
                    raise Conflict("that revision already exists")
                # Under the dossier's write lock: no concurrent put_item can slip in between.
                if attachment_ids and await ChunkRow.exists().where(
                    ChunkRow.dossier_id == dossier_id,
                    ChunkRow.attachment_id.is_in(attachment_ids),
                ):
                    raise AttachmentTaken(ATTACHMENT_TAKEN)
                latest = not revisions or item.revision > max(revisions)
                if latest and revisions:
                    await ItemRow.update({ItemRow.latest: False}).where(
                        ItemRow.dossier_id == dossier_id,
                        ItemRow.item_id == item.item_id,
                        ItemRow.latest.eq(True),
                    )
                await ItemRow.insert(item_row(item, latest=latest))
                await insert_chunks(dossier_id, chunks)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("that revision or chunk already exists") from None
            raise

    async def items(self, dossier_id: str, *, key_refs: Sequence[str] | None = None,
                    after: str | None = None, limit: int = PAGE_MAX) -> list[ItemRecord]:
        async with self._read():
            await self._live(dossier_id)
            page = min(limit, PAGE_MAX)
            refs = None if key_refs is None else sorted(set(key_refs))
            if page <= 0 or refs == []:
                return []
            query = ItemRow.select(
                ItemRow.dossier_id, ItemRow.item_id, ItemRow.revision, ItemRow.key_ref,
                ItemRow.wrapped_key, ItemRow.ciphertext, ItemRow.created_at,
            ).where(ItemRow.dossier_id == dossier_id, ItemRow.latest.eq(True))
            if after is not None:
                query = query.where(ItemRow.item_id > after)
            if refs is not None:
                query = query.where(ItemRow.key_ref.is_in(refs))
            rows = await query.order_by(ItemRow.item_id).limit(page)
        return [item_of(r) for r in rows]

    async def revisions(self, dossier_id: str, item_id: str) -> list[ItemRecord]:
        return await item_revisions(self._engine, dossier_id, item_id)  # one statement

    async def rewrap(self, dossier_id: str, changes: Sequence[Rewrap], *,
                     keyring_version: int | None = None) -> None:
        for ch in changes:
            fit(ch.key_ref, KEY_REF_LENGTH, "key ref")
        async with self._write():
            await self._live(dossier_id, lock=True)
            await self._check_keyring(dossier_id, keyring_version)
            for ch in changes:
                where = (
                    ItemRow.dossier_id == dossier_id,
                    ItemRow.item_id == ch.item_id,
                    ItemRow.revision == ch.revision,
                )
                if not await ItemRow.exists().where(*where):
                    # Raised inside the transaction: every earlier change is rolled back.
                    raise NotFound("no such item revision")
                values: dict[Any, Any] = {ItemRow.key_ref: ch.key_ref,
                                         ItemRow.wrapped_key: ch.wrapped_key}
                if ch.ciphertext is not None:  # masking re-encrypts the revision too
                    values[ItemRow.ciphertext] = ch.ciphertext
                await ItemRow.update(values).where(*where)

    async def delete_item(self, dossier_id: str, item_id: str, *,
                          keyring_version: int | None = None,
                          base_revision: int | None = None) -> None:
        async with self._write():
            await self._live(dossier_id, lock=True)
            await self._check_keyring(dossier_id, keyring_version)
            where = (ItemRow.dossier_id == dossier_id, ItemRow.item_id == item_id)
            rows = await ItemRow.select(ItemRow.revision).where(*where)
            check_delete(max((int(r["revision"]) for r in rows), default=None), base_revision)
            await ItemRow.delete().where(*where)
            await ChunkRow.delete().where(
                ChunkRow.dossier_id == dossier_id, ChunkRow.item_id == item_id,
            )

    async def chunks(self, dossier_id: str, attachment_id: str) -> list[bytes]:
        async with self._read():
            await self._live(dossier_id)
            rows = await ChunkRow.select(ChunkRow.blob).where(
                ChunkRow.dossier_id == dossier_id, ChunkRow.attachment_id == attachment_id,
            ).order_by(ChunkRow.chunk_index)
        if not rows:
            raise NotFound("no such attachment")
        return [bytes(r["blob"]) for r in rows]

    # -- closing ------------------------------------------------------------------------------

    async def close(self, tombstone: TombstoneRecord) -> None:
        dossier_id = tombstone.dossier_id
        async with self._write():
            await self._live(dossier_id, lock=True)
            for table in DOSSIER_TABLES:
                column = table._meta.get_column_by_name("dossier_id")
                await table.delete().where(column == dossier_id)
            await TombstoneRow.insert(TombstoneRow(
                dossier_id=dossier_id, closed_at=tombstone.closed_at, blob=tombstone.blob,
            ))
        await self.scrub()

    async def scrub(self) -> None:
        """Push deleted rows out of the files (``vault.storage.scrub``); never raises."""
        await scrubber(self._engine, ALL_TABLES)()

    async def tombstone(self, dossier_id: str) -> TombstoneRecord | None:
        rows = await TombstoneRow.select(
            TombstoneRow.closed_at, TombstoneRow.blob,
        ).where(TombstoneRow.dossier_id == dossier_id)
        if not rows:
            return None
        return TombstoneRecord(
            dossier_id=dossier_id, closed_at=int(rows[0]["closed_at"]),
            blob=bytes(rows[0]["blob"]),
        )

    async def row_count(self, dossier_id: str) -> int:
        """Rows held for a dossier, tombstone excluded (for closure tests)."""
        total = 0
        async with self._read():
            for table in DOSSIER_TABLES:
                column = table._meta.get_column_by_name("dossier_id")
                total += int(await table.count().where(column == dossier_id))
        return total


if TYPE_CHECKING:
    def _is_a_dossier_store(store: PiccoloStore) -> DossierStore:
        return store  # mypy checks PiccoloStore against the port here

"""What the service keeps per dossier on piccolo: grants, the audit chain, professionals'
deposits and blocks."""

from __future__ import annotations

import asyncio
import weakref
from typing import Final

from vault.errors import Conflict, DossierClosed, StorageUnavailable
from vault.storage import hot
from vault.storage.engine import BUSY_TIMEOUT_MS, guard_storage, is_unique_violation
from web.server.storage.piccolo import _attempts, _rows
from web.server.storage.piccolo._once import INSERT_EVENT, append_once_job
from web.server.storage.piccolo.identity import PiccoloNonces
from web.server.storage.ports import (
    UNREAD,
    Along,
    AuditEntry,
    AuditHead,
    StoredDeposit,
    StoredGrant,
    Unread,
)
from web.server.storage.tables import AuditRow, BlockRow, DepositRow, GrantRow


@guard_storage
class PiccoloGrants:
    async def put_grant(self, g: StoredGrant) -> None:
        try:
            await GrantRow.insert(GrantRow(
                grant_id=g.grant_id, dossier_id=g.dossier_id, recipient_id=g.recipient_id,
                recipient_fpr=g.recipient_fpr, key_refs=",".join(g.key_refs),
                write=int(g.write), issued_at=g.issued_at, expires_at=g.expires_at,
                revoked_at=None, blob=g.blob))
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("that grant id is already taken") from None
            raise

    async def grant(self, grant_id: str) -> StoredGrant | None:
        rows = await GrantRow.select().where(GrantRow.grant_id == grant_id)
        return _rows.grant(rows[0]) if rows else None

    async def grants_of(self, dossier_id: str) -> list[StoredGrant]:
        rows = await GrantRow.select().where(GrantRow.dossier_id == dossier_id).order_by(
            GrantRow.issued_at)
        return [_rows.grant(r) for r in rows]

    async def revoke_grant(self, dossier_id: str, grant_id: str, at: int) -> bool:
        found = await GrantRow.exists().where((GrantRow.dossier_id == dossier_id)
                                              & (GrantRow.grant_id == grant_id))
        if not found:
            return False
        await GrantRow.update({GrantRow.revoked_at: at}).where(
            (GrantRow.grant_id == grant_id) & GrantRow.revoked_at.is_null())
        return True

    async def replace_grant(self, g: StoredGrant) -> bool:
        where = ((GrantRow.grant_id == g.grant_id) & (GrantRow.dossier_id == g.dossier_id)
                 & GrantRow.revoked_at.is_null())
        if not await GrantRow.exists().where(where):
            return False
        await GrantRow.update({GrantRow.key_refs: ",".join(g.key_refs),
                               GrantRow.blob: g.blob}).where(where)
        return True


# First key of the two-key PostgreSQL advisory lock that serializes one dossier's appends
# (the second is hashtext(dossier_id)); no other advisory lock in Carnet uses this space.
AUDIT_LOCK_SPACE: Final = 0x6361_7274  # "cart"
_LOCK_NOT_AVAILABLE: Final = "55P03"  # PostgreSQL: lock_timeout expired
# In-process queue in front of the database lock, one per dossier being appended to (gone
# when nobody waits): this process's appends take turns in order instead of all polling the
# SQLite write lock, whose busy handler is not fair and could starve one past its timeout.
_QUEUES: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _queue(dossier_id: str) -> asyncio.Lock:
    lock = _QUEUES.get(dossier_id)
    if lock is None:
        lock = _QUEUES[dossier_id] = asyncio.Lock()
    return lock


@guard_storage
class PiccoloAuditLog:
    """The audit chain on piccolo. :meth:`append_audit` serializes one dossier's appends in
    the database itself, so that several server processes share the rule: on SQLite the
    transaction starts with ``BEGIN IMMEDIATE`` (the database's write lock, waited for up to
    the busy timeout); on PostgreSQL it takes ``pg_advisory_xact_lock`` on the dossier
    (released at commit or rollback; an empty history has no row to lock ``FOR UPDATE``),
    waiting at most ``BUSY_TIMEOUT_MS`` too (``lock_timeout``). Then it reads the head,
    builds the event, inserts it and commits. A lock not had in time is
    :class:`StorageUnavailable`. In front of the database lock, this process's appends to
    one dossier queue (FIFO) on an ``asyncio.Lock``, waited for at most the same timeout.
    ``along`` runs after the lock, inside the transaction (the queue is taken before the
    database lock, never after: a write joined to an event waits its turn like any other)."""

    async def append_audit(self, dossier_id: str, entry: AuditEntry, *,
                           along: Along | None = None,
                           last: AuditHead | Unread | None = UNREAD) -> int:
        queue = _queue(dossier_id)  # held here: the weak map keeps it while anyone waits
        try:
            async with asyncio.timeout(BUSY_TIMEOUT_MS / 1000):
                await queue.acquire()
        except TimeoutError:
            raise StorageUnavailable("the history is busy; try again shortly") from None
        try:
            if not isinstance(last, Unread):
                seq = await self._append_after(dossier_id, entry, along, last)
                if seq is not None:
                    return seq
            return await self._append(dossier_id, entry, along)
        finally:
            queue.release()

    async def append_audit_once(self, dossier_id: str, entry: AuditEntry, *, nonce: str,
                                expires_at: int, last: AuditHead | Unread | None = UNREAD
                                ) -> int | None:
        engine = AuditRow._meta.db
        sqlite = hot.sqlite_writer(engine)
        if sqlite is not None:  # one job of the group-committing writer (_once)
            seq: int | None = await sqlite.writer.run(
                append_once_job(dossier_id, entry, nonce, expires_at, last))
            return seq

        async def spend() -> None:
            if not await PiccoloNonces(engine).use_nonce(nonce, expires_at):
                raise _Replayed()
        try:
            return await self.append_audit(dossier_id, entry, along=spend, last=last)
        except _Replayed:
            return None

    async def _append_after(self, dossier_id: str, entry: AuditEntry, along: Along | None,
                            last: AuditHead | None) -> int | None:
        """The event after ``last`` (read by the caller), with ``along``, in one
        transaction and without reading the head: its seq, or None (all rolled back) if
        that seq was taken meanwhile. On PostgreSQL the insert itself takes the dossier's
        append lock first, so an append that holds the lock and read the head never meets
        this one's row uncommitted."""
        seq = 0 if last is None else last[0] + 1
        blob, hash_ = entry(last)
        postgres = AuditRow._meta.db.engine_type == "postgres"
        forked = False
        try:
            async with _attempts.locked_write(AuditRow):
                if along is not None:
                    await along()
                try:
                    row = (dossier_id, seq, blob, hash_)
                    inserted = await (
                        AuditRow.raw(_INSERT_LOCKED, *row, AUDIT_LOCK_SPACE, dossier_id,
                                     str(int(BUSY_TIMEOUT_MS)), dossier_id)
                        if postgres else AuditRow.raw(INSERT_EVENT, *row, dossier_id))
                    if not inserted:
                        raise DossierClosed("this dossier was closed")
                except Exception as exc:
                    forked = is_unique_violation(exc)
                    raise
        except Exception as exc:
            if forked:
                return None
            if postgres and getattr(exc, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise StorageUnavailable("the history is busy; try again shortly") from exc
            raise
        return seq

    async def _append(self, dossier_id: str, entry: AuditEntry, along: Along | None) -> int:
        async with _attempts.locked_write(AuditRow):
            if AuditRow._meta.db.engine_type == "postgres":
                await _pg_lock(dossier_id)
            if along is not None:
                # Its transactions nest in this one (piccolo joins the current transaction):
                # the write and its event commit together or not at all.
                await along()
            head = await self._head(dossier_id)
            seq = 0 if head is None else head[0] + 1
            blob, hash_ = entry(head)
            try:
                if not await AuditRow.raw(INSERT_EVENT, dossier_id, seq, blob, hash_, dossier_id):
                    raise DossierClosed("this dossier was closed")
            except Exception as exc:
                # Only a writer that bypasses the lock (put_audit) can take this seq: the
                # event was not logged and nothing was decided, so the caller may retry.
                if is_unique_violation(exc):
                    raise StorageUnavailable("the history is being written; try again") from exc
                raise
        return seq

    async def audit_head(self, dossier_id: str) -> AuditHead | None:
        return await self._head(dossier_id)

    async def _head(self, dossier_id: str) -> AuditHead | None:
        rows = await AuditRow.select(AuditRow.seq, AuditRow.hash).where(
            AuditRow.dossier_id == dossier_id).order_by(AuditRow.seq, ascending=False).limit(1)
        return (int(rows[0]["seq"]), bytes(rows[0]["hash"])) if rows else None

    async def put_audit(self, dossier_id: str, seq: int, blob: bytes, hash_: bytes) -> bool:
        try:
            await AuditRow.insert(AuditRow(dossier_id=dossier_id, seq=seq, blob=blob,
                                           hash=hash_))
        except Exception as exc:
            if is_unique_violation(exc):  # (dossier_id, seq): a concurrent append won
                return False
            raise
        return True

    async def audit_events(self, dossier_id: str) -> list[bytes]:
        rows = await AuditRow.select(AuditRow.blob).where(
            AuditRow.dossier_id == dossier_id).order_by(AuditRow.seq)
        return [bytes(r["blob"]) for r in rows]


class _Replayed(Exception):
    """append_audit_once's nonce was used already (rolls the event back)."""


# The event after a head read beforehand. SQLite: the transaction's BEGIN IMMEDIATE holds the
# write lock. PostgreSQL: the dossier's append lock is taken in the same statement, just
# before the row is inserted, waited for at most BUSY_TIMEOUT_MS (as in _pg_lock).
_INSERT_LOCKED: Final = """
INSERT INTO carnet_audit (dossier_id, seq, blob, hash)
SELECT {}, {}, {}, {}
FROM (SELECT pg_advisory_xact_lock({}, hashtext({}))
      FROM (SELECT set_config('lock_timeout', {}, true)) AS t) AS l
WHERE NOT EXISTS (SELECT 1 FROM carnet_tombstone WHERE dossier_id = {}) RETURNING seq
"""


async def _pg_lock(dossier_id: str) -> None:
    """Take the dossier's append lock for the current transaction (PostgreSQL)."""
    await AuditRow.raw(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
    try:
        await AuditRow.raw("SELECT pg_advisory_xact_lock({}, hashtext({}))",
                           AUDIT_LOCK_SPACE, dossier_id)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise StorageUnavailable("the history is busy; try again shortly") from exc
        raise


@guard_storage
class PiccoloDeposits:
    async def put_deposit(self, d: StoredDeposit) -> bool:
        if await DepositRow.exists().where(DepositRow.deposit_id == d.deposit_id):
            return False
        try:
            await DepositRow.insert(DepositRow(deposit_id=d.deposit_id, dossier_id=d.dossier_id,
                                               ps_id=d.ps_id, at=d.at, blob=d.blob,
                                               signature=d.signature))
        except Exception as exc:
            if is_unique_violation(exc):  # deposit_id: a concurrent insert won
                return False
            raise
        return True

    async def deposits_of(self, dossier_id: str, after: str | None = None,
                          limit: int = 100) -> list[StoredDeposit]:
        query = DepositRow.select().where(DepositRow.dossier_id == dossier_id)
        if after is not None:
            query = query.where(DepositRow.deposit_id > after)
        rows = await query.order_by(DepositRow.deposit_id).limit(limit)
        return [_rows.deposit(r) for r in rows]

    async def count_deposits(self, dossier_id: str) -> int:
        return int(await DepositRow.count().where(DepositRow.dossier_id == dossier_id))

    async def delete_deposit(self, dossier_id: str, deposit_id: str) -> bool:
        where = (DepositRow.dossier_id == dossier_id) & (DepositRow.deposit_id == deposit_id)
        if not await DepositRow.exists().where(where):
            return False
        await DepositRow.delete().where(where)
        return True


@guard_storage
class PiccoloBlocks:
    async def block(self, dossier_id: str, ps_id: str, at: int) -> bool:
        if await self.is_blocked(dossier_id, ps_id):
            return False
        await BlockRow.insert(BlockRow(dossier_id=dossier_id, ps_id=ps_id, at=at))
        return True

    async def unblock(self, dossier_id: str, ps_id: str) -> bool:
        if not await self.is_blocked(dossier_id, ps_id):
            return False
        await BlockRow.delete().where((BlockRow.dossier_id == dossier_id)
                                      & (BlockRow.ps_id == ps_id))
        return True

    async def is_blocked(self, dossier_id: str, ps_id: str) -> bool:
        return bool(await BlockRow.exists().where((BlockRow.dossier_id == dossier_id)
                                                  & (BlockRow.ps_id == ps_id)))

    async def blocks_of(self, dossier_id: str) -> list[tuple[str, int]]:
        rows = await BlockRow.select(BlockRow.ps_id, BlockRow.at).where(
            BlockRow.dossier_id == dossier_id).order_by(BlockRow.at)
        seen: dict[str, int] = {}
        for r in rows:
            seen.setdefault(str(r["ps_id"]), int(r["at"]))
        return list(seen.items())

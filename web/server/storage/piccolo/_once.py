"""The scan's write as one job of SQLite's group-committing writer (issue 14): use the
request's nonce and append the event after the head, in the writer's transaction.

The event is built on the event loop from the head the caller read (``last``), before the job
is queued, so the job itself is two inserts; it reads the head only if another event took
that seq meanwhile (the unique ``(dossier_id, seq)`` index refuses the insert, which undoes
that statement alone), and then builds the event again under the write lock. No other
writer can come between: the job runs inside ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

from vault.errors import DossierClosed
from vault.storage.engine import is_unique_violation
from vault.storage.hot import qmark
from web.server.storage.piccolo.identity import insert_nonce
from web.server.storage.ports import AuditEntry, AuditHead, Unread

__all__ = ["INSERT_EVENT", "append_once_job"]

# Every append inserts its event only if the dossier has no tombstone, read in the same
# statement (under the lock the append holds): nothing is logged on a closed dossier's
# history, whose rows the closure then deletes (an attack review found a scan's event could
# land after the closure). RETURNING tells the two outcomes apart. piccolo's placeholders;
# the writer's copy has SQLite's.
INSERT_EVENT: Final = """
INSERT INTO carnet_audit (dossier_id, seq, blob, hash) SELECT {}, {}, {}, {}
WHERE NOT EXISTS (SELECT 1 FROM carnet_tombstone WHERE dossier_id = {}) RETURNING seq
"""
_INSERT: Final = qmark(INSERT_EVENT)
_HEAD: Final = ("SELECT seq, hash FROM carnet_audit WHERE dossier_id = ? "
                "ORDER BY seq DESC LIMIT 1")


def _head(conn: sqlite3.Connection, dossier_id: str) -> AuditHead | None:
    row = conn.execute(_HEAD, (dossier_id,)).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def _insert(conn: sqlite3.Connection, dossier_id: str, seq: int, blob: bytes,
            hash_: bytes) -> int:
    if conn.execute(_INSERT, (dossier_id, seq, blob, hash_, dossier_id)).fetchone() is None:
        raise DossierClosed("this dossier was closed")  # the job is undone, nonce included
    return seq


def append_once_job(dossier_id: str, entry: AuditEntry, nonce: str, expires_at: int,
                    last: AuditHead | Unread | None
                    ) -> Callable[[sqlite3.Connection], int | None]:
    """The job: the event's seq, or None (nothing written) if the nonce was used."""
    built = None if isinstance(last, Unread) else (last, entry(last))

    def job(conn: sqlite3.Connection) -> int | None:
        if not insert_nonce(conn, nonce, expires_at):
            return None
        if built is not None:
            head, (blob, hash_) = built
            seq = 0 if head is None else head[0] + 1
            try:
                return _insert(conn, dossier_id, seq, blob, hash_)
            except sqlite3.IntegrityError as exc:
                if not is_unique_violation(exc):
                    raise
        head = _head(conn, dossier_id)  # under the write lock: the real head
        blob, hash_ = entry(head)
        return _insert(conn, dossier_id, 0 if head is None else head[0] + 1, blob, hash_)
    return job

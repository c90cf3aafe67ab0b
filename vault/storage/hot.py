"""The hot path's storage calls, for the adapters: a point read, and a write that may be
group-committed (issue 14). On SQLite they use the engine's :class:`~vault.storage.writer.
LoopReader` and :class:`~vault.storage.writer.GroupWriter`; on PostgreSQL (asyncpg, whose
per-call cost is a network round trip, not a thread hop) and inside an open piccolo
transaction they run through piccolo as before.

SQL is written once with piccolo's ``{}`` placeholders; SQLite's copy has ``?`` instead (no
statement here contains a literal brace).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from vault.storage.engine import CarnetSQLiteEngine

__all__ = ["qmark", "read", "sqlite_writer", "write"]

T = TypeVar("T")


def qmark(sql: str) -> str:
    """``sql`` with SQLite's ``?`` placeholders for piccolo's ``{}``."""
    return sql.replace("{}", "?")


async def read(engine: Engine[Any], sql: str, *args: Any) -> list[Any]:
    """The rows of one read-only, indexed statement, each read by column name
    (``row["name"]``: SQLite's ``sqlite3.Row``, piccolo's dict on PostgreSQL). Inside a
    piccolo transaction it reads through that transaction (which sees its own writes)."""
    if isinstance(engine, CarnetSQLiteEngine) and engine.current_transaction.get() is None:
        return engine.reader.read(qmark(sql), args)
    rows: list[Any] = await engine.run_querystring(QueryString(sql, *args))
    return rows


def sqlite_writer(engine: Engine[Any]) -> CarnetSQLiteEngine | None:
    """The SQLite engine whose writer may take a job now: None on PostgreSQL, and inside a
    piccolo transaction (which may hold SQLite's write lock: the job must join it instead
    of waiting for it)."""
    if isinstance(engine, CarnetSQLiteEngine) and engine.current_transaction.get() is None:
        return engine
    return None


async def write(engine: Engine[Any], job: Callable[[sqlite3.Connection], T],
                otherwise: Callable[[], Awaitable[T]]) -> T:
    """``job`` in the SQLite writer's next transaction, or ``otherwise()`` (see
    :func:`sqlite_writer`)."""
    sqlite = sqlite_writer(engine)
    if sqlite is None:
        return await otherwise()
    return await sqlite.writer.run(job)

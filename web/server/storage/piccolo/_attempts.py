"""Attempt counters taken atomically (activation codes, card passcodes).

Read, compare and increment would let concurrent wrong guesses all pass the check before
any of them is counted. Instead the row is locked first (``BEGIN IMMEDIATE`` on SQLite,
``SELECT ... FOR UPDATE`` on PostgreSQL), then counted, then handed back: only callers
that got an attempt under the limit go on to check their guess.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, cast

from piccolo.columns import Column, Integer
from piccolo.engine.sqlite import TransactionType
from piccolo.table import Table


def locked_write(table: type[Table]) -> AbstractAsyncContextManager[Any]:
    """A transaction that holds the write lock from its start on SQLite (``BEGIN IMMEDIATE``);
    on PostgreSQL a plain transaction, in which the caller takes its row or advisory lock."""
    engine = table._meta.db
    if engine.engine_type == "sqlite":
        tx = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        tx = engine.transaction()
    return cast(AbstractAsyncContextManager[Any], tx)


async def take_attempt(table: type[Table], key: Column, value: str, limit: int) -> int | None:
    """The count before this attempt (None if no row); counted only if under ``limit``."""
    attempts = cast(Integer, table._meta.get_column_by_name("attempts"))
    async with locked_write(table):
        query = table.select(attempts).where(key == value)
        if table._meta.db.engine_type == "postgres":
            query = query.lock_rows("UPDATE")
        rows = await query
        if not rows:
            return None
        before = int(rows[0]["attempts"])
        if before < limit:
            await table.update({attempts: attempts + 1}).where(key == value)
        return before


async def refund_attempt(table: type[Table], key: Column, value: str) -> None:
    attempts = cast(Integer, table._meta.get_column_by_name("attempts"))
    await table.update({attempts: attempts - 1}).where((key == value) & (attempts > 0))

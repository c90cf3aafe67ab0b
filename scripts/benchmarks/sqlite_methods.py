"""The access methods timed by :mod:`scripts.benchmarks.sqlite_access` (issue 14, item 2).

Each ``_piccolo``/``_r_*``/``_w_*`` factory returns an :data:`Opener`: an async context
manager that opens the method's resources on a :class:`Ctx` and yields one call (a point
``SELECT`` or a ``BEGIN IMMEDIATE; INSERT; COMMIT``). :class:`Worker` is the dedicated
sqlite3 thread behind (d) and the group-commit writer (e).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import random
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiosqlite
from piccolo.engine.sqlite import TransactionType

from vault.storage.engine import CarnetSQLiteEngine, PragmaConnection

T = TypeVar("T")
Op = Callable[[str], Awaitable[None]]  # one call; the argument tags written rows
Opener = Callable[["Ctx"], contextlib.AbstractAsyncContextManager[Op]]

BLOB = 700  # bytes per row body
SELECT = "SELECT id, dossier_id, body FROM item WHERE id = ?"
INSERT = "INSERT INTO item (id, dossier_id, body) VALUES (?, ?, ?)"
TIMEOUT = 5.0


@dataclass
class Ctx:
    path: str
    keys: list[str]
    blob: bytes = field(default_factory=lambda: os.urandom(BLOB))
    bg_commits: int = 0


def connect(path: str, **kw: Any) -> sqlite3.Connection:
    return sqlite3.connect(path, factory=PragmaConnection, isolation_level=None,
                           timeout=TIMEOUT, **kw)


def _row(ctx: Ctx, tag: str) -> tuple[str, str, bytes]:
    return os.urandom(16).hex(), tag, ctx.blob


def check_row(row: Any, key: str) -> None:
    if row is None or row[0] != key or len(row[2]) != BLOB:
        raise RuntimeError(f"wrong row for {key}")


Job = tuple[Callable[[sqlite3.Connection], Any], "asyncio.Future[Any]"]
Outcome = tuple["asyncio.Future[Any]", Any, BaseException | None]


def _settle_all(outcomes: list[Outcome]) -> None:
    for fut, result, exc in outcomes:
        if fut.done():
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)


class Worker:
    """A thread owning one sqlite3 connection; ``run(fn)`` calls ``fn(conn)`` there (one hop).

    With ``tx`` each hop is one ``BEGIN IMMEDIATE ... COMMIT``; with ``group > 1`` a hop
    drains up to ``group`` queued jobs into that one transaction (a savepoint each, so a
    failing job fails alone) and their futures are resolved after the COMMIT (group commit)."""

    def __init__(self, path: str, *, tx: bool = False, group: int = 1) -> None:
        self._loop = asyncio.get_running_loop()
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._path, self._tx, self._group = path, tx, group
        self._thread = threading.Thread(target=self._serve, name="sqlite-worker", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        fut: asyncio.Future[T] = self._loop.create_future()
        self._jobs.put((fn, fut))
        return fut

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    def _serve(self) -> None:
        with contextlib.closing(connect(self._path)) as conn:
            while (job := self._jobs.get()) is not None:
                batch = [job]
                while len(batch) < self._group and not self._jobs.empty():
                    if (nxt := self._jobs.get()) is None:
                        self._jobs.put(None)
                        break
                    batch.append(nxt)
                self._loop.call_soon_threadsafe(_settle_all, self._hop(conn, batch))

    def _hop(self, conn: sqlite3.Connection, batch: list[Job]) -> list[Outcome]:
        savepoints = self._tx and len(batch) > 1
        out: list[Outcome] = []
        try:
            if self._tx:
                conn.execute("BEGIN IMMEDIATE")
            for fn, fut in batch:
                if savepoints:
                    conn.execute("SAVEPOINT job")
                try:
                    out.append((fut, fn(conn), None))
                except Exception as exc:
                    if self._tx and not savepoints:
                        raise
                    if savepoints:
                        conn.execute("ROLLBACK TO job")
                    out.append((fut, None, exc))
                if savepoints:
                    conn.execute("RELEASE job")
            if self._tx:
                conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [(fut, None, exc) for _, fut in batch]
        return out


# -- the methods: each opens its resources and yields one call -------------------------------

def _aconnect(ctx: Ctx) -> aiosqlite.Connection:
    return aiosqlite.connect(ctx.path, factory=PragmaConnection, isolation_level=None,
                             timeout=TIMEOUT)


def _piccolo(write: bool) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        engine = CarnetSQLiteEngine(ctx.path)

        async def op(tag: str) -> None:
            if write:
                async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
                    await engine._run_in_existing_connection(tx.connection, INSERT,
                                                             list(_row(ctx, tag)))
                return
            key = random.choice(ctx.keys)
            rows = await engine._run_in_new_connection(SELECT, [key])
            check_row((rows[0]["id"], None, rows[0]["body"]) if rows else None, key)
        try:
            yield op
        finally:
            await engine.close_pool()
    return opener


def _r_aiosqlite(one_hop: bool) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        async with _aconnect(ctx) as conn:
            async def op(_: str) -> None:
                key = random.choice(ctx.keys)
                if one_hop:
                    rows = list(await conn.execute_fetchall(SELECT, (key,)))
                else:  # as piccolo does: execute, fetchall, close (three hops)
                    async with conn.execute(SELECT, (key,)) as cursor:
                        rows = list(await cursor.fetchall())
                check_row(rows[0] if rows else None, key)
            yield op
    return opener


def _r_sync(busy_writer: bool) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        stop = threading.Event()

        def writer() -> None:
            with contextlib.closing(connect(ctx.path)) as conn:
                while not stop.is_set():
                    _sync_tx(conn, _row(ctx, "background"))
                    ctx.bg_commits += 1
        thread = threading.Thread(target=writer, name="bg-writer", daemon=True)
        if busy_writer:
            thread.start()
        try:
            with contextlib.closing(connect(ctx.path)) as conn:
                async def op(_: str) -> None:
                    key = random.choice(ctx.keys)
                    check_row(conn.execute(SELECT, (key,)).fetchone(), key)
                yield op
        finally:
            stop.set()
            if busy_writer:
                thread.join()
    return opener


def _r_thread(per_hop: int) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        with contextlib.closing(Worker(ctx.path)) as worker:
            async def op(_: str) -> None:
                keys = random.sample(ctx.keys, per_hop)
                rows = await worker.run(
                    lambda conn: [conn.execute(SELECT, (k,)).fetchone() for k in keys])
                for row, key in zip(rows, keys, strict=True):
                    check_row(row, key)
            yield op
    return opener


def _sync_tx(conn: sqlite3.Connection, row: tuple[str, str, bytes]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(INSERT, row)
    conn.execute("COMMIT")


def _w_aiosqlite(shared: bool) -> Opener:
    """One long-lived connection (and a lock: one transaction at a time), or one per write."""
    async def tx(conn: aiosqlite.Connection, ctx: Ctx, tag: str) -> None:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute(INSERT, _row(ctx, tag))
        await conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        lock = asyncio.Lock()
        async with contextlib.AsyncExitStack() as stack:
            conn = await stack.enter_async_context(_aconnect(ctx)) if shared else None

            async def op(tag: str) -> None:
                if conn is None:
                    async with _aconnect(ctx) as own:
                        await tx(own, ctx, tag)
                    return
                async with lock:
                    await tx(conn, ctx, tag)
            yield op
    return opener


def _w_sync(synchronous: str | None) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        with contextlib.closing(connect(ctx.path)) as conn:
            if synchronous:
                conn.execute(f"PRAGMA synchronous = {synchronous}")

            async def op(tag: str) -> None:
                _sync_tx(conn, _row(ctx, tag))
            yield op
    return opener


def _w_worker(group: int) -> Opener:
    @contextlib.asynccontextmanager
    async def opener(ctx: Ctx) -> AsyncIterator[Op]:
        with contextlib.closing(Worker(ctx.path, tx=True, group=group)) as worker:
            async def op(tag: str) -> None:
                row = _row(ctx, tag)
                await worker.run(lambda conn: conn.execute(INSERT, row))
            yield op
    return opener

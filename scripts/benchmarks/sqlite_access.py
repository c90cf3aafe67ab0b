"""Per-call cost of the ways Carnet can reach SQLite from its event loop (issue 14, item 2).

A temporary WAL database (10,000 rows: hex text key, indexed ``dossier_id``, 700-byte blob;
every connection a :class:`vault.storage.engine.PragmaConnection`, so ``SQLITE_PRAGMAS``,
``synchronous = FULL`` included). Timed: a point ``SELECT`` by key (row fetched, checked) and
a write ``BEGIN IMMEDIATE; INSERT; COMMIT`` (one WAL fsync), through (a) piccolo's
``CarnetSQLiteEngine``; (b) aiosqlite on one long-lived connection; (c) sqlite3 on the loop
thread; (d) a dedicated thread owning a sqlite3 connection, jobs over a queue, results back
by ``loop.call_soon_threadsafe`` (1 or 3 statements per hop); (e) a group-commit writer
thread (drains the queue into one transaction, a savepoint per write, resolves the futures
after COMMIT). Also (c) with a thread committing meanwhile, and (c) writes at
``synchronous = NORMAL`` (no fsync per commit: what the fsync costs).

Each method runs alone (sequential: median, p99, max per statement) and under 64 tasks for a
fixed time (each yields once between calls, as a handler would: statements/s), interleaved
over rounds in rotated order (shared, noisy machine): the median of the rounds with their
min-max. Acknowledged writes are checked to be in the file; "thr" is the peak number of
threads the method added. ``python -m scripts.benchmarks.sqlite_access [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import queue
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiosqlite
from piccolo.engine.sqlite import TransactionType

from vault.storage.engine import SQLITE_PRAGMAS, CarnetSQLiteEngine, PragmaConnection

T = TypeVar("T")
Op = Callable[[str], Awaitable[None]]  # one call; the argument tags written rows
Opener = Callable[["Ctx"], contextlib.AbstractAsyncContextManager[Op]]

ROWS, DOSSIERS, BLOB = 10_000, 200, 700
TASKS = 64
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


def build(path: str) -> list[str]:
    keys = [os.urandom(16).hex() for _ in range(ROWS)]
    with contextlib.closing(connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL").close()
        conn.execute("CREATE TABLE item (id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL,"
                     " body BLOB NOT NULL)")
        conn.execute("CREATE INDEX item_dossier ON item (dossier_id)")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, ((k, f"d{i % DOSSIERS:04d}", os.urandom(BLOB))
                                  for i, k in enumerate(keys)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return keys


def thread_ids() -> set[int]:
    return {t.ident for t in threading.enumerate() if t.ident is not None}


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


@dataclass
class Method:
    name: str
    open: Opener
    per_call: int = 1  # statements per call; every figure is per statement
    write: bool = False
    seq: list[float] = field(default_factory=list)  # µs: the rounds' medians
    samples: list[float] = field(default_factory=list)  # µs: every sequential call
    conc: list[float] = field(default_factory=list)  # statements/s: one per round
    threads: int = 0


READS = [
    Method("(a) piccolo engine (pooled aiosqlite)", _piccolo(False)),
    Method("(b) aiosqlite, one conn, execute+fetchall", _r_aiosqlite(False)),
    Method("(b) same, execute_fetchall (one hop)", _r_aiosqlite(True)),
    Method("(c) sqlite3 on the loop thread", _r_sync(False)),
    Method("(c) same, a writer thread committing", _r_sync(True)),
    Method("(d) dedicated thread, 1 select/hop", _r_thread(1)),
    Method("(d) dedicated thread, 3 selects/hop", _r_thread(3), per_call=3),
]
WRITES = [
    Method("(w) aiosqlite, one connection per write", _w_aiosqlite(False), write=True),
    Method("(a) piccolo engine, transaction(immediate)", _piccolo(True), write=True),
    Method("(b) aiosqlite, one conn + asyncio.Lock", _w_aiosqlite(True), write=True),
    Method("(c) sqlite3 on the loop thread", _w_sync(None), write=True),
    Method("(c) same, synchronous=NORMAL (no fsync)", _w_sync("NORMAL"), write=True),
    Method("(d) dedicated thread, 1 tx/hop", _w_worker(1), write=True),
    Method("(e) group commit writer thread", _w_worker(512), write=True),
]


async def count_rows(path: str, tag: str) -> int:
    with contextlib.closing(connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM item WHERE dossier_id = ?",
                                (tag,)).fetchone()[0])


async def measure(m: Method, ctx: Ctx, rnd: int, calls: int, seconds: float) -> None:
    base = thread_ids()
    peak = 0
    async with m.open(ctx) as op:
        tag = f"{m.name}/{rnd}"
        for _ in range(min(50, calls)):  # warm-up (counted as writes, not timed)
            await op(tag)
        times: list[float] = []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            await op(tag)
            times.append((time.perf_counter_ns() - t0) / 1000 / m.per_call)
        m.seq.append(statistics.median(times))
        m.samples.extend(times)
        done = 0
        deadline = time.perf_counter() + seconds

        async def hammer() -> None:
            nonlocal done, peak
            while time.perf_counter() < deadline:
                await op(tag)
                done += 1
                peak = max(peak, len(thread_ids() - base)) if done % 64 == 0 else peak
                await asyncio.sleep(0)
        began = time.perf_counter()
        await asyncio.gather(*(hammer() for _ in range(TASKS)))
        m.conc.append(done * m.per_call / (time.perf_counter() - began))
        peak = max(peak, len(thread_ids() - base))
    m.threads = max(m.threads, peak)
    if m.write:
        want = (min(50, calls) + calls + done) * m.per_call
        got = await count_rows(ctx.path, tag)
        if got != want:
            raise RuntimeError(f"{m.name}: {want} writes acknowledged, {got} rows in the file")


def spread(values: list[float], fmt: str) -> str:
    return (f"{format(statistics.median(values), fmt):>8} "
            f"[{format(min(values), fmt)}–{format(max(values), fmt)}]")


def table(title: str, methods: list[Method], ref: Method) -> None:
    print(f"\n{title}")
    print(f"{'method':<44}{'thr':>4}  {'seq µs/stmt median [min–max]':<29}{'p99':>7}"
          f"{'max':>8}{'t/ref':>6}   {'conc stmt/s median [min–max]':<30}{'r/ref':>6}")
    rs, rc = statistics.median(ref.seq), statistics.median(ref.conc)
    for m in methods:
        q = statistics.quantiles(m.samples, n=100, method="inclusive")[98]
        print(f"{m.name:<44}{m.threads:>4}  {spread(m.seq, '.1f'):<29}{q:>7.0f}"
              f"{max(m.samples):>8.0f}{statistics.median(m.seq) / rs:>6.2f}   "
              f"{spread(m.conc, '.0f'):<30}{statistics.median(m.conc) / rc:>6.2f}")


async def main(quick: bool) -> None:
    rounds, reads, writes, seconds = (3, 200, 30, 0.25) if quick else (5, 2000, 200, 1.75)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="carnet-sqlite-bench-") as tmp:
        path = os.path.join(tmp, "bench.sqlite")
        ctx = Ctx(path, build(path))
        methods = READS + WRITES
        for rnd in range(rounds):
            shift = rnd * len(methods) // rounds
            for m in methods[shift:] + methods[:shift]:
                await measure(m, ctx, rnd, writes if m.write else reads, seconds)
            print(f"round {rnd + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr)
    sys.stderr.flush()
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, aiosqlite "
          f"{aiosqlite.__version__}, {os.cpu_count()} CPUs; {ROWS} rows, WAL; pragmas: "
          + "; ".join(p.removeprefix("PRAGMA ") for p in SQLITE_PRAGMAS))
    print(f"{rounds} interleaved rounds; per round and method: {reads} reads / {writes} "
          f"writes sequential (+50 warm-up), then {TASKS} tasks for {seconds} s. "
          "Spread = min–max of the round figures; p99 and max over all sequential calls (µs); "
          "thr = peak OS threads added; t/ref = time ratio (lower is faster), r/ref = rate "
          "ratio (higher is faster).")
    table("READS: point SELECT by primary key (ref = (c) sqlite3 on the loop thread)",
          READS, READS[3])
    table("WRITES: BEGIN IMMEDIATE; INSERT; COMMIT (ref = (w) one aiosqlite conn per write)",
          WRITES, WRITES[0])
    print(f"\nbackground writer during '(c) same, a writer thread committing': "
          f"{ctx.bg_commits} commits; all acknowledged writes found in the file; "
          f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="~30 s instead of ~3 min")
    asyncio.run(main(parser.parse_args().quick))

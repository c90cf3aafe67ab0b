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
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import aiosqlite

from scripts.benchmarks.sqlite_methods import (
    BLOB,
    INSERT,
    Ctx,
    Opener,
    _piccolo,
    _r_aiosqlite,
    _r_sync,
    _r_thread,
    _w_aiosqlite,
    _w_sync,
    _w_worker,
    connect,
)
from vault.storage.engine import SQLITE_PRAGMAS

ROWS, DOSSIERS = 10_000, 200
TASKS = 64


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

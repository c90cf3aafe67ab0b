"""Scan and open latency at scale (issue 14 goal: 1 M dossiers vs 10 k, <= 1.2x).

``python -m scripts.benchmarks.scale [--quick] [--dossiers N] [--engines sqlite,postgres]``

Per engine, a 10 k and a 1 M dossier database (``--quick``: 100 k; ``--dossiers N``) are
made by Carnet's migrations, then filled in chunks by bulk ``INSERT ... SELECT`` (SQLite: a
recursive CTE, PostgreSQL: ``generate_series``), the migrations' secondary indexes dropped
meanwhile and recreated from their own DDL. Per filler dossier: 2 latest items (700-byte
random ciphertext), a grant, 2 audit events, a professional's session; a directory entry per
10, a block and a tombstone per 100. Between random chunks, 50 measured dossiers (20 items,
a grant to a professional of their own, who has a session; random hex ids like the rest).

Measured through the project's adapters, in rounds alternating the two databases (piccolo's
tables rebound; the order flips each round), ``--calls`` calls each on random measured
dossiers: the scan's read (``PiccoloConsultations.consultation``), the guard's
(``PiccoloServiceDb.signed_in``), the scan's write (``append_audit_once``), the patient's item
page (``PiccoloStore.items``), and "open" (consultation + item page). Printed: the median of
the per-round medians per size, the large/small ratio (median of the rounds' ratios,
min-max), the consultation's plan on the large database, sizes and build times. The
databases are deleted at the end (PostgreSQL: ``carnet_scale_<hex>``, dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]

from scripts.benchmarks.scale_build import ITEMS, MEASURED, NOW, Db, Patient, build, drop
from vault.storage import PiccoloStore, engine_from_url, hot
from web.server.storage import piccolo as service_tables
from web.server.storage.piccolo import PiccoloServiceDb
from web.server.storage.piccolo.consultation import _QUERIES, PiccoloConsultations

SMALL: Final = 10_000
BYTES_PER_DOSSIER: Final = 6_000  # a generous estimate of both engines' use, for the check
GOAL: Final = 1.2


Op = Callable[[Patient], Awaitable[object]]


def _ops(db: Db) -> dict[str, Op]:
    """Binds piccolo's tables to ``db``'s engine; the operations measured on it."""
    service_tables.bind(db.engine)
    store = PiccoloStore(db.engine)  # binds the vault's tables
    service, consultations = PiccoloServiceDb(db.engine), PiccoloConsultations()

    async def consultation(p: Patient) -> object:
        return await consultations.consultation(p.grant_id, p.ps_id)

    async def append(p: Patient) -> object:
        hash_ = secrets.token_bytes(32)
        seq = await service.append_audit_once(
            p.dossier_id, lambda head: (b"\x01" * 250, hash_), nonce=secrets.token_hex(32),
            expires_at=NOW + 300, last=p.head)
        assert seq is not None
        p.head = (seq, hash_)
        return seq

    async def items(p: Patient) -> object:
        return await store.items(p.dossier_id)

    async def open_(p: Patient) -> object:
        return await consultation(p), await items(p)

    async def signed_in(p: Patient) -> object:
        return await service.signed_in(p.sid)

    return {"scan: consultation": consultation, "guard: signed_in": signed_in,
            "scan: append_audit_once": append, "open: item page": items,
            "open: consultation + items": open_}


async def check(db: Db) -> None:
    """The measured rows read back as a scan expects them."""
    ops, p = _ops(db), db.patients[0]
    signed = await PiccoloServiceDb(db.engine).signed_in(p.sid)
    assert signed is not None and signed[1] is not None
    assert len(await PiccoloStore(db.engine).items(p.dossier_id)) == ITEMS
    found = await PiccoloConsultations().consultation(p.grant_id, p.ps_id)
    assert found is not None and len(found.items) == ITEMS and found.head == p.head
    for op in ops.values():  # warm-up
        for q in db.patients:
            await op(q)


async def round_of(db: Db, picks: list[int]) -> dict[str, float]:
    """Median latency (ms) of each operation over ``picks`` (indexes of patients)."""
    medians: dict[str, float] = {}
    for name, op in _ops(db).items():
        times: list[float] = []
        for i in picks:
            t0 = time.perf_counter_ns()
            await op(db.patients[i])
            times.append((time.perf_counter_ns() - t0) / 1e6)
        medians[name] = statistics.median(times)
    return medians


async def explain(db: Db) -> list[str]:
    p = db.patients[0]
    args = (p.ps_id, p.grant_id, True)
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.url[len("sqlite:///"):])
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + hot.qmark(_QUERIES["sqlite"]),
                                           args)]
        conn.close()
        tables = ("g", "d", "t", "b", "a", "i")  # the statement's aliases of real tables
        return _verdict(plan, [line for line in plan if line.startswith("SCAN ")
                               and line.split()[1] in tables])
    sql = _QUERIES["postgres"]
    for k in range(1, 4):
        sql = sql.replace("{}", f"${k}", 1)
    conn = await asyncpg.connect(dsn=db.url)
    text = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
    await conn.close()
    nodes: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)
    walk(json.loads(text)[0]["Plan"])
    lines = [f"{n['Node Type']} on {n['Relation Name']}"
             + (f" using {n['Index Name']}" if "Index Name" in n else "")
             for n in nodes if "Relation Name" in n]
    return _verdict(lines, [line for line in lines if line.startswith("Seq Scan")])


def _verdict(plan: list[str], bad: list[str]) -> list[str]:
    return [*plan, f"every table access uses an index: {'NO ' + str(bad) if bad else 'yes'}"]


async def measure(kind: str, small: Db, large: Db, rounds: int, calls: int,
                  rng: random.Random) -> tuple[list[str], list[str]]:
    for db in (small, large):
        db.engine = engine_from_url(db.url)
        if kind == "postgres":
            await db.engine.start_connection_pool(min_size=1, max_size=4)
        await check(db)
    results: dict[int, list[dict[str, float]]] = {SMALL: [], large.size: []}
    try:
        for r in range(rounds):
            picks = [rng.randrange(MEASURED) for _ in range(calls)]
            for db in ((small, large) if r % 2 == 0 else (large, small)):
                results[db.size].append(await round_of(db, picks))
        plan = await explain(large)
    finally:
        for db in (small, large):
            await (db.engine.close_pool() if kind == "sqlite"
                   else db.engine.close_connection_pool())
    lines = []
    for name in results[SMALL][0]:
        s = [m[name] for m in results[SMALL]]
        g = [m[name] for m in results[large.size]]
        ratios = [b / a for a, b in zip(s, g, strict=True)]
        mid = statistics.median(ratios)
        lines.append(f"{kind:8} | {name:26} | {statistics.median(s):8.3f} | "
                     f"{statistics.median(g):8.3f} | {mid:5.2f}x ({min(ratios):.2f}-"
                     f"{max(ratios):.2f}) | {'ok' if mid <= GOAL else 'MISSED'} (<= {GOAL}x)")
    return lines, [f"plan of the consultation ({kind}, {large.size:,} dossiers):",
                   *(f"  {line}" for line in plan)]


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="10 k vs 100 k dossiers")
    parser.add_argument("--dossiers", type=int, help="the large database's dossiers")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300, help="per operation and round")
    args = parser.parse_args(argv)
    large = args.dossiers or (100_000 if args.quick else 1_000_000)
    engines = [e for e in args.engines.split(",") if e]
    tmp = Path(tempfile.mkdtemp(prefix="carnet-scale-"))
    free = shutil.disk_usage(tmp).free
    need = (SMALL + large) * BYTES_PER_DOSSIER * len(engines)
    if need > free * 0.8:
        raise SystemExit(f"needs ~{need / 1e9:.1f} GB of disk, {free / 1e9:.1f} GB free")
    rng = random.Random(14)
    out: list[str] = []
    plans: list[str] = []
    built: list[Db] = []
    try:
        for kind in engines:
            pair = []
            for size in (SMALL, large):
                pair.append(db := await build(kind, size, tmp, rng, built))
                print(f"built {kind} {size:,} dossiers: {db.build_s:.1f} s, "
                      f"{db.bytes / 1e6:,.0f} MB", flush=True)
            table, plan = await measure(kind, pair[0], pair[1], args.rounds, args.calls, rng)
            out += table
            plans += plan
    finally:
        for db in built:
            await drop(db)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmedian latency (ms) of {args.calls} calls per round, {args.rounds} interleaved "
          f"rounds; ratio = {large:,} / {SMALL:,} (median of rounds, min-max)")
    print(f"{'engine':8} | {'operation':26} | {'10 k':>8} | {f'{large // 1000:,} k':>8} | "
          "ratio             | goal")
    print("\n".join(out))
    print("\n".join(plans))
    for db in built:
        print(f"{db.kind:8} {db.size:>9,} dossiers: built in {db.build_s:6.1f} s, "
              f"{db.bytes / 1e6:8,.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())

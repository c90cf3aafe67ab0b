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
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]

from vault.storage import PiccoloStore, engine_from_url, hot, migrate
from vault.storage import tables as vault_schema
from web.server.storage import piccolo as service_tables
from web.server.storage import tables as service_schema
from web.server.storage.piccolo import PiccoloServiceDb
from web.server.storage.piccolo.consultation import _QUERIES, PiccoloConsultations

ADMIN_URL: Final = os.environ.get("CARNET_TEST_POSTGRES_URL",
                                  "postgresql://postgres@127.0.0.1:5432/test")
SMALL: Final = 10_000
MEASURED: Final = 50
ITEMS: Final = 20
CHUNK: Final = 50_000
NOW: Final = 1_800_000_000
BYTES_PER_DOSSIER: Final = 6_000  # a generous estimate of both engines' use, for the check
GOAL: Final = 1.2

# Bulk fill, written once: {hex} a random 32-hex id, {rbN} N random-looking bytes, {psid} a
# filler professional's id (one per 10 dossiers), {last} the highest dossier row id before
# this chunk. Every statement adds the rows of the chunk's new dossiers.
_FILL: Final = (
    "INSERT INTO carnet_item (dossier_id, item_id, revision, latest, key_ref, wrapped_key,"
    " ciphertext, size, created_at) SELECT d.dossier_id, {hex}, 1, {true}, {hex}, {rb72},"
    " {rb700}, 700, {now} FROM carnet_dossier d, (SELECT 1 AS r UNION ALL SELECT 2) x"
    " WHERE d.id > {last}",
    "INSERT INTO carnet_grant (grant_id, dossier_id, recipient_id, recipient_fpr, key_refs,"
    " write, issued_at, expires_at, revoked_at, blob) SELECT {hex}, d.dossier_id, {psid},"
    " {hex}, {hex} || ',' || {hex}, 0, {now}, {now} + 14400, NULL, {rb400}"
    " FROM carnet_dossier d WHERE d.id > {last}",
    "INSERT INTO carnet_audit (dossier_id, seq, blob, hash) SELECT d.dossier_id, x.r,"
    " {rb250}, {rb32} FROM carnet_dossier d, (SELECT 0 AS r UNION ALL SELECT 1) x"
    " WHERE d.id > {last}",
    "INSERT INTO carnet_session (sid, kind, subject, roles, expires_at) SELECT"
    " {hex} || {hex}, 'professional', {psid}, 'read', {now} + 14400"
    " FROM carnet_dossier d WHERE d.id > {last}",
    "INSERT INTO carnet_professional (ps_id, name, profession, specialty, city, email,"
    " box_public, sign_public, status, roles, created_at, countersignature) SELECT {psid},"
    " 'Dr Banc', 'médecin', '', 'Lyon', '', {rb32}, {rb32}, 'active', 'read', {now}, {rb64}"
    " FROM carnet_dossier d WHERE d.id > {last} AND d.id % 10 = 0",
    "INSERT INTO carnet_block (dossier_id, ps_id, at) SELECT d.dossier_id, {psid}, {now}"
    " FROM carnet_dossier d WHERE d.id > {last} AND d.id % 100 = 1",
    "INSERT INTO carnet_tombstone (dossier_id, closed_at, blob) SELECT {hex}, {now}, {rb250}"
    " FROM carnet_dossier d WHERE d.id > {last} AND d.id % 100 = 2",
)
_DOSSIERS: Final = ("INSERT INTO carnet_dossier (dossier_id, created_at, sign_public, box_public)"
                     " SELECT {hex}, {now}, {rb32}, {rb32} FROM {series}")
# The measured dossiers' rows give every column but the id, in the table classes' order.
_SCHEMA: Final[tuple[Any, ...]] = (*service_schema.ALL_TABLES, *vault_schema.ALL_TABLES)
_COLUMNS: Final = {t._meta.tablename: ", ".join(c._meta.db_column_name
                                                for c in t._meta.non_default_columns)
                   for t in _SCHEMA}


def _tokens(kind: str, last: int, count: int) -> dict[str, str]:
    if kind == "sqlite":
        hex_, true, psid = ("lower(hex(randomblob(16)))", "1",
                            "'7' || printf('%011d', d.id / 10)")
        series = ("(WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n"
                  " WHERE k < {count}) SELECT k FROM n)")
        rb = {n: f"randomblob({n})" for n in (32, 64, 72, 250, 400, 700)}
    else:  # a fresh 16-byte prefix on a constant random tail (PostgreSQL has no randomblob)
        hex_, true, psid = ("replace(gen_random_uuid()::text, '-', '')", "true",
                            "'7' || lpad((d.id / 10)::text, 11, '0')")
        series = "generate_series(1, {count})"
        rb = {n: f"(uuid_send(gen_random_uuid()) || '\\x{secrets.token_hex(n - 16)}'::bytea)"
              for n in (32, 64, 72, 250, 400, 700)}
    return {"hex": hex_, "true": true, "psid": psid, "now": str(NOW), "last": str(last),
            "series": series.format(count=count),
            **{f"rb{n}": v for n, v in rb.items()}}


@dataclass
class Patient:
    """A measured dossier and the professional who scans it."""

    dossier_id: str
    grant_id: str
    ps_id: str
    sid: str
    head: tuple[int, bytes]


def _patient(i: int) -> tuple[Patient, dict[str, list[tuple[Any, ...]]]]:
    p = Patient(secrets.token_hex(16), secrets.token_hex(16), f"8{i:011d}",
                secrets.token_hex(32), (1, secrets.token_bytes(32)))
    refs = [secrets.token_hex(16) for _ in range(4)]
    rows: dict[str, list[tuple[Any, ...]]] = {
        "carnet_dossier": [(p.dossier_id, NOW, secrets.token_bytes(32), secrets.token_bytes(32))],
        "carnet_item": [(p.dossier_id, secrets.token_hex(16), 1, True, refs[k % 4],
                         secrets.token_bytes(72), secrets.token_bytes(700), 700, NOW)
                        for k in range(ITEMS)],
        "carnet_grant": [(p.grant_id, p.dossier_id, p.ps_id, secrets.token_hex(16),
                          ",".join(refs), 0, NOW, NOW + 14400, None, secrets.token_bytes(400))],
        "carnet_audit": [(p.dossier_id, s, secrets.token_bytes(250),
                          p.head[1] if s else secrets.token_bytes(32)) for s in (0, 1)],
        "carnet_professional": [(p.ps_id, "Dr Mesure", "médecin", "", "Lyon", "",
                                 secrets.token_bytes(32), secrets.token_bytes(32), "active",
                                 "read", NOW, secrets.token_bytes(64))],
        "carnet_session": [(p.sid, "professional", p.ps_id, "read", NOW + 14400)],
    }
    return p, rows


@dataclass
class Db:
    kind: str
    size: int
    url: str
    patients: list[Patient] = field(default_factory=list)
    build_s: float = 0.0
    bytes: int = 0
    engine: Any = None


class _Sqlite:
    """A sqlite3 connection behind the asyncpg calls the fill makes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    async def fetch(self, sql: str) -> list[Any]:
        return self.conn.execute(sql).fetchall()

    async def executemany(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        self.conn.executemany(sql.replace("$", "?"), rows)  # $1 -> ?1


_INDEXES: Final = {  # the indexes no constraint needs (name, DDL), as the migrations made them
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    "postgres": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
}


async def _fill(conn: Any, db: Db, rng: random.Random) -> None:
    left = db.size - MEASURED
    chunks = max(20, -(-left // CHUNK))  # the measured dossiers go between chunks
    where = sorted(rng.randrange(chunks) for _ in range(MEASURED))
    indexes = [(r[0], r[1]) for r in await conn.fetch(_INDEXES[db.kind])]
    for name, _ in indexes:
        await conn.execute(f"DROP INDEX {name}")
    for c in range(chunks):
        await conn.execute("BEGIN")
        count = -(-left // (chunks - c))
        left -= count
        last = (await conn.fetch("SELECT coalesce(max(id), 0) FROM carnet_dossier"))[0][0]
        tok = _tokens(db.kind, last, count)
        for sql in (_DOSSIERS, *_FILL):
            await conn.execute(sql.format(**tok))
        for _ in range(where.count(c)):
            patient, rows = _patient(len(db.patients))
            db.patients.append(patient)
            for table, values in rows.items():
                marks = ", ".join(f"${k + 1}" for k in range(len(values[0])))
                await conn.executemany(f"INSERT INTO {table} ({_COLUMNS[table]})"  # noqa: S608
                                       f" VALUES ({marks})", values)
        await conn.execute("COMMIT")
    for _, ddl in indexes:
        await conn.execute(ddl)


async def build(kind: str, size: int, tmp: Path, rng: random.Random, built: list[Db]) -> Db:
    start = time.perf_counter()
    if kind == "sqlite":
        db = Db(kind, size, f"sqlite:///{tmp / f'carnet-{size}.sqlite'}")
        built.append(db)
        await migrate(db.url)
        path = tmp / f"carnet-{size}.sqlite"
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = DELETE", "synchronous = OFF", "cache_size = -2000000"):
            conn.execute(f"PRAGMA {pragma}")
        await _fill(_Sqlite(conn), db, rng)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
        db.bytes = path.stat().st_size
    else:
        name = f"carnet_scale_{secrets.token_hex(6)}"
        await _admin(f'CREATE DATABASE "{name}"')
        db = Db(kind, size, urlunsplit(urlsplit(ADMIN_URL)._replace(path="/" + name)))
        built.append(db)
        await migrate(db.url)
        conn = await asyncpg.connect(dsn=db.url)
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'")
        await _fill(conn, db, rng)
        await conn.execute("VACUUM (ANALYZE)")  # as autovacuum would have (off on this server)
        db.bytes = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        await conn.close()
    db.build_s = time.perf_counter() - start
    return db


async def _admin(sql: str) -> None:
    admin = await asyncpg.connect(dsn=ADMIN_URL, timeout=5)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


async def drop(db: Db) -> None:
    name = urlsplit(db.url).path.lstrip("/")
    if db.kind == "postgres" and name.startswith("carnet_scale_"):
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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

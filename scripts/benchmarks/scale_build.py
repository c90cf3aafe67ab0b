"""Building the databases of the scale benchmark (``scripts.benchmarks.scale``).

A database per engine and size, made by Carnet's migrations then filled in chunks by bulk
``INSERT ... SELECT`` (secondary indexes dropped meanwhile, recreated from their own DDL),
with ``MEASURED`` measured dossiers (``Patient``) between random chunks; ``drop`` deletes a
PostgreSQL one. The layout is described in ``scale``'s docstring.
"""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]

from vault.storage import migrate
from vault.storage import tables as vault_schema
from web.server.storage import tables as service_schema

ADMIN_URL: Final = os.environ.get("CARNET_TEST_POSTGRES_URL",
                                  "postgresql://postgres@127.0.0.1:5432/test")
MEASURED: Final = 50
ITEMS: Final = 20
CHUNK: Final = 50_000
NOW: Final = 1_800_000_000


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

"""P8 against an operator's backups, on SQLite and PostgreSQL: a copy of the database taken
before closure and restored after it, plus the passphrase, opens nothing on the server.

The attack: a patient (real client: Argon2id, key slots, encrypted items) with items, a
grant scanned by a doctor, and an emergency card; the database is backed up (SQLite's
backup API; ``pg_dump -Fc``); the dossier is closed; the backup is restored (``backup`` into
the live file; ``pg_restore --clean`` into the same database) and the server restarted on it
with its key store. Then: no login with the passphrase, ``/auth/params`` answers as for an
unknown NIR, no key slot, an old session from the backup reaches nothing, the old consent
token does not scan, the card does not open. The control: all of it worked before closure,
and another dossier in the same restored backup opens normally.

The raw scan: after closure (before any restore), the database files themselves (SQLite:
the file and its WAL; PostgreSQL: every table's and TOAST table's files, read as root) are
searched for every wrap and ciphertext the dossier had; what is found is unusable (its key
is gone), and what each engine still keeps physically is pinned (``docs/operations.md``).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from piccolo.table import Table

from consent.errors import ConsentError
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.web.server.routes.api_support import (
    APP_BACKENDS,
    BASE_URL,
    OPERATOR_TOKEN,
    Harness,
    assert_error,
    open_harness,
)
from vault.dossier import Dossier
from vault.errors import NotFound, UnlockFailed, VaultError
from vault.storage import migrate
from vault.storage import tables as vault_tables
from web import schemas
from web.client import Api, ApiError, ProfessionalIdentity, activate, login
from web.client.consent import issue_grant, scan
from web.client.directory import approve
from web.client.emergency import Card, issue_card, open_card
from web.server.storage import tables as service_tables

PASSPHRASE = "une phrase secrète du patient"
CONTROL_PASSPHRASE = "la phrase d'un autre patient"
ALLERGY = "Pénicilline (canari P8)"
# How the client reports a refusal: its own error for the answer's code, else ApiError.
REFUSED = (ApiError, VaultError, ConsentError)


# ----------------------------------------------------------------------------- database
@dataclass
class Db:
    """A fresh database of its own (restoring it must not disturb other tests)."""

    backend: str
    url: str
    path: Path | None  # the SQLite file

    def backup(self, to: Path) -> None:
        if self.path is not None:
            _sqlite_copy(self.path, to)
        else:
            subprocess.run(["pg_dump", "-Fc", "-f", str(to), "-d", self.url], check=True,
                           capture_output=True)

    def restore(self, frm: Path) -> None:
        if self.path is not None:
            _sqlite_copy(frm, self.path)
        else:
            subprocess.run(["pg_restore", "--clean", "--if-exists", "-d", self.url, str(frm)],
                           check=True, capture_output=True)


def _sqlite_copy(src: Path, dst: Path) -> None:
    """The SQLite online backup API, ``src`` into ``dst`` (a live file or a new one)."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


@pytest.fixture(params=APP_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(backend: str, tmp_path: Path) -> AsyncIterator[Db]:
    if backend == "sqlite":
        path = tmp_path / "carnet.sqlite"
        url = f"sqlite:///{path}"
        await migrate(url)
        yield Db(backend, url, path)
        return
    url = await create_postgres_database()
    try:
        await migrate(url)
        yield Db(backend, url, None)
    finally:
        await drop_postgres_database(url)


def _server(db: Db, data_dir: Path) -> Any:
    """The in-process server on ``db``, with its key store in ``data_dir/keys``."""
    return open_harness(db.backend, db.url, data_dir, key_dir=data_dir / "keys")


# ----------------------------------------------------------------------------- the world
@dataclass
class Patient:
    nir: str
    dossier: Dossier
    api: Api


async def _patient(app: Harness, passphrase: str, birth: dt.date) -> Patient:
    person = await app.beneficiary(birth=birth)
    api = Api(BASE_URL, transport=app.transport)
    dossier, _ = await activate(api, person.nir, await app.pharmacy_code(person), passphrase,
                                clock=app.clock)
    await dossier.add("allergies", "allergy", ALLERGY, "2024-03-01", {"reaction": "urticaire"})
    await dossier.add("current_treatments", "medication", "Amoxicilline", "2024-03-02", {})
    return Patient(person.nir, dossier, api)


async def _doctor(app: Harness) -> ProfessionalIdentity:
    doctor = ProfessionalIdentity.new("810009998877")
    await doctor.register(Api(BASE_URL, transport=app.transport), name="Dr Martin",
                          profession="médecin")
    await approve(Api(BASE_URL, transport=app.transport, session=OPERATOR_TOKEN),
                  doctor.ps_id, [], app.authority)
    return doctor


async def _scan(app: Harness, doctor: ProfessionalIdentity, text: str) -> list[str]:
    api = Api(BASE_URL, transport=app.transport)
    await doctor.login(api)
    return [i.title for i in (await scan(api, doctor, text, now=app.clock.now)).items]


async def _open_card(app: Harness, card: Card) -> list[str]:
    items = await open_card(Api(BASE_URL, transport=app.transport), card.text, card.passcode,
                            who="SAMU 75")
    return [i.title for i in items]


async def _params(app: Harness, nir: str) -> Any:
    r = await app.call("POST", "/auth/params", json=schemas.ParamsRequest(login=nir))
    assert r.status_code == 200, r.text
    return r.json()


BLOB_COLUMNS: dict[type[Table], tuple[str, ...]] = {
    vault_tables.KeySlotRow: ("wrapped", "login_public"),
    vault_tables.KeyringRow: ("blob",),
    vault_tables.ItemRow: ("wrapped_key", "ciphertext"),
    vault_tables.ChunkRow: ("blob",),
    service_tables.GrantRow: ("blob",),
    service_tables.AuditRow: ("blob",),
    service_tables.DepositRow: ("blob",),
    service_tables.CardRow: ("server_share", "package"),
    service_tables.BreakGlassRow: ("package",),
}
# What only the store key opens (sealed at rest by the server).
SEALED = {"carnet_key_slot", "carnet_grant", "carnet_audit", "carnet_deposit", "carnet_card",
          "carnet_break_glass"}


async def _stored_blobs(dossier_id: str) -> dict[bytes, str]:
    """Every wrap and ciphertext of the dossier as the database holds it: bytes -> where."""
    found: dict[bytes, str] = {}
    for table, columns in BLOB_COLUMNS.items():
        dossier = table._meta.get_column_by_name("dossier_id")
        for row in await table.select(*(table._meta.get_column_by_name(c) for c in columns)
                                      ).where(dossier == dossier_id):
            for column in columns:
                value = bytes(row[column])
                if len(value) >= 16:
                    found[value] = f"{table._meta.tablename}.{column}"
    return found


async def _opened_blobs(app: Harness, dossier_id: str) -> list[bytes]:
    """The same values as the server's layer hands them out (what a client sent)."""
    services = app.services
    found: list[bytes] = []
    for name in ("passphrase", "recovery"):
        slot = await services.store.slot(dossier_id, name)
        found += [slot.wrapped, slot.login_public]
    found += [g.blob for g in await services.db.grants_of(dossier_id)]
    found += [v for c in await services.cards.cards_of(dossier_id)
              for v in (c.server_share, c.package)]
    found += [e for e in await services.db.audit_events(dossier_id) if len(e) >= 16]
    return found


# ----------------------------------------------------------------------------- raw files
async def _raw_files(app: Harness, db: Db) -> bytes:
    """Every byte of the database's table files as they are on disk now."""
    if db.path is not None:
        parts = [db.path.read_bytes()]
        wal = db.path.with_name(db.path.name + "-wal")
        if wal.exists():
            parts.append(wal.read_bytes())
        return b"".join(parts)
    import asyncpg

    if os.geteuid() != 0:
        pytest.skip("the PostgreSQL table files are readable by root only")
    every: tuple[type[Table], ...] = (*vault_tables.ALL_TABLES, *service_tables.ALL_TABLES)
    names = [t._meta.tablename for t in every]
    conn = await asyncpg.connect(dsn=db.url)
    try:
        await conn.execute("CHECKPOINT")  # dirty buffers to the table files
        data_dir = Path(await conn.fetchval("SHOW data_directory"))
        rows = await conn.fetch(
            "SELECT pg_relation_filepath(c.oid) AS main, "
            "pg_relation_filepath(NULLIF(c.reltoastrelid, 0)) AS toast "
            "FROM pg_class c WHERE c.relname = ANY($1::text[])", names)
    finally:
        await conn.close()
    assert len(rows) == len(names)
    out = bytearray()
    for row in rows:
        for rel in (row["main"], row["toast"]):
            if rel is None:
                continue
            base = data_dir / rel
            for segment in [base, *sorted(base.parent.glob(base.name + ".[0-9]*"))]:
                if segment.exists():
                    out += segment.read_bytes()
    return bytes(out)


# ----------------------------------------------------------------------------- the attack
async def test_a_restored_backup_does_not_reopen_a_closed_dossier(db: Db, tmp_path: Path
                                                                  ) -> None:
    data_dir = tmp_path / "server"
    backup = tmp_path / "backup.db"
    async with _server(db, data_dir) as app:
        victim = await _patient(app, PASSPHRASE, dt.date(1971, 2, 3))
        control = await _patient(app, CONTROL_PASSPHRASE, dt.date(1982, 4, 5))
        doctor = await _doctor(app)
        issued = await issue_grant(victim.dossier, victim.api, doctor.ps_id, ["allergies"],
                                   seconds=30 * 86400, now=app.clock.now,
                                   authority_public=app.authority.verify_key.encode())
        card = await issue_card(victim.dossier, victim.api, days=30)
        d = victim.dossier.dossier_id
        # control: before closure, everything opens
        assert await _scan(app, doctor, issued.text) == [ALLERGY]
        assert ALLERGY in await _open_card(app, card)
        session_api = Api(BASE_URL, transport=app.transport)
        again = await login(session_api, victim.nir, PASSPHRASE, clock=app.clock)
        assert ALLERGY in [i.title for i in await again.list()]
        old_session = session_api.session
        known = await _params(app, victim.nir)

        db.backup(backup)  # the operator's nightly copy
        stored = await _stored_blobs(d)
        # what the layer opens never reaches the database in the clear, even before closure
        opened = await _opened_blobs(app, d)
        assert len(opened) >= 8
        raw = await _raw_files(app, db)
        assert not [blob for blob in opened if blob in raw]
        assert {where.split(".")[0] for where in stored.values()} >= {
            "carnet_key_slot", "carnet_keyring", "carnet_item", "carnet_grant", "carnet_audit",
            "carnet_card"}

        await victim.dossier.close()
        unknown = await _params(app, victim.nir)  # the account is gone: the unknown answer
        assert unknown != known

        # the raw scan, right after closure
        raw = await _raw_files(app, db)
        left = sorted(where for blob, where in stored.items() if blob in raw)
        assert not (await app.services.keys.key(d))  # every sealed one is unusable for good
        assert not list((data_dir / "keys").glob(f"{d}*"))
        if db.backend == "sqlite":
            # secure_delete zeroes deleted cells; the WAL is checkpointed after the last delete
            assert left == [], left
        else:
            # PostgreSQL keeps dead tuples until their space is reused: nothing found may be
            # openable without the destroyed key (items and keyring open only with keys that
            # a sealed slot, grant or card leads to)
            assert all(w.split(".")[0] in SEALED | {"carnet_keyring", "carnet_item",
                                                    "carnet_chunk"} for w in left), left

    db.restore(backup)  # ... restored after the closure; the server restarts on it
    async with _server(db, data_dir) as app:
        # every row is back
        assert await _stored_blobs(d) == stored
        # no login with the passphrase, and params say nothing
        assert await _params(app, victim.nir) == unknown
        with pytest.raises(UnlockFailed):
            await login(Api(BASE_URL, transport=app.transport), victim.nir, PASSPHRASE,
                        clock=app.clock)
        # no key slot, not even inside the server
        with pytest.raises(NotFound):
            await app.services.store.slot(d, "passphrase")
        # a session restored with the backup reaches nothing of the dossier
        for path in (f"/dossiers/{d}", f"/dossiers/{d}/keyring", f"/dossiers/{d}/items",
                     f"/dossiers/{d}/slots/passphrase"):
            r = await app.call("GET", path, token=old_session)
            assert r.status_code in (401, 404, 410), (path, r.status_code, r.text)
            assert r.status_code != 200
        r = await app.call("GET", f"/dossiers/{d}/keyring", token=old_session)
        if r.status_code != 401:
            assert_error(r, 410, "dossier_closed")
        # the old consent token does not scan; the card does not open
        with pytest.raises(REFUSED):
            await _scan(app, doctor, issued.text)
        with pytest.raises(REFUSED):
            await _open_card(app, card)
        # control: another dossier in the same restored backup opens normally
        other = await login(Api(BASE_URL, transport=app.transport), control.nir,
                            CONTROL_PASSPHRASE, clock=app.clock)
        assert ALLERGY in [i.title for i in await other.list()]


async def test_closing_deletes_the_service_rows_too(db: Db, tmp_path: Path) -> None:
    """Grants, history, cards, blocks and deposits go with the dossier, in the same closure."""
    async with _server(db, tmp_path / "server") as app:
        victim = await _patient(app, PASSPHRASE, dt.date(1969, 6, 7))
        doctor = await _doctor(app)
        await issue_grant(victim.dossier, victim.api, doctor.ps_id, ["allergies"],
                          seconds=86400, now=app.clock.now,
                          authority_public=app.authority.verify_key.encode())
        await issue_card(victim.dossier, victim.api, days=30)
        d = victim.dossier.dossier_id
        await victim.dossier.close()
        tables: tuple[type[Table], ...] = (
            *vault_tables.DOSSIER_TABLES, service_tables.GrantRow, service_tables.AuditRow,
            service_tables.CardRow, service_tables.DepositRow, service_tables.BlockRow,
            service_tables.BreakGlassRow)
        for table in tables:
            column = table._meta.get_column_by_name("dossier_id")
            assert await table.count().where(column == d) == 0, table._meta.tablename

"""An acknowledged write survives a crash of the server process (issue 9, item 6), on SQLite
and PostgreSQL.

A real server process (``python -m web.server serve``) takes a patient's items, a grant, a
card and scans (history events), then is killed with SIGKILL right after its last answer,
with a burst of scans still in flight. Restarted on the same database and data directory:
every acknowledged item is there and decrypts with the patient's passphrase, the grant still
scans, the history verifies, did not shrink since the patient last looked, and holds every
acknowledged scan (in-flight ones may or may not be there, never half). What survives an OS
crash or a power loss is the engines' settings: ``docs/operations.md``, "Durability".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import pytest
from piccolo.querystring import QueryString

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.conftest import REPO, RecordingProxy, Server, free_port
from tests.e2e.test_consent import _world, now
from tests.support import wait_healthy
from vault.storage import migrate
from vault.storage.engine import CarnetSQLiteEngine
from web.client import Api, ApiError, login
from web.client.consent import issue_grant, list_grants, scan, verified_history
from web.client.emergency import issue_card
from web.nir import nir_key
from web.server.provision import provision, provision_dev_keys

PASSPHRASE: Final = "patient passphrase"  # tests.e2e.test_consent._world's
NIR_BODY: Final = "1700575000007"  # _world(server, 7)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.db)])
async def database_url(request: pytest.FixtureRequest,
                       tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    engine = str(request.param)
    url = (f"sqlite:///{tmp_path / 'carnet.sqlite'}" if engine == "sqlite"
           else await create_postgres_database())
    try:
        await migrate(url)
        yield engine, url
    finally:
        if engine == "postgres":
            await drop_postgres_database(url)


@contextlib.contextmanager
def started(engine: str, database_url: str, data_dir: Path, dev_keys: Path,
            secret: str) -> Iterator[Server]:
    """A server process on ``database_url``; stopped (SIGKILL) on exit if still running."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=database_url, CARNET_DATA_DIR=str(data_dir),
               CARNET_SECRET_KEY=secret, CARNET_DEV_KEYS_DIR=str(dev_keys))
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port)], cwd=REPO,
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    direct = f"http://127.0.0.1:{port}"
    token_file = data_dir / "operator.token"
    try:
        wait_healthy(direct, process, log_path)
        proxy = RecordingProxy(port)  # Server wants one; the test talks to ``direct_url``
        try:
            yield Server(engine=engine, url=direct, direct_url=direct, data_dir=data_dir,
                         database_url=database_url, log_path=log_path,
                         operator_token_file=token_file, proxy=proxy, process=process,
                         homes=data_dir, dev_keys=dev_keys)
        finally:
            proxy.close()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=15)


def kill_9(server: Server) -> None:
    server.process.send_signal(signal.SIGKILL)
    assert server.process.wait(timeout=15) == -signal.SIGKILL


async def test_acknowledged_writes_survive_kill_9(database_url: tuple[str, str],
                                                  tmp_path: Path) -> None:
    engine, url = database_url
    data_dir, dev_keys = tmp_path / "data", tmp_path / "dev-keys"
    data_dir.mkdir()
    (data_dir / "operator.token").write_text(secrets.token_urlsafe(24))
    provision(data_dir)
    provision_dev_keys(dev_keys)
    secret = secrets.token_urlsafe(32)

    with started(engine, url, data_dir, dev_keys, secret) as first:
        w = await _world(first, 7)
        d = w.dossier
        authority = first.authority().verify_key.encode()
        written = [await d.add("allergies", "allergy", f"Allergie {i}", "2024-01-01")
                   for i in range(3)]
        issued = await issue_grant(d, w.patient_api, w.doctor.ps_id, ["allergies"],
                                   seconds=3600, now=now(), authority_public=authority)
        card = await issue_card(d, w.patient_api, days=30)
        doctor_api = Api(first.direct_url)
        await w.doctor.login(doctor_api)
        seen = await scan(doctor_api, w.doctor, issued.text, now=now())
        assert {i.item_id for i in seen.items} == {i.item_id for i in written}
        events, head, server_key = await verified_history(
            d, w.patient_api, server_public=None, last_seen=None, authority_public=authority)
        # A burst of scans, and SIGKILL as soon as the last write above and three of them
        # are acknowledged: the others are in flight, or not yet sent.
        tasks = [asyncio.create_task(scan(doctor_api, w.doctor, issued.text, now=now()))
                 for _ in range(12)]
        acknowledged = 0
        for task in asyncio.as_completed(tasks):
            with contextlib.suppress(ApiError):
                await task
                acknowledged += 1
            if acknowledged == 3:
                break
        last = await d.add("allergies", "allergy", "Allergie finale", "2024-02-01")
        written.append(last)
        kill_9(first)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        acknowledged = sum(1 for o in outcomes if not isinstance(o, BaseException))
        for api in (doctor_api, w.patient_api):
            with contextlib.suppress(Exception):
                await api.aclose()

    with started(engine, url, data_dir, dev_keys, secret) as second:
        async with Api(second.direct_url) as api:
            again = await login(api, NIR_BODY + nir_key(NIR_BODY), PASSPHRASE, clock=now)
            items = {i.item_id: i for i in await again.list()}
            for item in written:  # every acknowledged item, decrypted
                assert items[item.item_id].title == item.title
            grants = {g.grant_id for g in await list_grants(again, api)}
            assert issued.grant_id in grants
            after, _, _ = await verified_history(again, api, server_public=server_key,
                                                 last_seen=head, authority_public=authority)
            kinds = [e.kind for e in after]
            assert kinds[:len(events)] == [e.kind for e in events]  # nothing lost or rewritten
            assert "grant_issued" in kinds and "card_issued" in kinds
            assert kinds.count("token_scanned") >= 1 + acknowledged
            assert card.card_id in {str(e.detail.get("card")) for e in after}
        async with Api(second.direct_url) as doctor_api:
            await w.doctor.login(doctor_api)
            seen = await scan(doctor_api, w.doctor, issued.text, now=now())
            assert {i.item_id for i in written} <= {i.item_id for i in seen.items}
    log = b"".join(p.read_bytes() for p in data_dir.glob("server-*.log"))
    assert b"Traceback" not in log, log[-3000:]


async def test_sqlite_connections_commit_with_synchronous_full(tmp_path: Path) -> None:
    """Every connection the engine hands out runs in WAL mode with ``synchronous = FULL``
    (2): each commit is fsynced before it is acknowledged (``docs/operations.md``)."""
    engine = CarnetSQLiteEngine(str(tmp_path / "carnet.sqlite"))
    rows = await engine.run_querystring(QueryString("PRAGMA synchronous"))
    assert rows == [{"synchronous": 2}]
    rows = await engine.run_querystring(QueryString("PRAGMA journal_mode"))
    assert rows == [{"journal_mode": "wal"}]
    await engine.close_pool()
    with contextlib.closing(sqlite3.connect(tmp_path / "carnet.sqlite")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # in the file

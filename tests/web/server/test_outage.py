"""A database outage under a running server is a 503, never a wrong answer.

A real server process runs on SQLite, then on PostgreSQL (a dedicated database, created and
dropped here). With a patient and an approved pharmacist in place, the database is made
unusable under it:

- SQLite: another process holds every WAL lock of the database (the ``-shm`` lock bytes,
  as a stuck writer or checkpointer would), so each query waits, then fails with
  ``SQLITE_PROTOCOL``/``SQLITE_BUSY``. (Running as root, a read-only ``chmod`` would not
  stop the server.)
- PostgreSQL: the database refuses new connections (``ALLOW_CONNECTIONS false``) and the
  server's pooled connections are terminated (``pg_terminate_backend``).

Then login, a scan and a write answer 503 ``{"code": "storage_unavailable", "detail"}``
with ``Retry-After`` (not 401 "already used", not 400 "history busy", not 500),
``/health/ready`` is 503 and ``/health`` 200. Getting a login challenge still works: it is
stateless. Once the database is back, everything works again without a restart.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import nacl.signing
import pytest

from consent import directory
from consent.request import login_message
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    postgres_admin_connection,
)
from tests.support import wait_healthy
from tests.web.server.routes.api_support import (
    FakePatient,
    encode,
    new_person,
    new_ps_id,
    put_item_body,
)
from vault.storage import migrate
from web import schemas
from web.server.provision import provision, provision_dev_keys

REPO = Path(__file__).resolve().parents[3]
# SQLite's WAL locks live in bytes 120..127 of the -shm file (write, checkpoint, recover,
# then the five read marks); holding them all stops every reader and writer.
WAL_LOCK_OFFSET, WAL_LOCK_BYTES = 120, 8
_LOCKER = """
import fcntl, os, sqlite3, sys
# Stay connected: the server's last connection to close would otherwise drop the WAL and
# its -shm file (and with them the locks below).
db = sqlite3.connect(sys.argv[1])
db.execute("SELECT count(*) FROM sqlite_master").fetchall()
fd = os.open(sys.argv[1] + "-shm", os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, int(sys.argv[3]), int(sys.argv[2]), os.SEEK_SET)
print("locked", flush=True)
sys.stdin.read()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    engine: str
    url: str
    database_url: str
    data_dir: Path
    log_path: Path

    def operator_token(self) -> str:
        return (self.data_dir / "operator.token").read_text().strip()

    def authority(self) -> nacl.signing.SigningKey:
        seed = (dev_keys_of(self.data_dir) / "authority.key").read_text().strip()
        return nacl.signing.SigningKey(bytes.fromhex(seed))


def dev_keys_of(data_dir: Path) -> Path:
    """The operator's and emergency service's keys: beside the data dir, never in it."""
    return data_dir.with_name(f"{data_dir.name}-dev-keys")


@contextlib.contextmanager
def server_process(engine: str, database_url: str, data_dir: Path) -> Iterator[Running]:
    provision(data_dir)
    provision_dev_keys(dev_keys_of(data_dir))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=database_url, CARNET_DATA_DIR=str(data_dir),
               CARNET_DEV_KEYS_DIR=str(dev_keys_of(data_dir)))
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port)], cwd=REPO,
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log_path)
        yield Running(engine, url, database_url, data_dir, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.db)])
async def running(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Running]:
    engine = str(request.param)
    database_url = (f"sqlite:///{tmp_path / 'carnet.sqlite'}" if engine == "sqlite"
                    else await create_postgres_database())
    try:
        await migrate(database_url)
        with server_process(engine, database_url, tmp_path / "data") as server:
            yield server
    finally:
        if engine == "postgres":
            await drop_postgres_database(database_url)


# ------------------------------------------------------------------------------ the outage
@contextlib.asynccontextmanager
async def outage(server: Running) -> AsyncIterator[None]:
    """The server's database is unusable inside this block, and usable again after it."""
    if server.engine == "sqlite":
        path = urlsplit(server.database_url).path[1:]
        locker = subprocess.Popen(  # noqa: ASYNC220 (holds a lock until its stdin closes)
            [sys.executable, "-c", _LOCKER, path, str(WAL_LOCK_OFFSET), str(WAL_LOCK_BYTES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert locker.stdout is not None and locker.stdin is not None
        assert locker.stdout.readline().strip() == "locked"
        try:
            yield
        finally:
            locker.stdin.close()
            locker.wait(timeout=10)
        return
    name = urlsplit(server.database_url).path.lstrip("/")
    admin = await postgres_admin_connection()
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()


# ------------------------------------------------------------------------------ the actors
@dataclass
class Actors:
    patient: FakePatient
    pro_key: nacl.signing.SigningKey
    pro_ps_id: str
    pro_session: str


async def call(http: httpx.AsyncClient, method: str, path: str, body: Any = None,
               token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["content-type"] = "application/json"
    return await http.request(method, path, headers=headers,
                              content=None if body is None else encode(body))


async def login(http: httpx.AsyncClient, login_name: str, kind: str,
                key: nacl.signing.SigningKey) -> httpx.Response:
    r = await call(http, "POST", "/auth/challenge", {"login": login_name, "kind": kind})
    assert r.status_code == 200, r.text  # stateless: no database involved
    challenge = r.json()["challenge"]
    return await call(http, "POST", "/auth/login", schemas.LoginRequest(
        challenge=challenge, signature=key.sign(login_message(challenge)).signature))


async def set_up(http: httpx.AsyncClient, server: Running) -> Actors:
    operator = server.operator_token()
    person = new_person()
    r = await call(http, "POST", "/operator/registry",
                   schemas.RegistryLoadBody(csv="nir,last_name,first_name,birth_date,address,"
                                                "email\n" + person.csv_line() + "\n"),
                   token=operator)
    assert r.status_code == 200, r.text
    key, ps_id = nacl.signing.SigningKey.generate(), new_ps_id()
    r = await call(http, "POST", "/professionals", schemas.ProfessionalRegistration(
        ps_id=ps_id, name="Pharmacie du Centre", profession="pharmacien",
        box_public=secrets.token_bytes(32), sign_public=key.verify_key.encode()))
    assert r.status_code == 201, r.text
    entry = r.json()
    countersignature = directory.countersign(directory.Entry(
        ps_id=ps_id, name=entry["name"], profession=entry["profession"],
        specialty=entry["specialty"], city=entry["city"], roles=("pharmacist",),
        sign_public=base64.b64decode(entry["sign_public"]),
        box_public=base64.b64decode(entry["box_public"])), server.authority())
    r = await call(http, "POST", f"/operator/professionals/{ps_id}/approve",
                   {"roles": ["pharmacist"],
                    "countersignature": base64.b64encode(countersignature).decode()},
                   token=operator)
    assert r.status_code == 200, r.text
    r = await login(http, ps_id, "professional", key)
    assert r.status_code == 200, r.text
    pro_session = str(r.json()["session"])
    r = await call(http, "POST", "/activation/pharmacy", schemas.ActivationRequest(
        nir=person.nir, birth_date=person.birth_date), token=pro_session)
    assert r.status_code == 201, r.text
    patient = FakePatient(person)
    r = await call(http, "POST", "/activation/complete",
                   patient.activate_body(str(r.json()["code"]), int(time.time())))
    assert r.status_code == 201, r.text
    patient.session = str(r.json()["session"])
    return Actors(patient, key, ps_id, pro_session)


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"code": "storage_unavailable", "detail": r.json()["detail"]}
    assert r.json()["detail"]
    assert int(r.headers["retry-after"]) > 0


async def write_item(http: httpx.AsyncClient, actors: Actors) -> httpx.Response:
    return await call(http, "POST", f"/dossiers/{actors.patient.dossier_id}/items",
                      put_item_body(), token=actors.patient.session)


# ------------------------------------------------------------------------------ the test
async def test_an_outage_is_a_503_and_service_resumes(running: Running) -> None:
    async with httpx.AsyncClient(base_url=running.url, timeout=120) as http:
        actors = await set_up(http, running)
        assert (await call(http, "GET", "/health/ready")).status_code == 200
        async with outage(running):
            r = await call(http, "GET", "/health")
            assert r.status_code == 200, r.text  # liveness: the process is up
            assert_unavailable(await call(http, "GET", "/health/ready"))
            # Login: the challenge is stateless; using it needs the database.
            assert_unavailable(await login(http, actors.patient.person.nir, "patient",
                                           actors.patient.passphrase_key))
            assert_unavailable(await call(http, "POST", "/auth/params",
                                          {"login": actors.patient.person.nir}))
            # A scan (the pharmacist's session is checked first) and a patient's write.
            assert_unavailable(await call(http, "POST", "/consent/scan",
                                          schemas.ScanRequest(token="C1:" + "A" * 40),
                                          token=actors.pro_session))
            assert_unavailable(await write_item(http, actors))
        deadline = time.monotonic() + 30  # PostgreSQL: the pool reconnects on next use
        while (await call(http, "GET", "/health/ready")).status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.2)  # noqa: ASYNC251 (a short poll in a test)
        r = await login(http, actors.patient.person.nir, "patient",
                        actors.patient.passphrase_key)
        assert r.status_code == 200, r.text
        r = await write_item(http, actors)
        assert r.status_code == 201, r.text
    log = running.log_path.read_text(errors="replace")
    assert "unhandled" not in log, log[-3000:]

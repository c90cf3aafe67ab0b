"""A read-only SQLite database under a running server (issue 9, item 5): every request that
must write answers 503 ``storage_unavailable`` with a JSON body and ``Retry-After``, never
401 "already used" nor 500, and service resumes once the file is writable again.

Running as root, ``chmod`` stops nothing; the immutable attribute does (``chattr +i`` on the
database and its ``-wal`` file, on ext4 even for descriptors already open): a write then
fails with ``SQLITE_IOERR_WRITE`` or ``SQLITE_READONLY``. (The ``-shm`` file, the WAL index
that SQLite maps into memory, stays writable: a write to a mapped immutable file is a SIGBUS
that kills the server, which is not what a read-only disk does.) Where ``chattr`` is
missing or refused (not root, tmpfs, overlayfs), the test is skipped and says why. The locked
SQLite file and the refused PostgreSQL connection are ``test_outage.py``.

Reads still work on a read-only file, and ``/health/ready`` (a read) stays 200: readiness
means "the database answers", and it does.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from consent import request as signed_request
from tests.web.server.routes.api_support import encode
from tests.web.server.test_outage import (
    Actors,
    Running,
    assert_unavailable,
    call,
    login,
    server_process,
    set_up,
    write_item,
)
from vault.storage import migrate
from web import schemas


def _chattr(flag: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, text=True,
                          check=False)


def _immutable_works(probe: Path) -> str | None:
    """None if ``chattr +i`` stops a write here, else why not."""
    if shutil.which("chattr") is None:
        return "chattr is not installed"
    probe.write_bytes(b"x")
    done = _chattr("+i", probe)
    if done.returncode != 0:
        return f"chattr +i is refused here: {done.stderr.strip()}"
    try:
        with probe.open("ab") as f:
            f.write(b"y")
    except OSError:
        return None
    finally:
        _chattr("-i", probe)
    return "an immutable file is still writable here"


@contextlib.contextmanager
def read_only(db: Path) -> Iterator[None]:
    files = [p for p in (db, db.with_name(db.name + "-wal")) if p.exists()]
    done = _chattr("+i", *files)
    assert done.returncode == 0, done.stderr
    try:
        yield
    finally:
        _chattr("-i", *files)


async def signed_scan(http: httpx.AsyncClient, actors: Actors) -> httpx.Response:
    """A scan signed by the professional: it gets as far as the nonce (a write), where an
    unsigned one is refused before touching the database."""
    body = encode(schemas.ScanRequest(token="C1:" + "A" * 40))
    nonce, at = secrets.token_bytes(16), int(time.time())
    signature = signed_request.sign_request("POST", "/consent/scan", body, nonce, at,
                                            actors.pro_key)
    return await http.post("/consent/scan", content=body, headers={
        "authorization": f"Bearer {actors.pro_session}", "content-type": "application/json",
        "x-carnet-nonce": nonce.hex(), "x-carnet-time": str(at),
        "x-carnet-signature": base64.b64encode(signature).decode()})


async def test_a_read_only_sqlite_file_is_a_503_and_service_resumes(tmp_path: Path) -> None:
    why = _immutable_works(tmp_path / "probe")
    if why is not None:
        pytest.skip(f"cannot make a file read-only for root: {why}")
    db = tmp_path / "carnet.sqlite"
    url = f"sqlite:///{db}"
    await migrate(url)
    running: Running
    with server_process("sqlite", url, tmp_path / "data") as running:
        async with httpx.AsyncClient(base_url=running.url, timeout=60) as http:
            actors = await set_up(http, running)
            with read_only(db):
                ready = await call(http, "GET", "/health/ready")
                assert ready.status_code == 200, ready.text  # it answers (reads work)
                assert_unavailable(await login(http, actors.patient.person.nir, "patient",
                                               actors.patient.passphrase_key))
                assert_unavailable(await signed_scan(http, actors))
                assert_unavailable(await write_item(http, actors))
            deadline = time.monotonic() + 30
            while True:
                r = await login(http, actors.patient.person.nir, "patient",
                                actors.patient.passphrase_key)
                if r.status_code != 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)  # noqa: ASYNC251 (a short poll in a test)
            assert r.status_code == 200, r.text
            r = await write_item(http, actors)
            assert r.status_code == 201, r.text
    log = running.log_path.read_text(errors="replace")
    assert "unhandled" not in log, log[-3000:]

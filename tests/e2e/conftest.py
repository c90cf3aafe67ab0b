"""Real server processes for end-to-end tests: SQLite and PostgreSQL, an SMTP server on
loopback, and a recording proxy that keeps every byte a client sent to the server.

``server`` is parametrized over both engines (module scope: one server per engine per
module). The CLI is driven as a user would: ``python -m web.cli`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.support import wait_healthy
from vault.storage import migrate
from web.server.provision import provision, provision_dev_keys

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- SMTP
class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Smtp:
    port: int
    handler: _Collect

    def wait_for(self, to: str, contains: str = "", timeout: float = 20) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.handler.lock:
                for m in self.handler.messages:
                    if to in str(m["To"]) and contains in body_of(m):
                        return m
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {to} containing {contains!r}")

    def all_to(self, to: str) -> list[Message]:
        with self.handler.lock:
            return [m for m in self.handler.messages if to in str(m["To"])]


def body_of(message: Message) -> str:
    if message.is_multipart():
        return "".join(body_of(p) for p in message.get_payload())  # type: ignore[arg-type]
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def activation_code(message: Message) -> str:
    found = re.search(r"\b([0-9A-Z]{5}-[0-9A-Z]{5})\b", body_of(message))
    assert found, "no activation code in the e-mail"
    return found.group(1)


@pytest.fixture(scope="session")
def smtp() -> Iterator[Smtp]:
    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(port, handler)
    finally:
        controller.stop()


# ----------------------------------------------------------------------------- proxy
class RecordingProxy:
    """A TCP forwarder on loopback that keeps every byte sent towards the server."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.sent = bytearray()
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False),
                             daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if record:
                    with self._lock:
                        self.sent += data
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def captured(self) -> bytes:
        with self._lock:
            return bytes(self.sent)

    def close(self) -> None:
        self._stop = True
        self._sock.close()


# ----------------------------------------------------------------------------- server
@dataclass
class Server:
    engine: str
    url: str
    direct_url: str
    data_dir: Path
    database_url: str
    log_path: Path
    operator_token_file: Path
    proxy: RecordingProxy
    process: subprocess.Popen[bytes]
    homes: Path = field(default_factory=Path)
    dev_keys: Path = field(default_factory=Path)  # the operator's and emergency service's

    def log(self) -> bytes:
        return self.log_path.read_bytes()

    def cli(self, *args: str, home: str = "default", env: dict[str, str] | None = None,
            check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``carnet --server <proxy> --home <home> --json ARGS`` as a subprocess."""
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
        full_env.update(env or {})
        cmd = [sys.executable, "-m", "web.cli", "--server", self.url, "--home",
               str(self.homes / home), "--json", *args]
        done = subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"carnet {' '.join(args)} exited {done.returncode}: "
                                 f"{done.stderr.strip()}")
        return done

    def cli_json(self, *args: str, **kw: Any) -> Any:
        return json.loads(self.cli(*args, **kw).stdout)

    def operator(self, *args: str) -> Any:
        return self.cli_json("operator", "--operator-token-file", str(self.operator_token_file),
                             "--authority-key-file", str(self.dev_keys / "authority.key"),
                             *args)

    def authority(self) -> nacl.signing.SigningKey:
        """The directory authority key (the operator's, outside the server's data dir)."""
        return nacl.signing.SigningKey(
            bytes.fromhex((self.dev_keys / "authority.key").read_text().strip()))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.db)])
async def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 smtp: Smtp) -> Any:
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{data_dir / 'carnet.sqlite'}"
    else:
        database_url = await create_postgres_database()
    try:
        await migrate(database_url)
        port = free_port()
        token_file = data_dir / "operator.token"
        token_file.write_text(secrets.token_urlsafe(24))
        provision(data_dir)  # the other key files, as `carnet-server init` would
        dev_keys = tmp_path_factory.mktemp(f"dev-keys-{request.param}")
        provision_dev_keys(dev_keys)  # the operator's and emergency service's, off the server
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
        env.update(CARNET_DATABASE_URL=database_url, CARNET_DATA_DIR=str(data_dir),
                   CARNET_SMTP_HOST="127.0.0.1", CARNET_SMTP_PORT=str(smtp.port),
                   CARNET_SECRET_KEY=secrets.token_urlsafe(32),
                   CARNET_DEV_KEYS_DIR=str(dev_keys))
        log_path = data_dir / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: ASYNC220 (starts a server, does not wait)
                [sys.executable, "-m", "web.server", "serve", "--port", str(port)],
                cwd=REPO, env=env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        direct = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(direct, process, log_path)
            proxy = RecordingProxy(port)
            homes = data_dir / "homes"
            homes.mkdir()
            yield Server(engine=request.param, url=f"http://127.0.0.1:{proxy.port}",
                         direct_url=direct, data_dir=data_dir, database_url=database_url,
                         log_path=log_path, operator_token_file=token_file, proxy=proxy,
                         process=process, homes=homes, dev_keys=dev_keys)
            proxy.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        if request.param == "postgres":
            await drop_postgres_database(database_url)


def engine_independent(server: Server, why: str) -> None:
    """Run a test on SQLite only: what it checks happens in the client (the PostgreSQL run of
    the same server code is covered by the engine-dependent tests). ``why`` is the reason."""
    if server.engine != "sqlite":
        pytest.skip(f"engine-independent ({why}): run on SQLite")

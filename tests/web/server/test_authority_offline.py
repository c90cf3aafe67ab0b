"""Issue 8, item 11: no operator-side secret on the server that defeats the model (P3, P7).

The attack: the server used to write ``authority.key`` and ``emergency.key`` into its own data
dir. Whoever holds the server (its process, its files, its backups) could then countersign a
directory entry carrying keys of their own (swap a professional, which every client accepts)
and open every break-glass package. Against that code, the scan and the forgery below succeed
(the data dir yields the authority's seed); after the fix the data dir holds neither private
key, and a countersignature made with any key the server has is refused by the client.

Each deployment is started like ``scripts/serve`` from a fresh directory (``init``,
``migrate``, ``serve``) on SQLite and PostgreSQL, in the default development mode (keys in a
``dev-keys`` folder beside the data dir, and a warning on start) and in production mode (the
authority key made by ``carnet operator init-authority`` in the operator's own home, the
emergency key by ``carnet emergency init-service`` in the service's; the server given only
the public keys). The control: approval with the operator's key works end to end.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import nacl.public
import nacl.signing
import pytest

from consent import directory
from consent.errors import UntrustedEntry
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.support import wait_healthy
from web.client import home as local_home
from web.client.api import Api, ApiError
from web.client.directory import approve, authority_key, entry_of, trusted_entry
from web.client.emergency import service_key
from web.client.professional import ProfessionalIdentity

REPO: Final = Path(__file__).resolve().parents[3]
PASSPHRASE: Final = "operator offline passphrase"
DEV_WARNING: Final = "development authority in dev-keys: not for production"
KEY_CANDIDATE_MAX: Final = 4096  # bytes: larger files (databases, e-mails) are only scanned


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


def carnet(cwd: Path, url: str, home: Path, *args: str, **env: str) -> Any:
    """``carnet --json`` as the operator or the emergency service would run it."""
    done = run(["-m", "web.cli", "--server", url, "--home", str(home), "--json", *args], cwd,
               clean_env(CARNET_PASSPHRASE=PASSPHRASE, **env))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


# ------------------------------------------------------------------------------ deployments
@dataclass
class Deployment:
    engine: str
    mode: str
    root: Path  # the fresh directory the server was started from (its working directory)
    url: str
    database_url: str
    log: Path
    operator_home: Path  # production: the operator's own home (authority.carnet)
    service_home: Path  # production: the emergency service's own home (emergency.carnet)

    @property
    def data_dir(self) -> Path:
        return self.root / "var"

    def private_keys(self) -> dict[str, bytes]:
        """The directory authority's and the emergency service's private keys, wherever
        their holder keeps them (read here only to look for them on the server)."""
        if self.mode == "development":
            dev = self.root / "dev-keys"
            return {n: bytes.fromhex((dev / f"{n}.key").read_text()) for n in
                    ("authority", "emergency")}
        authority = local_home.load(self.operator_home, "authority", PASSPHRASE).sign_seed
        service = local_home.load(self.service_home, "emergency", PASSPHRASE).box_secret
        assert authority is not None and service is not None
        return {"authority": authority, "emergency": service}

    def operator(self, *args: str) -> Any:
        """``carnet operator ...`` with the operator token and the operator's authority key:
        the home's in production, the development folder's in development."""
        token = ("--operator-token-file", str(self.data_dir / "operator.token"))
        env = {"CARNET_DEV_KEYS_DIR": str(self.root / "dev-keys")} \
            if self.mode == "development" else {}
        return carnet(self.root, self.url, self.operator_home, "operator", *token, *args,
                      **env)


@contextlib.contextmanager
def serving(root: Path, env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """``scripts/serve``'s three steps in ``root``; yields (url, log of the server)."""
    for step in ("init", "migrate"):
        done = run(["-m", "web.server", step], root, env)
        assert done.returncode == 0, done.stderr
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "web.server", "serve", "--port",
                                    str(port)], cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module", params=[
    ("sqlite", "development"), ("sqlite", "production"),
    pytest.param(("postgres", "development"), marks=pytest.mark.db),
    pytest.param(("postgres", "production"), marks=pytest.mark.db),
], ids=lambda p: "-".join(p))
async def deployment(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    engine, mode = request.param
    root = tmp_path_factory.mktemp(f"clone-{engine}-{mode}")
    homes = tmp_path_factory.mktemp(f"homes-{engine}-{mode}")  # elsewhere than the server
    operator_home, service_home = homes / "operator", homes / "samu"
    database_url = (await create_postgres_database() if engine == "postgres"
                    else f"sqlite:///{root / 'var' / 'carnet.sqlite'}")
    env = clean_env() if engine == "sqlite" else clean_env(CARNET_DATABASE_URL=database_url)
    try:
        if mode == "production":
            made = carnet(homes, "http://unused.test", operator_home, "operator",
                          "init-authority")
            service = carnet(homes, "http://unused.test", service_home, "emergency",
                             "init-service")
            env.update(CARNET_MODE="production",
                       CARNET_AUTHORITY_PUBLIC=made["authority_public"],
                       CARNET_EMERGENCY_PUBLIC=service["emergency_public"])
        with serving(root, env) as (url, log):
            yield Deployment(engine, mode, root, url, database_url, log, operator_home,
                             service_home)
    finally:
        if engine == "postgres":
            await drop_postgres_database(database_url)


async def sql(d: Deployment, statement: str, *args: Any) -> None:
    """Raw SQL against the deployment's database: the attacker who holds the server."""
    if d.engine == "sqlite":
        conn = sqlite3.connect(d.database_url[len("sqlite:///"):], timeout=10)
        try:
            conn.execute(statement.replace("$1", "?").replace("$2", "?").replace("$3", "?")
                         .replace("$4", "?"), args)
            conn.commit()
        finally:
            conn.close()
        return
    import asyncpg

    conn = await asyncpg.connect(dsn=d.database_url)
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


# ------------------------------------------------------------------------------ what the server has
def files_under(folder: Path) -> list[Path]:
    """Every file the server process can read under ``folder``."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and os.access(p, os.R_OK))


def key_candidates(blob: bytes) -> list[bytes]:
    """Every 32-byte key one could make of a small file's content: itself, its hex or
    base64 decoding, and their SHA-256 (how a server might derive a key from a secret)."""
    text = blob.strip()
    decoded = [blob, text]
    with contextlib.suppress(ValueError):
        decoded.append(bytes.fromhex(text.decode("ascii")))
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        with contextlib.suppress(ValueError, binascii.Error):
            decoded.append(decode(text + b"=" * (-len(text) % 4)))
    found = [d for d in decoded if len(d) == 32] + [hashlib.sha256(d).digest() for d in decoded]
    return list(dict.fromkeys(found))


def server_keys(d: Deployment) -> list[bytes]:
    return [c for path in files_under(d.data_dir) if path.stat().st_size <= KEY_CANDIDATE_MAX
            for c in key_candidates(path.read_bytes())]


async def register(d: Deployment, ps_id: str) -> ProfessionalIdentity:
    pro = ProfessionalIdentity.new(ps_id)
    async with Api(d.url) as api:
        await pro.register(api, name="Pharmacie du Quai", profession="pharmacien",
                           city="Nantes")
    return pro


def new_ps_id() -> str:
    return "8" + "".join(secrets.choice("0123456789") for _ in range(11))


async def pinned(d: Deployment) -> bytes:
    """The authority key a client pins on first use (here: from the server itself)."""
    async with Api(d.url) as api:
        return await authority_key(api)


# ------------------------------------------------------------------------------ tests
async def test_the_server_starts_from_a_fresh_dir_and_says_when_its_keys_are_for_development(
        deployment: Deployment) -> None:
    log = deployment.log.read_text()
    if deployment.mode == "development":
        assert log.count(DEV_WARNING) == 1, log
        public = (deployment.root / "dev-keys" / "authority.pub").read_text()
    else:
        assert "development authority" not in log
        assert not (deployment.root / "dev-keys").exists()
        public = nacl.signing.SigningKey(deployment.private_keys()["authority"]) \
            .verify_key.encode().hex()
    assert (await pinned(deployment)).hex() == public


async def test_approval_with_the_operators_key_works_end_to_end(deployment: Deployment) -> None:
    ps_id = new_ps_id()
    await register(deployment, ps_id)
    approved = deployment.operator("approve", ps_id, "--role", "pharmacist")
    assert approved["status"] == "approved" and approved["roles"] == ["pharmacist"]
    async with Api(deployment.url) as api:
        body = await trusted_entry(api, ps_id, await pinned(deployment))  # the client accepts
    assert body.roles == ["pharmacist"]


async def test_a_countersignature_forged_with_any_key_the_server_has_is_refused(
        deployment: Deployment) -> None:
    ps_id = new_ps_id()
    genuine = await register(deployment, ps_id)
    authority = await pinned(deployment)
    keys = server_keys(deployment)
    assert len(keys) >= 3 * 2  # secret.key, operator.token, audit.key at least
    impostor = ProfessionalIdentity.new(ps_id)  # the keys the server would slip in
    swapped = directory.Entry(ps_id=ps_id, name="Pharmacie du Quai", profession="pharmacien",
                              specialty="", city="Nantes", roles=("pharmacist",),
                              sign_public=impostor.signing_key.verify_key.encode(),
                              box_public=impostor.box_key.public_key.encode())
    for seed in keys:  # the attack: today's data dir held the authority's seed
        forged = directory.countersign(swapped, nacl.signing.SigningKey(seed))
        with pytest.raises(UntrustedEntry):
            directory.verify(swapped, forged, authority)
    # And as a client meets it: the approved row swapped in the database by its holder.
    deployment.operator("approve", ps_id, "--role", "pharmacist")
    async with Api(deployment.url) as api:
        body = await trusted_entry(api, ps_id, authority)
        assert body.sign_public == genuine.signing_key.verify_key.encode()
        assert entry_of(body) == dataclasses.replace(
            swapped, sign_public=body.sign_public, box_public=body.box_public)
        for seed in keys[:4]:
            forged = directory.countersign(swapped, nacl.signing.SigningKey(seed))
            await sql(deployment, "UPDATE carnet_professional SET sign_public = $1, "
                      "box_public = $2, countersignature = $3 WHERE ps_id = $4",
                      swapped.sign_public, swapped.box_public, forged, ps_id)
            with pytest.raises(UntrustedEntry):
                await trusted_entry(api, ps_id, authority)


async def test_the_server_refuses_an_approval_signed_with_its_own_keys(
        deployment: Deployment) -> None:
    ps_id = new_ps_id()
    await register(deployment, ps_id)
    token = (deployment.data_dir / "operator.token").read_text().strip()
    async with Api(deployment.url, session=token) as operator:
        for seed in server_keys(deployment)[:8]:
            with pytest.raises(ApiError):
                await approve(operator, ps_id, ["pharmacist"], nacl.signing.SigningKey(seed))


async def test_no_authority_or_emergency_private_key_under_the_data_dir(
        deployment: Deployment) -> None:
    # Run last in this module: the flows above have filled the database and the outboxes.
    authority = await pinned(deployment)
    async with Api(deployment.url) as api:
        emergency = await service_key(api)
    files = files_under(deployment.data_dir)
    names = {p.name for p in files}
    assert {"secret.key", "operator.token", "audit.key"} <= names
    for path in files:  # no file the server can read opens as either private key
        blob = path.read_bytes()
        if len(blob) <= KEY_CANDIDATE_MAX:
            for seed in key_candidates(blob):
                assert nacl.signing.SigningKey(seed).verify_key.encode() != authority, path
                assert nacl.public.PrivateKey(seed).public_key.encode() != emergency, path
    assert not names & {"authority.key", "emergency.key"}
    private = deployment.private_keys()  # from their holders: in no form on the server
    assert nacl.signing.SigningKey(private["authority"]).verify_key.encode() == authority
    assert nacl.public.PrivateKey(private["emergency"]).public_key.encode() == emergency
    for path in files:
        blob = path.read_bytes()
        for raw in private.values():
            for form in (raw, raw.hex().encode(), raw.hex().upper().encode(),
                         base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"=")):
                assert form not in blob, path


# ------------------------------------------------------------------------------ production start
def test_production_refuses_to_start_without_the_public_keys_in_one_line(tmp_path: Path) -> None:
    env = clean_env(CARNET_MODE="production")
    assert run(["-m", "web.server", "init"], tmp_path, env).returncode == 0
    done = run(["-m", "web.server", "serve", "--port", str(free_port())], tmp_path, env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(
        "carnet-server: CARNET_MODE=production needs CARNET_AUTHORITY_PUBLIC")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]  # no dev-keys made
    # A private key an older version left in the data dir stops it too, in any mode.
    (tmp_path / "var" / "authority.key").write_text(secrets.token_hex(32))
    env.update(CARNET_AUTHORITY_PUBLIC="ab" * 32, CARNET_EMERGENCY_PUBLIC="cd" * 32)
    done = run(["-m", "web.server", "serve", "--port", str(free_port())], tmp_path, env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "is a private key the server must not hold" in done.stderr

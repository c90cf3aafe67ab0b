"""``serve --workers 2`` on SQLite: a replayed signed request is refused and an attempt limit
holds whichever worker takes the request (the nonces are in the database, the rate limits'
counts in Redis). Every request goes on a new connection, and each answer names the worker
that served it (``X-Carnet-Worker``, development mode only), so the test sees both workers
serve.

Redis is ``CARNET_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); the server's keys
live under a prefix of their own, deleted afterwards. Without Redis the two-worker tests
skip, unless ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier

import httpx
import msgspec
import nacl.signing
import pytest
from redis import Redis
from redis.exceptions import RedisError

from consent import deposit as deposit_format
from consent import request as signed_request
from tests.e2e.conftest import REPO, free_port
from tests.support import wait_healthy
from vault.dossier import Dossier
from vault.storage import migrate
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import verified_history
from web.client.directory import approve
from web.nir import nir_key
from web.server.provision import provision, provision_dev_keys
from web.server.services.auth import Limits

REDIS_URL = os.environ.get("CARNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER = "x-carnet-worker"
LOGIN_LIMIT = Limits().per_login  # failed logins per login and minute
LOGIN_WINDOW = Limits().window


@dataclass
class Workers:
    url: str
    data_dir: Path
    env: dict[str, str]
    operator_token: str
    authority: nacl.signing.SigningKey
    process: subprocess.Popen[bytes]


def redis_or_skip() -> None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        message = f"Redis unavailable at {REDIS_URL}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        client.close()


def drop_prefix(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        names = list(client.scan_iter(match=prefix + "*", count=500))
        if names:
            client.delete(*names)
    finally:
        client.close()


def server_env(data_dir: Path, dev_keys: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=f"sqlite:///{data_dir / 'carnet.sqlite'}",
               CARNET_DATA_DIR=str(data_dir), CARNET_DEV_KEYS_DIR=str(dev_keys),
               CARNET_SECRET_KEY=secrets.token_urlsafe(32), **extra)
    return env


def provisioned(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, Path]:
    """A data dir with its key files and a migrated SQLite database, and the dev keys."""
    data_dir = tmp_path_factory.mktemp(name)
    provision(data_dir)  # as `carnet-server init` would
    dev_keys = tmp_path_factory.mktemp(f"{name}-dev-keys")
    provision_dev_keys(dev_keys)
    asyncio.run(migrate(f"sqlite:///{data_dir / 'carnet.sqlite'}"))
    return data_dir, dev_keys


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    redis_or_skip()
    data_dir, dev_keys = provisioned(tmp_path_factory, "workers")
    prefix = f"carnet:test:{secrets.token_hex(6)}:"  # pytest-xdist runs never share counts
    env = server_env(data_dir, dev_keys, CARNET_REDIS_URL=REDIS_URL, CARNET_REDIS_PREFIX=prefix)
    port = free_port()
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port), "--workers", "2"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log_path)
        wait_for_both_workers(url)
        authority = bytes.fromhex((dev_keys / "authority.key").read_text().strip())
        yield Workers(url, data_dir, env, (data_dir / "operator.token").read_text().strip(),
                      nacl.signing.SigningKey(authority), process)
    finally:
        process.terminate()  # the parent stops its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drop_prefix(prefix)


def wait_for_both_workers(url: str, timeout: float = 60) -> None:
    """Return once two worker pids have answered (a worker may finish starting later)."""
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while time.monotonic() < deadline and len(seen) < 2:
        seen.add(fresh("GET", f"{url}/health").headers[WORKER])
    assert len(seen) == 2, f"only worker(s) {seen} answered"


def fresh(method: str, url: str, **kw: object) -> httpx.Response:
    """One request on a connection of its own (so the kernel may hand it to either worker)."""
    with httpx.Client(timeout=30) as client:
        return client.request(method, url, **kw)  # type: ignore[arg-type]


def random_nir() -> str:
    body = f"1850675{secrets.randbelow(10**6):06d}"
    return body + nir_key(body)


# ------------------------------------------------------------------------------ replay
@dataclass
class SignedDeposit:
    headers: dict[str, str]
    content: bytes


async def _professional(w: Workers, roles: list[str]) -> tuple[ProfessionalIdentity, str]:
    """A registered, approved, signed-in professional and its session."""
    ps_id = f"8{secrets.randbelow(10**11):011d}"
    pro = ProfessionalIdentity.new(ps_id)
    async with Api(w.url) as api:
        await pro.register(api, name="Dr Jeanne Worker", profession="pharmacien")
    async with Api(w.url, session=w.operator_token) as operator:
        await approve(operator, ps_id, roles, w.authority)
    async with Api(w.url) as api:
        session = (await pro.login(api)).session
    return pro, session


async def _recipient(w: Workers, session: str, nir: str) -> schemas.RecipientBody:
    async with Api(w.url, session=session) as api:
        return await api.send("POST", "/deposits/recipient", schemas.RecipientRequest(nir=nir),
                              schemas.RecipientBody)


async def _decoy_target(w: Workers) -> tuple[ProfessionalIdentity, str, schemas.RecipientBody]:
    """A professional and a deposit target without a dossier (the server answers with a
    decoy and drops what is deposited there, after the same checks)."""
    pro, session = await _professional(w, [])
    return pro, session, await _recipient(w, session, random_nir())


def signed_deposit(pro: ProfessionalIdentity, session: str,
                   where: schemas.RecipientBody) -> SignedDeposit:
    """One deposit request, signed once (nonce, time, signature), to send as is."""
    sealed = deposit_format.seal(b"fictitious item", where.box_public, secrets.token_bytes)
    deposit_id = secrets.token_hex(16)
    content = msgspec.json.encode(schemas.DepositUpload(
        dossier_id=where.dossier_id, deposit_id=deposit_id, sealed=sealed,
        signature=deposit_format.sign(where.dossier_id, deposit_id, sealed, pro.signing_key)))
    nonce, now = secrets.token_bytes(16), int(time.time())
    signature = signed_request.sign_request("POST", "/deposits", content, nonce, now,
                                            pro.signing_key)
    return SignedDeposit({"content-type": "application/json",
                          "authorization": f"Bearer {session}",
                          "x-carnet-nonce": nonce.hex(), "x-carnet-time": str(now),
                          "x-carnet-signature": base64.b64encode(signature).decode()}, content)


def send(w: Workers, request: SignedDeposit, barrier: Barrier | None = None) -> httpx.Response:
    if barrier is not None:
        barrier.wait()
    return fresh("POST", f"{w.url}/deposits", headers=request.headers, content=request.content)


def test_a_replayed_signed_request_is_refused_by_every_worker(workers: Workers) -> None:
    pro, session, where = asyncio.run(_decoy_target(workers))
    accepted_by: list[str] = []
    refused_by: list[str] = []
    crossed = 0  # replays refused by a worker other than the one that accepted the original
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(6):  # the deposit route allows 60 requests a minute per professional
            request = signed_deposit(pro, session, where)
            # The same bytes twice at once, then twice more: one is accepted, ever.
            barrier = Barrier(2)
            pair = [pool.submit(send, workers, request, barrier) for _ in range(2)]
            answers = [f.result() for f in pair]
            answers += [send(workers, request) for _ in range(2)]
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [201, 401, 401, 401], [a.text for a in answers]
            accepted = next(a.headers[WORKER] for a in answers if a.status_code == 201)
            accepted_by.append(accepted)
            for answer in answers:
                if answer.status_code == 401:
                    assert "replayed nonce" in answer.json()["detail"]
                    refused_by.append(answer.headers[WORKER])
            crossed += sum(a.headers[WORKER] != accepted for a in answers
                           if a.status_code == 401)
            if crossed >= 2 and len(set(accepted_by) | set(refused_by)) == 2:
                break
    assert len(set(accepted_by) | set(refused_by)) == 2, "one worker served every request"
    assert crossed >= 1, "no replay reached the other worker"


# ------------------------------------------------------------------------------ history
async def _patient(w: Workers) -> tuple[str, Dossier, Api]:
    """A patient activated at a pharmacy: NIR, unlocked dossier, and the patient's Api."""
    nir = random_nir()
    async with Api(w.url, session=w.operator_token) as operator:
        await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
            csv=f"nir,last_name,first_name,birth_date,address,email\n{nir},Martin,Zoé,"
                f"1985-06-01,2 rue Neuve,zoe.{nir}@example.org\n"), schemas.RegistryLoadResult)
    pharmacist, session = await _professional(w, ["pharmacist"])
    async with Api(w.url, session=session) as api:
        code = await pharmacist.start_activation(api, nir, "1985-06-01")
    patient_api = Api(w.url)
    dossier, _ = await activate(patient_api, nir, code.code, "zoé passphrase of workers",
                                clock=lambda: int(time.time()))
    return nir, dossier, patient_api


async def _history_story(w: Workers) -> None:
    nir, dossier, patient_api = await _patient(w)
    pro, session = await _professional(w, [])
    where = await _recipient(w, session, nir)
    assert where.dossier_id == dossier.dossier_id
    n = 16  # appends to one dossier's chain at once, from both workers
    barrier = Barrier(8)  # the first eight leave together
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = await asyncio.gather(*(
            loop.run_in_executor(pool, send, w, signed_deposit(pro, session, where),
                                 barrier if i < 8 else None) for i in range(n)))
    assert [a.status_code for a in answers] == [201] * n, [a.text for a in answers]
    assert len({a.headers[WORKER] for a in answers}) == 2, "one worker served every deposit"
    # The chain verifies (each event links to the one before it) and holds every append.
    try:
        events, _, _ = await verified_history(dossier, patient_api, server_public=None,
                                              last_seen=None)
    finally:
        await patient_api.aclose()
    deposited = [e for e in events if e.kind == "item_deposited"]
    assert len(deposited) == n
    assert all(e.actor == f"ps:{pro.ps_id}" for e in deposited)


def test_history_appends_from_both_workers_make_one_chain(workers: Workers) -> None:
    asyncio.run(_history_story(workers))


# ------------------------------------------------------------------------------ limits
def _login_attempt(w: Workers, nir: str) -> httpx.Response:
    """One failed login for ``nir``: a fresh challenge, then a signature that cannot check."""
    got = fresh("POST", f"{w.url}/auth/challenge", json={"login": nir, "kind": "patient"})
    assert got.status_code == 200, got.text
    return fresh("POST", f"{w.url}/auth/login", json={
        "challenge": got.json()["challenge"],
        "signature": base64.b64encode(secrets.token_bytes(64)).decode()})


def _attempts(w: Workers, nir: str, n: int) -> list[tuple[int, str]]:
    return [(r.status_code, r.headers[WORKER]) for r in
            (_login_attempt(w, nir) for _ in range(n))]


def test_the_login_attempt_limit_holds_across_workers(workers: Workers) -> None:
    extra = 14  # attempts past the limit, so that both workers refuse some
    for _ in range(3):  # the limit counts per fixed minute: start again if one ended meanwhile
        started = math.floor(time.time() / LOGIN_WINDOW)
        answers = _attempts(workers, random_nir(), LOGIN_LIMIT + extra)
        if math.floor(time.time() / LOGIN_WINDOW) == started:
            break
    else:
        pytest.fail("every try straddled a minute")
    statuses = [s for s, _ in answers]
    assert statuses == [401] * LOGIN_LIMIT + [429] * extra
    served = Counter(pid for _, pid in answers)
    assert len(served) == 2, f"one worker served every attempt: {served}"
    # Per-process counts would have let a worker answer 401 until it had itself seen the
    # limit: a worker refused although it had counted at most the limit itself.
    own: Counter[str] = Counter()
    refused_early = False
    for status, pid in answers:
        own[pid] += 1
        refused_early |= status == 429 and own[pid] <= LOGIN_LIMIT
    assert refused_early, answers


# ------------------------------------------------------------------------------ no Redis
def test_several_workers_without_redis_refuse_to_start(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir, dev_keys = provisioned(tmp_path_factory, "workers-no-redis")
    password = secrets.token_hex(8)
    env = server_env(data_dir, dev_keys,  # nothing listens on port 1
                     CARNET_REDIS_URL=f"redis://:{password}@127.0.0.1:1/0")
    done = subprocess.run([sys.executable, "-m", "web.server", "serve", "--port",
                           str(free_port()), "--workers", "2"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          check=False)
    assert done.returncode == 2, done.stderr
    assert "--workers 2 needs Redis" in done.stderr
    assert "redis://:***@127.0.0.1:1/0" in done.stderr
    assert password not in done.stderr + done.stdout
    assert "Uvicorn running" not in done.stderr + done.stdout


def test_only_a_development_server_names_its_workers(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from litestar import Litestar

    from web.server.__main__ import worker_app

    data_dir, dev_keys = provisioned(tmp_path_factory, "workers-modes")
    env = server_env(data_dir, dev_keys, CARNET_REDIS_URL=REDIS_URL)
    for name in [k for k in os.environ if k.startswith("CARNET_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert not isinstance(worker_app(), Litestar)  # wrapped: answers name the worker
    monkeypatch.setenv("CARNET_MODE", "production")
    monkeypatch.setenv("CARNET_AUTHORITY_PUBLIC", (dev_keys / "authority.pub").read_text())
    monkeypatch.setenv("CARNET_EMERGENCY_PUBLIC", (dev_keys / "emergency.pub").read_text())
    assert isinstance(worker_app(), Litestar)  # as built: no worker header
    monkeypatch.delenv("CARNET_REDIS_URL")
    with pytest.raises(SystemExit, match="needs CARNET_REDIS_URL"):
        worker_app()

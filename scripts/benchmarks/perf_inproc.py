"""The in-process figures of ``scripts/bench perf`` (no load, so no load process): SQL
statements per scan, counted through the engine's own hook (``CarnetSQLiteEngine.on_statement``)
on the in-process app of the route tests (``tests/web/server/routes``: the real services on a
migrated SQLite file, driven through ``httpx.ASGITransport``); the token check (pure, and the
server's real ``ConsentService.admit`` on that database) next to raw Ed25519 verify and PyJWT;
sealing a 1 KiB item next to raw AEAD. Every figure is a list of interleaved repetitions."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import msgspec
import nacl.signing
import nacl.utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consent import token
from consent.errors import InvalidToken, TokenRevoked
from consent.request import sign_request
from scripts.benchmarks.scanfixture import SECTIONS
from vault import items
from vault.crypto import aead_encrypt
from vault.itembox import seal_item
from vault.keyring import KeyLookup
from vault.sections import Section
from vault.storage import migrate
from web import schemas
from web.client.consent import present
from web.server.services.consent import Presenter, SignedRequest

ADMITS = 30  # admit() calls per repetition
ROUNDS = 600  # rounds of the pure checks per repetition (one admit every ROUNDS // ADMITS)
GRANT_IDS = 10_000  # the pure check's revocation index (a dict)


@dataclass
class InProcess:
    statements: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    # checks/s per repetition: 1 / the median time of one check, the checks taking turns
    rates: dict[str, list[float]] = field(default_factory=dict)
    seal_ratio: list[float] = field(default_factory=list)

    def add(self, name: str, value: float) -> None:
        self.rates.setdefault(name, []).append(value)

    def ratio(self, a: str, b: str) -> list[float]:
        return [x / y for x, y in zip(self.rates[a], self.rates[b], strict=True)]


def _once(fn: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - start


def _kind(statement: str) -> str:
    words = statement.split()
    return words[0].upper() if words else "?"


async def _count_scan(app: Any, pro: Any, text: str) -> list[str]:
    """The statements one ``POST /consent/scan`` runs; the patient's e-mail, sent after the
    answer, held back and left out (as tests/web/server/routes/test_scan_statements.py)."""
    engine, notifier = app.services.engine, app.services.notifier
    held: list[Coroutine[Any, Any, None]] = []
    seen: list[str] = []
    engine.on_statement = seen.append
    notifier.background = held.append
    try:
        await present(pro.api, pro.identity, text, now=app.clock.now)
        await asyncio.sleep(0.01)
        during = list(seen)
    finally:
        engine.on_statement = None
        del notifier.background
    for work in held:
        await work
    return during


async def measure(tmp: Path, reps: int) -> InProcess:
    # Imported here: the route tests' harness (dev dependencies; pytest is one).
    from scripts.benchmarks.perf_world import _twenty_items
    from tests.web.server.routes.api_support import open_harness
    from tests.web.server.routes.grant_world import give, patient, professional

    out = InProcess()
    url = f"sqlite:///{tmp / 'inproc.sqlite'}"
    await migrate(url)
    async with open_harness("sqlite", url, tmp) as app:
        dossier, api = await patient(app)
        await _twenty_items(dossier)
        pro = await professional(app)
        issued = await give(app, dossier, api, pro, [s.value for s in SECTIONS])
        await app.services.notifier.drain()
        for _ in range(reps):
            seen = await _count_scan(app, pro, issued.text)
            out.statements.append(len(seen))
        for s in seen:
            out.kinds[_kind(s)] = out.kinds.get(_kind(s), 0) + 1

        presenter = Presenter.professional(await app.services.directory.acting(pro.ps_id))
        sign_public = (await app.services.store.dossier(dossier.dossier_id)).sign_public
        body = msgspec.json.encode(schemas.ScanRequest(token=issued.text))

        def signed() -> SignedRequest:
            nonce, at = secrets.token_bytes(16), app.clock.now
            return SignedRequest("POST", "/consent/scan", body, nonce, at, sign_request(
                "POST", "/consent/scan", body, nonce, at, pro.identity.signing_key))

        pure, raw, by_key, pyjwt = _checks(issued.text, sign_public, app.clock.now)
        for check in (pure, raw, by_key, pyjwt):
            check()
        await app.services.consent.admit(presenter, issued.text, signed())
        timed = {"pure": pure, "raw": raw, "raw_key_each": by_key, "pyjwt": pyjwt}
        for _ in range(reps):
            ns: dict[str, list[int]] = {name: [] for name in (*timed, "admit")}
            ready = [signed() for _ in range(ADMITS)]  # signed before the clock starts
            for r in range(ROUNDS):  # one of each, in turn: a slow spell hits every row
                for name, check in timed.items():
                    ns[name].append(_once(check))
                if r % (ROUNDS // ADMITS) == 0 and ready:
                    request = ready.pop()
                    start = time.perf_counter_ns()
                    await app.services.consent.admit(presenter, issued.text, request)
                    ns["admit"].append(time.perf_counter_ns() - start)
            for name, times in ns.items():
                out.add(name, 1e9 / statistics.median(times))
        await api.aclose()
        await pro.api.aclose()
    out.seal_ratio = _seal_ratios(reps)
    return out


def _checks(text: str, sign_public: bytes, now: int) -> tuple[Callable[[], object], ...]:
    """The pure token check (``scripts/bench consent``'s: parse, verify, time, a revocation
    lookup in a dict of 10,000 grant ids), raw pynacl verify of the token's signed bytes (key
    built once, and built per check), PyJWT EdDSA with a similar claim set + the same lookup."""
    data = token.from_text(text)
    grant_id = token.decode(data).claims.grant_id
    index: dict[bytes, int | None] = {secrets.token_bytes(16): None for _ in range(GRANT_IDS)}
    index[grant_id] = None

    def lookup(gid: bytes) -> None:
        if gid not in index:
            raise InvalidToken()
        if index[gid] is not None:
            raise TokenRevoked()

    def pure() -> None:
        tok = token.decode(token.from_text(text))
        tok.verify(sign_public)
        tok.check_time(now)
        lookup(tok.claims.grant_id)

    signer = nacl.signing.SigningKey.generate()
    message = data[:token.SIGNED_BYTES]
    signature = signer.sign(message).signature
    public = signer.verify_key.encode()
    verify_key = nacl.signing.VerifyKey(public)

    private = Ed25519PrivateKey.generate()
    jwt_public = private.public_key()
    payload = {"sections": [s.value for s in SECTIONS], "write": False, "gid": grant_id.hex(),
               "pat": secrets.token_hex(16), "rcp": secrets.token_hex(16),
               "iat": int(time.time()), "exp": int(time.time()) + 4 * 3600}
    jwt_text = jwt.encode(payload, private, algorithm="EdDSA")

    def pyjwt() -> None:
        got = jwt.decode(jwt_text, jwt_public, algorithms=["EdDSA"])
        lookup(bytes.fromhex(got["gid"]))

    return (pure, lambda: verify_key.verify(message, signature),
            lambda: nacl.signing.VerifyKey(public).verify(message, signature), pyjwt)


def _seal_ratios(reps: int, pairs: int = 2000) -> list[float]:
    """Seal a 1 KiB item (encode + seal, as ``scripts/bench vault``) over raw XChaCha20-
    Poly1305 of the same plaintext, interleaved operation by operation (seal, raw, seal,
    raw...); each repetition keeps the ratio of the two median times over ``pairs`` pairs."""
    key = KeyLookup(ref="cd" * 16, key=nacl.utils.random(32), section=Section.EXAM_RESULTS)
    draft = items.draft("exam_results", "lab_result", "Bilan", "2025-01-01",
                        {"text": "x" * 1024})
    plaintext = items.encode(draft, created_at=1)
    raw_key, nonce, ad = nacl.utils.random(32), nacl.utils.random(24), b"x" * 60

    def seal() -> object:
        return seal_item(items.encode(draft, created_at=1), dossier_id="ab" * 16,
                         item_id="ef" * 16, revision=1, created_at=1, wrapping=key,
                         section=Section.EXAM_RESULTS, rng=nacl.utils.random)

    def raw() -> object:
        return aead_encrypt(raw_key, plaintext, ad, nonce)

    seal(), raw()
    ratios = []
    for _ in range(reps):
        t_seal, t_raw = [], []
        for _ in range(pairs):  # one of each, alternately: a slow spell hits both
            t_seal.append(_once(seal))
            t_raw.append(_once(raw))
        ratios.append(statistics.median(t_seal) / statistics.median(t_raw))
    return ratios

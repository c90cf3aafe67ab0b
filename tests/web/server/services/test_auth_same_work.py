"""The login service does the same work for a NIR with a dossier and one without (P15, issue 8
item 7): the same storage calls in the same order and the same signature checks, so neither
``params`` nor ``login`` can be timed to learn who has a dossier. This is the deterministic
half of the check; ``tests/web/server/routes/test_oracles.py`` times the real answers.

Before the fix, ``params`` for an unknown NIR made one call (the account lookup) where a known
NIR made three (and two more queries inside each slot read); ``login`` verified no signature.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import nacl.signing
import pytest

from consent.request import login_message
from tests.support import Clock
from vault.crypto import MEMLIMIT_FLOOR, OPSLIMIT_FLOOR, verify_signature
from vault.records import DossierRecord, KeySlot
from vault.store import MemoryStore
from web.server.services import auth as auth_module
from web.server.services.auth import Auth
from web.server.services.errors import Unauthorized
from web.server.services.peppers import Peppers
from web.server.services.ratelimit import make_rate_limiter
from web.server.storage import MemoryServiceDb

SECRET = "s" * 32
KNOWN = "185057500100123"
UNKNOWN = "185057500100124"


class Recording:
    """Forwards every call to ``inner`` and records the method's name."""

    def __init__(self, inner: Any, calls: list[str]) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(name)
            return await method(*args, **kwargs)

        return recorded


async def _service(calls: list[str]) -> tuple[Auth, nacl.signing.SigningKey]:
    peppers = Peppers.from_secret(SECRET)
    db, store = MemoryServiceDb(), MemoryStore()
    key = nacl.signing.SigningKey.generate()
    dossier_id = secrets.token_hex(16)
    slots = [KeySlot(name=n, salt=secrets.token_bytes(16), opslimit=OPSLIMIT_FLOOR,
                     memlimit=MEMLIMIT_FLOOR, wrapped=secrets.token_bytes(72),
                     login_public=key.verify_key.encode()) for n in ("passphrase", "recovery")]
    await store.create(DossierRecord(dossier_id, 1, secrets.token_bytes(32),
                                     secrets.token_bytes(32)), slots, b"keyring")
    await db.create_account(peppers.login_hash("patient", KNOWN), dossier_id, 1)
    clock = Clock()
    service = Auth(Recording(db, calls), Recording(store, calls), SECRET,
                   peppers, make_rate_limiter(None, clock), clock, secrets.token_bytes)
    return service, key


async def test_params_make_the_same_calls_for_a_nir_without_a_dossier() -> None:
    calls: list[str] = []
    service, _ = await _service(calls)
    known = await service.params(KNOWN, "10.0.0.1")
    known_calls, calls[:] = list(calls), []
    unknown = await service.params(UNKNOWN, "10.0.0.1")
    assert calls == known_calls == ["dossier_for_login", "slot", "slot"]
    # control: the known NIR gets its slots' salts, the unknown one stable fake salts
    assert known.passphrase.salt != unknown.passphrase.salt
    assert (await service.params(UNKNOWN, "10.0.0.1")) == unknown


async def test_a_failed_login_makes_the_same_calls_and_checks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    service, key = await _service(calls)
    checked: list[bytes] = []
    real = verify_signature

    def counting(public: bytes, message: bytes, signature: bytes) -> bool:
        checked.append(public)
        return real(public, message, signature)

    monkeypatch.setattr(auth_module, "verify_signature", counting)
    seen: dict[str, tuple[list[str], int]] = {}
    for nir in (KNOWN, UNKNOWN):
        challenge = (await service.challenge(nir, "patient", "passphrase", "10.0.0.1")).challenge
        calls[:], checked[:] = [], []
        with pytest.raises(Unauthorized):
            await service.login(challenge, bytes(64), "10.0.0.1")
        seen[nir] = (list(calls), len(checked))
    assert seen[KNOWN] == seen[UNKNOWN], seen
    assert seen[KNOWN][1] == 1  # one signature check on either path
    # control: the right signature opens a session for the known NIR only
    challenge = (await service.challenge(KNOWN, "patient", "passphrase", "10.0.0.1")).challenge
    opened = await service.login(challenge, key.sign(login_message(challenge)).signature,
                                 "10.0.0.1")
    assert opened.kind == "patient" and opened.subject
    challenge = (await service.challenge(UNKNOWN, "patient", "passphrase", "10.0.0.1")).challenge
    with pytest.raises(Unauthorized):
        await service.login(challenge, key.sign(login_message(challenge)).signature, "10.0.0.1")

"""Session tokens whose signature checked once are remembered (issue 14: itsdangerous' check
was a twentieth of a loaded scan), and that changes no answer: a remembered token still
expires at the signature's age, a changed token is checked afresh, and the session row is
still read on every request (logout takes effect at once)."""

from __future__ import annotations

import contextlib
import secrets
import time

import pytest

from tests.support import Clock
from vault.store import MemoryStore
from web.server.services.auth import Auth
from web.server.services.errors import Unauthorized
from web.server.services.peppers import Peppers
from web.server.services.ratelimit import make_rate_limiter
from web.server.storage import MemoryServiceDb, Session

SECRET = "s" * 32
TTL = 100


async def _signed_in(monkeypatch: pytest.MonkeyPatch) -> tuple[Auth, MemoryServiceDb, str,
                                                                  list[float]]:
    now = [1_796_126_700.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    db, clock = MemoryServiceDb(), Clock()
    clock.now = int(now[0])
    service = Auth(db, MemoryStore(), SECRET, Peppers.from_secret(SECRET),
                   make_rate_limiter(None, clock), clock, secrets.token_bytes, session_ttl=TTL)
    sid = secrets.token_hex(16)
    await db.create_session(Session(sid=sid, kind="patient", subject="ab" * 16, roles=(),
                                    expires_at=int(now[0]) + 10 * TTL))
    token = str(service._sessions.dumps(sid))
    return service, db, token, now


async def test_a_remembered_token_still_expires_with_its_signature(
        monkeypatch: pytest.MonkeyPatch) -> None:
    service, _, token, now = await _signed_in(monkeypatch)
    for _ in range(3):  # checked, then remembered
        assert (await service.signed_in(token))[0].subject == "ab" * 16
    now[0] += TTL  # the last second it is valid
    assert (await service.signed_in(token))[0].subject == "ab" * 16
    now[0] += 1
    with pytest.raises(Unauthorized):
        await service.signed_in(token)
    now[0] -= TTL + 10  # a clock set back before the signature: refused, as itsdangerous does
    with pytest.raises(Unauthorized):
        await service.signed_in(token)


async def test_a_changed_token_is_checked_afresh_and_logout_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    service, db, token, _ = await _signed_in(monkeypatch)
    await service.signed_in(token)
    for i in (0, len(token) // 2, len(token) - 3):
        bad = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        with pytest.raises(Unauthorized):
            await service.signed_in(bad)
    sid = (await service.signed_in(token))[0].sid
    await db.delete_session(sid)
    with pytest.raises(Unauthorized):
        await service.signed_in(token)


async def test_padded_variants_of_one_token_are_not_remembered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """itsdangerous skips non-base64 characters in a signature, so ``token + "!!!!"`` still
    checks: each variant must not become an entry of the remembered tokens (a signed-in user
    could fill the server's memory), whatever it answers."""
    service, _, token, _ = await _signed_in(monkeypatch)
    await service.signed_in(token)
    assert len(service._verified) == 1
    for k in range(1, 200):
        with contextlib.suppress(Unauthorized):
            await service.signed_in(token + "!!!!" * k)
    assert list(service._verified) == [token]

"""Rate limiters: one contract run against memory and a real Redis.

Redis is ``CARNET_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); keys live under a
random prefix that is deleted afterwards. If Redis is unreachable the Redis cases are
skipped with the reason, unless ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from web.server.errors import status_of
from web.server.services.errors import RateLimited
from web.server.services.ratelimit import (
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    limiter_key,
    make_rate_limiter,
)

REDIS_URL = os.environ.get("CARNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PEPPER = bytes(range(32))


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def redis_or_skip() -> Redis:
    client: Redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        message = f"Redis unavailable at {REDIS_URL}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return client


async def drop_prefix(admin: Redis, prefix: str) -> None:
    """Delete the test's keys, then close the admin connection."""
    names = [n async for n in admin.scan_iter(match=prefix + "*")]
    if names:
        await admin.delete(*names)
    await admin.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest, clock: FakeClock
                  ) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter(clock)
        return
    admin = await redis_or_skip()
    prefix = f"carnet:test:{secrets.token_hex(6)}:"
    redis_limiter = RedisRateLimiter(REDIS_URL, prefix, clock=clock)
    try:
        yield redis_limiter
    finally:
        await redis_limiter.aclose()
        await drop_prefix(admin, prefix)


async def hit_n(limiter: RateLimiter, key: str, n: int, *, limit: int, window: int) -> None:
    for _ in range(n):
        await limiter.hit(key, limit=limit, window_seconds=window)


async def test_allows_limit_hits_then_refuses(limiter: RateLimiter, clock: FakeClock) -> None:
    clock.now = 60 * 20_000 + 15  # 15 s into a 60 s window
    await hit_n(limiter, "k", 3, limit=3, window=60)
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("k", limit=3, window_seconds=60)
    assert status_of(caught.value) == 429
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after == 45
    # Still refused: refused hits count too.
    with pytest.raises(RateLimited):
        await limiter.hit("k", limit=3, window_seconds=60)


async def test_a_new_window_starts_afresh(limiter: RateLimiter, clock: FakeClock) -> None:
    clock.now = 60 * 20_000 + 59.5
    await hit_n(limiter, "k", 2, limit=2, window=60)
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("k", limit=2, window_seconds=60)
    assert caught.value.retry_after == 1  # half a second left rounds up, never 0
    clock.now += 1
    await hit_n(limiter, "k", 2, limit=2, window=60)
    with pytest.raises(RateLimited):
        await limiter.hit("k", limit=2, window_seconds=60)


async def test_keys_and_window_sizes_are_independent(limiter: RateLimiter) -> None:
    await hit_n(limiter, "a", 1, limit=1, window=60)
    await hit_n(limiter, "b", 1, limit=1, window=60)
    await hit_n(limiter, "a", 1, limit=1, window=3600)
    with pytest.raises(RateLimited):
        await limiter.hit("a", limit=1, window_seconds=60)
    with pytest.raises(RateLimited):
        await limiter.hit("a", limit=1, window_seconds=3600)


async def test_reset_forgets_a_key(limiter: RateLimiter) -> None:
    await hit_n(limiter, "a", 2, limit=2, window=60)
    await hit_n(limiter, "a", 2, limit=2, window=3600)
    await hit_n(limiter, "a*", 2, limit=2, window=60)  # glob characters are not patterns
    await hit_n(limiter, "ab", 2, limit=2, window=60)
    await limiter.reset("a")
    await hit_n(limiter, "a", 2, limit=2, window=60)
    await hit_n(limiter, "a", 2, limit=2, window=3600)
    for other in ("a*", "ab"):
        with pytest.raises(RateLimited):
            await limiter.hit(other, limit=2, window_seconds=60)
    await limiter.reset("never-seen")


async def test_arguments_are_checked(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError, match="limit"):
        await limiter.hit("k", limit=0, window_seconds=60)
    with pytest.raises(ValueError, match="window"):
        await limiter.hit("k", limit=1, window_seconds=0)


async def test_redis_counters_expire_with_their_window(clock: FakeClock) -> None:
    admin = await redis_or_skip()
    prefix = f"carnet:test:{secrets.token_hex(6)}:"
    redis_limiter = RedisRateLimiter(REDIS_URL, prefix, clock=clock)
    try:
        await redis_limiter.hit("k", limit=5, window_seconds=30)
        names = [n async for n in admin.scan_iter(match=prefix + "*")]
        assert len(names) == 1
        assert names[0].decode().startswith(f"{prefix}k:30:")
        assert 0 < await admin.ttl(names[0]) <= 31
    finally:
        await redis_limiter.aclose()
        await drop_prefix(admin, prefix)


async def test_memory_stays_bounded(clock: FakeClock) -> None:
    memory = MemoryRateLimiter(clock)
    largest = 0
    for window in range(10):
        clock.now = 60.0 * (100 + window)
        for i in range(2000):
            await memory.hit(f"{window}:{i}", limit=5, window_seconds=60)
            largest = max(largest, len(memory))
    # Old windows are swept as the table grows: never more than twice the live keys.
    assert largest <= 2 * 2000
    assert len(memory) <= 2 * 2000


def test_limiter_key_hides_the_value() -> None:
    key = limiter_key("auth-login", "alice@example.org", PEPPER)
    kind, _, digest = key.partition(":")
    assert kind == "auth-login"
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert "alice" not in key
    assert key == limiter_key("auth-login", "alice@example.org", PEPPER)
    assert key != limiter_key("auth-login", "alice@example.org", bytes(32))
    assert key != limiter_key("auth-login", "bob@example.org", PEPPER)
    assert key.split(":")[1] == limiter_key("other", "alice@example.org", PEPPER).split(":")[1]


@pytest.mark.parametrize("kind", ["", "Login", "a:b", "with space", "x" * 33])
def test_limiter_key_kind_is_a_plain_label(kind: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        limiter_key(kind, "v", PEPPER)


def test_limiter_key_needs_a_real_pepper() -> None:
    with pytest.raises(ValueError, match="pepper"):
        limiter_key("login", "v", b"short")


async def test_make_rate_limiter(clock: FakeClock) -> None:
    assert isinstance(make_rate_limiter(None, clock), MemoryRateLimiter)
    assert isinstance(make_rate_limiter("", clock), MemoryRateLimiter)
    made = make_rate_limiter(REDIS_URL, clock)
    assert isinstance(made, RedisRateLimiter)
    await made.aclose()


async def test_redis_down_is_storage_unavailable_not_a_crash(clock: FakeClock) -> None:
    """A Redis that does not answer fails closed as an outage (503 at the API), never a 500
    and never an attempt let through unchecked."""
    from vault.errors import StorageUnavailable

    port = _closed_port()
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{port}/0", "carnet:test:", clock=clock)
    try:
        with pytest.raises(StorageUnavailable):
            await limiter.hit("k", limit=5, window_seconds=60)
        with pytest.raises(StorageUnavailable):
            await limiter.reset("k")
    finally:
        await limiter.aclose()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

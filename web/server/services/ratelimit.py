"""Rate limiting behind a small port, with an in-process and a Redis implementation.

Fixed windows: time is cut into windows of ``window_seconds`` (window number
``floor(now / window_seconds)``), and a key may be hit ``limit`` times per window. Rejected
hits count too, so hammering does not help. Keys must not carry secrets or personal data
(an e-mail address, a NIR, a code): build them with :func:`limiter_key`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from nacl.encoding import HexEncoder
from nacl.hash import blake2b
from redis.asyncio import Redis
from redis.exceptions import RedisError

from vault.errors import StorageUnavailable
from web.server.services.errors import RateLimited

__all__ = [
    "MemoryRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "limiter_key",
    "make_rate_limiter",
]

_KIND: Final = re.compile(r"[a-z0-9_.-]{1,32}")
_KEY_PERSON: Final = b"carnet.ratelim"


def limiter_key(kind: str, value: str, pepper: bytes) -> str:
    """``kind:<hex>``: a limiter key for ``value`` that does not reveal it.

    The hex part is keyed BLAKE2b-256 of ``value`` (key ``pepper``), so the limiter's store
    (Redis, memory dumps) holds neither addresses nor identifiers, and values cannot be
    confirmed by hashing guesses without the pepper. ``kind`` is a short lowercase label
    (``"login"``, ``"activation"``).
    """
    if not _KIND.fullmatch(kind):
        raise ValueError("kind must be 1-32 characters among a-z 0-9 _ . -")
    if not 16 <= len(pepper) <= 64:
        raise ValueError("the pepper must be 16 to 64 bytes")
    digest = blake2b(value.encode("utf-8"), digest_size=32, key=pepper, person=_KEY_PERSON,
                     encoder=HexEncoder)
    return f"{kind}:{digest.decode('ascii')}"


class RateLimiter(Protocol):
    """The port. ``hit`` counts one attempt; ``reset`` forgets a key (e.g. after success)."""

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> None:
        """Count a hit on ``key``; raise :class:`RateLimited` once more than ``limit`` hits
        fall in the current window, with ``retry_after`` = seconds until it ends."""
        ...

    async def reset(self, key: str) -> None:
        """Forget every count of ``key`` (for every window size)."""
        ...


def _check_args(limit: int, window_seconds: int) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if window_seconds < 1:
        raise ValueError("window_seconds must be at least 1")


def _retry_after(now: float, window: int, window_seconds: int) -> int:
    return max(1, math.ceil((window + 1) * window_seconds - now))


@dataclass(slots=True)
class _Count:
    window: int
    ends_at: float
    hits: int


class MemoryRateLimiter:
    """In-process limiter for one worker (tests, single-process deployments).

    Memory stays bounded by the keys active in their current window: once the table has
    doubled since the last sweep, counts whose window has ended are dropped (amortised O(1)
    per hit). Safe under asyncio since ``hit`` never awaits; not shared between processes.
    """

    _MIN_SWEEP: Final = 1024

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], _Count] = {}
        self._sweep_at = self._MIN_SWEEP

    def __len__(self) -> int:
        """Number of counts held (for tests and metrics)."""
        return len(self._counts)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> None:
        _check_args(limit, window_seconds)
        now = self._clock()
        window = math.floor(now / window_seconds)
        slot = (key, window_seconds)
        count = self._counts.get(slot)
        if count is None or count.window != window:
            count = _Count(window, (window + 1) * window_seconds, 0)
            self._counts[slot] = count
            if len(self._counts) >= self._sweep_at:
                self._sweep(now)
        count.hits += 1
        if count.hits > limit:
            raise RateLimited(retry_after=_retry_after(now, window, window_seconds))

    async def reset(self, key: str) -> None:
        for slot in [s for s in self._counts if s[0] == key]:
            del self._counts[slot]

    def _sweep(self, now: float) -> None:
        self._counts = {s: c for s, c in self._counts.items() if c.ends_at > now}
        self._sweep_at = max(self._MIN_SWEEP, 2 * len(self._counts))


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


class RedisRateLimiter:
    """Limiter shared by every worker, in Redis.

    One counter per key, window size and window number (``<prefix><key>:<size>:<number>``),
    incremented and given a time-to-live of one window (plus a second) in one MULTI/EXEC
    transaction, so counters of past windows disappear on their own. Redis unreachable or
    failing is ``StorageUnavailable`` (503, like a database outage): the limiter fails
    closed rather than letting attempts through unchecked.
    """

    def __init__(self, url: str, prefix: str = "carnet:rl:", *,
                 clock: Callable[[], float] = time.time) -> None:
        self._redis: Redis = Redis.from_url(url)
        self._prefix = prefix
        self._clock = clock

    def _name(self, key: str, window_seconds: int, window: int) -> str:
        return f"{self._prefix}{key}:{window_seconds}:{window}"

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> None:
        _check_args(limit, window_seconds)
        now = self._clock()
        window = math.floor(now / window_seconds)
        name = self._name(key, window_seconds, window)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds + 1)
                hits, _ = await pipe.execute()
        except RedisError:
            raise StorageUnavailable("the rate limiter's store (Redis) is unavailable") from None
        if int(hits) > limit:
            raise RateLimited(retry_after=_retry_after(now, window, window_seconds))

    async def reset(self, key: str) -> None:
        pattern = f"{_glob_escape(self._prefix + key)}:*"
        try:
            names = [name async for name in self._redis.scan_iter(match=pattern, count=500)]
            if names:
                await self._redis.delete(*names)
        except RedisError:
            raise StorageUnavailable("the rate limiter's store (Redis) is unavailable") from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def make_rate_limiter(redis_url: str | None, clock: Callable[[], float]) -> RateLimiter:
    """Redis when ``redis_url`` is set (several workers share counts), memory otherwise."""
    if redis_url:
        return RedisRateLimiter(redis_url, clock=clock)
    return MemoryRateLimiter(clock)

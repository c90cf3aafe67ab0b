"""Test helpers shared across packages: deterministic randomness and a settable clock."""

from __future__ import annotations

import hashlib


class DeterministicRandom:
    """A reproducible byte stream (BLAKE2b in counter mode) for known-answer vectors."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.blake2b(self._counter.to_bytes(8, "big"), key=self._seed,
                                   digest_size=64).digest()
            self._counter += 1
        return out[:n]


class Clock:
    """A clock the test moves by hand (unix seconds)."""

    def __init__(self, now: int = 1_790_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds

"""Test helpers shared across packages: deterministic randomness, a settable clock, and
waiting for a server process to answer."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import time
from pathlib import Path

import httpx


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


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``url``/health answers 200; fail with the log's tail if the process
    exits first, or after 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("server did not become healthy")

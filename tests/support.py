"""Test helpers shared across packages: deterministic randomness, a settable clock, and
waiting for a server process to answer."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

BROWSER = Path(__file__).resolve().parents[1] / "web" / "browser"


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


def browser_tool(tool: str) -> str:
    """Node, with the browser library's driver ``web/browser/test/tools/<tool>.ts`` compiled
    (built here when missing or older than the library's sources: ``scripts/test`` builds it
    first). Skips locally, fails under ``CI=true``, without Node or the npm packages."""
    exe = shutil.which("node")
    if exe is None or not (BROWSER / "node_modules").is_dir():
        message = "Node.js and web/browser/node_modules are needed (scripts/_env.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    built = BROWSER / "build" / "test" / "tools" / f"{tool}.js"
    at = built.stat().st_mtime if built.exists() else 0.0
    sources = [BROWSER / "test" / "tools" / f"{tool}.ts", *(BROWSER / "src").rglob("*.ts")]
    if any(src.stat().st_mtime > at for src in sources):
        subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=BROWSER, check=True,
                       timeout=300)
    return exe

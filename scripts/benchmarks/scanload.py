"""The scan-endpoint load generator of ``scripts/bench consent``: professionals' scan requests
signed ahead of time (``Scanner``), handed out round robin within each one's rate-limit budget
(``Pool``), and sent over kept-alive HTTP/1.1 connections on raw asyncio streams (``load``:
an httpx client would be the bottleneck at these rates), measured as a ``Phase``.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from consent.request import sign_request
from web.client import ProfessionalIdentity

SCAN_PATH = "/consent/scan"
PHASE_SECONDS = 3.0


def raw_request(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """An HTTP/1.1 POST, serialised once (the load loop only writes bytes)."""
    host = base_url.split("//", 1)[1]
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-length: {len(body)}\r\n"
            f"{head}\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes, bool]:
    """Send one request on a kept-alive connection; (status, body, server closes)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    if b"content-length" not in fields:
        raise RuntimeError("the load client only reads answers with a content-length")
    body = await reader.readexactly(int(fields[b"content-length"]))
    return status, body, fields.get(b"connection") == b"close"


async def connect(base_url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = base_url.split("//", 1)[1].rsplit(":", 1)
    return await asyncio.open_connection(host, int(port))

@dataclass
class Scanner:
    identity: ProfessionalIdentity
    session: str
    text: str
    body: bytes = b""
    ready: list[bytes] = field(default_factory=list)
    window: int = -1
    used: int = 0

    def headers(self) -> dict[str, str]:
        """A fresh signature over method, path, body, a new nonce and the time."""
        nonce, now = secrets.token_bytes(16), int(time.time())
        signature = sign_request("POST", SCAN_PATH, self.body, nonce, now,
                                 self.identity.signing_key)
        return {"authorization": f"Bearer {self.session}", "content-type": "application/json",
                "x-carnet-nonce": nonce.hex(), "x-carnet-time": str(now),
                "x-carnet-signature": base64.b64encode(signature).decode()}

    def top_up(self, base_url: str, count: int) -> None:
        """Sign requests ahead of time, each with a fresh nonce (the server refuses replays)."""
        while len(self.ready) < count:
            self.ready.append(raw_request(base_url, SCAN_PATH, self.body, self.headers()))


class Exhausted(Exception):
    """Every professional used its scan budget in the current rate-limit window."""


class Pool:
    """Round robin over the professionals, never past ``budget`` scans each per window."""

    def __init__(self, base_url: str, scanners: list[Scanner], budget: int,
                 window: int) -> None:
        self.base_url, self.scanners = base_url, scanners
        self.budget, self.window_seconds = budget, window
        self.next_index = 0

    def take(self) -> bytes:
        window = int(time.time() // self.window_seconds)
        for _ in range(len(self.scanners)):
            s = self.scanners[self.next_index]
            self.next_index = (self.next_index + 1) % len(self.scanners)
            if s.window != window:
                s.window, s.used = window, 0
            if s.used < self.budget and s.ready:
                s.used += 1
                return s.ready.pop()
        raise Exhausted()

    def top_up(self) -> None:
        """At most ``2 * budget`` a professional can use in a phase (two windows)."""
        for s in self.scanners:
            s.top_up(self.base_url, 2 * self.budget)

@dataclass
class Phase:
    rps: float
    p50: float
    p99: float
    done: int
    errors: dict[int, int]
    short: bool  # ended early: every professional's budget was used


async def load(base_url: str, take: Callable[[], bytes], concurrency: int,
                seconds: float = PHASE_SECONDS) -> Phase:
    """``concurrency`` kept-alive connections, each sending its next request as soon as the
    previous answer is read in full, for ``seconds``."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    short = False
    connections = [await connect(base_url) for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal short
        while time.perf_counter() < deadline:
            try:
                request = take()
            except Exhausted:
                short = True
                break
            start = time.perf_counter()
            status, _, closing = await exchange(reader, writer, request)
            elapsed = time.perf_counter() - start
            if status == 200:
                latencies.append(elapsed)
            else:
                errors[status] = errors.get(status, 0) + 1
            if closing:
                writer.close()
                reader, writer = await connect(base_url)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in connections))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def p(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if (
            latencies) else float("nan")
    return Phase(len(latencies) / elapsed, p(0.50), p(0.99), len(latencies), errors, short)

"""The load phases of ``scripts/bench perf``: requests signed ahead of time within every
professional's scan budget (``Budget``), the load process run against a server while its
resident memory is sampled (``Loads``), and wrk for plain GETs."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from consent.request import sign_request
from scripts.benchmarks.perf_load import write_requests
from scripts.benchmarks.perf_world import Server
from scripts.benchmarks.scanload import Scanner, connect, exchange, raw_request
from scripts.benchmarks.serverproc import REPO
from web import schemas

CONCURRENCY = 64
PHASE_SECONDS = 2.0
MARGIN = 10  # scans a professional keeps unused per rate-limit window (clock edges)
WINDOW = 60


def scan_limit() -> int:
    """The per-professional scan limit as the route writes it (read, not imported)."""
    source = (REPO / "web" / "server" / "routes" / "consent.py").read_text()
    found = re.search(r'throttle\("scan", session\.subject, (\d+)', source)
    return int(found.group(1)) if found else 120


def signed(scanner: Scanner, url: str, path: str, body: bytes) -> bytes:
    nonce, now = secrets.token_bytes(16), int(time.time())
    signature = sign_request("POST", path, body, nonce, now, scanner.identity.signing_key)
    return raw_request(url, path, body, {
        "authorization": f"Bearer {scanner.session}", "content-type": "application/json",
        "x-carnet-nonce": nonce.hex(), "x-carnet-time": str(now),
        "x-carnet-signature": base64.b64encode(signature).decode()})


def check_body(scanner: Scanner) -> bytes:
    """A token-check request: ``POST /consent/check`` (every check of a scan, the nonce
    spent, nothing of the dossier read; no history append when it passes)."""
    return msgspec.json.encode(schemas.ScanRequest(token=scanner.text))


@dataclass
class Budget:
    """Every professional's scans per fixed rate-limit window (the server's limiter counts
    scans and token checks together), counted conservatively: a phase that crossed a window
    edge is counted in both windows."""

    scanners: list[Scanner]
    per_window: int
    used: dict[tuple[int, int], int] = field(default_factory=dict)

    def sign(self, url: str, path: str, body: Callable[[Scanner], bytes],
             cap: int) -> tuple[list[bytes], list[int]]:
        window = int(time.time() // WINDOW)
        left = [self.per_window - max(self.used.get((i, window), 0),
                                      self.used.get((i, window + 1), 0))
                for i in range(len(self.scanners))]
        requests: list[bytes] = []
        owners: list[int] = []
        while len(requests) < cap and any(n > 0 for n in left):
            for i, s in enumerate(self.scanners):
                if left[i] > 0 and len(requests) < cap:
                    left[i] -= 1
                    requests.append(signed(s, url, path, body(s)))
                    owners.append(i)
        return requests, owners

    def spend(self, owners: list[int], sent: int, started: float) -> None:
        windows = {int(started // WINDOW), int(time.time() // WINDOW)}
        for i in owners[:sent]:
            for w in windows:
                self.used[(i, w)] = self.used.get((i, w), 0) + 1


@dataclass
class Loads:
    """Runs the load process against a server, sampling the server's VmRSS meanwhile."""

    tmp: Path
    rss_peak: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def run(self, url: str, requests: list[bytes], *, repeat: bool = False, ok: int = 200,
            seconds: float = PHASE_SECONDS, server: Server | None = None,
            label: str = "") -> dict[str, object]:
        file = self.tmp / "requests.bin"
        write_requests(file, requests)
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.benchmarks.perf_load", "--url", url,
             "--requests", str(file), "--concurrency", str(CONCURRENCY), "--seconds",
             str(seconds), "--ok", str(ok), *(["--repeat"] if repeat else [])],
            cwd=REPO, stdout=subprocess.PIPE)
        while True:
            try:
                out, _ = process.communicate(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if server is not None:
                    self.rss_peak[label] = max(self.rss_peak.get(label, 0), server.rss_mib())
        result: dict[str, object] = json.loads(out)
        statuses = result["statuses"]
        assert isinstance(statuses, dict)
        if set(statuses) - {str(ok)}:
            self.notes.append(f"{label or url}: answers by status {statuses}")
        if result["short"] and label:
            self.notes.append(f"{label}: a phase ran out of pre-signed requests within the "
                              "professionals' rate-limit budget (ended early)")
        return result


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing wrk (apt-get install -y wrk)...", flush=True)
        if subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode:
            subprocess.run(["apt-get", "update"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True)
        found = shutil.which("wrk")
    return found


def wrk_get(wrk: str, url: str, headers: dict[str, str]) -> tuple[float, str | None]:
    """(requests/s, wrk's socket-error line if any) of one wrk run: 1 thread, 64
    connections; every answer must be 2xx."""
    args = [wrk, "-t1", f"-c{CONCURRENCY}", f"-d{PHASE_SECONDS:.0f}s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk got non-2xx answers from {url.split('?')[0]}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return (float(found.group(1)) if found else float("nan"),
            errors.group(0) if errors else None)


async def capture(url: str, request: bytes) -> tuple[bytes, int]:
    """One request's answer (body, status)."""
    reader, writer = await connect(url)
    status, body, _ = await exchange(reader, writer, request)
    writer.close()
    return body, status


def headers_of(request: bytes) -> list[tuple[str, str]]:
    """The header fields of a serialised request (the bare request copies Carnet's)."""
    head = request.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]
    fields = [tuple(line.split(": ", 1)) for line in head]
    return [(k, v) for k, v in fields if k not in ("host", "content-length")]

"""The load process of ``scripts/bench perf`` for requests wrk cannot send (each signed scan
request needs a fresh nonce and signature): run as its own process (``python -m
scripts.benchmarks.perf_load``), so that it never shares the server's event loop nor the
benchmark's. It reads requests that were serialised and signed AHEAD of time (a file of
length-prefixed HTTP/1.1 requests, ``write_requests``), sends them over ``--concurrency``
kept-alive connections on raw asyncio streams for ``--seconds``, each connection sending its
next request as soon as the previous answer is read in full, and prints one JSON line:
requests per second, p50 and p99 in ms, answers by status, and how many requests were sent.

``--repeat`` sends the file's first request again and again (a bare endpoint needs no nonce).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from scripts.benchmarks.scanload import connect, exchange


def write_requests(path: Path, requests: Iterable[bytes]) -> int:
    """Store ``requests`` for the load process; returns how many."""
    count = 0
    with path.open("wb") as out:
        for request in requests:
            out.write(struct.pack(">I", len(request)))
            out.write(request)
            count += 1
    return count


def read_requests(path: Path) -> list[bytes]:
    data = path.read_bytes()
    found, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from(">I", data, at)
        found.append(data[at + 4:at + 4 + size])
        at += 4 + size
    return found


def quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run(url: str, requests: list[bytes], repeat: bool, concurrency: int,
              seconds: float, ok: int) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0
    short = False
    connections = [await connect(url) for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds

    def take() -> bytes | None:
        nonlocal sent, short
        if repeat:
            sent += 1
            return requests[0]
        if sent >= len(requests):
            short = True
            return None
        sent += 1
        return requests[sent - 1]

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < deadline:
            request = take()
            if request is None:
                break
            start = time.perf_counter()
            status, _, closing = await exchange(reader, writer, request)
            elapsed = time.perf_counter() - start
            statuses[status] = statuses.get(status, 0) + 1
            if status == ok:
                latencies.append(elapsed)
            if closing:
                writer.close()
                reader, writer = await connect(url)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in connections))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": quantile(latencies, 0.5) * 1000,
            "p99": quantile(latencies, 0.99) * 1000, "done": len(latencies), "sent": sent,
            "statuses": {str(k): v for k, v in sorted(statuses.items())}, "short": short,
            "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description="scripts/bench perf's load process")
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--repeat", action="store_true")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--ok", type=int, default=200, help="the status a request should get")
    args = parser.parse_args()
    requests = read_requests(args.requests)
    result = asyncio.run(run(args.url, requests, args.repeat, args.concurrency, args.seconds,
                             args.ok))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

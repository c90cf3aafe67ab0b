"""scripts/bench workers: throughput of a cheap authenticated endpoint with one worker and
with two (``python -m web.server serve --workers N``), on SQLite. Goal: >= 1.6x on a 2-core
machine.

Both servers run at once on one database (the idle one costs nothing): the endpoint is
``GET /auth/session`` with a professional's session (a signed token, its row read from the
database). The load comes from a separate process, ``wrk`` (Debian's), one thread and 64
connections, 5 s per run after a warm-up; runs alternate 1 worker, 2 workers, five times each,
and the ratio is that of the medians (the spread of the per-run ratios beside it). The two-
worker server keeps its rate limits in Redis (``CARNET_REDIS_URL``, default 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nacl.signing

from scripts.benchmarks.serverproc import REPO, free_port, wait_ready
from web.client import Api, ProfessionalIdentity
from web.client.directory import approve

GOAL = 1.6
ENDPOINT = "/auth/session"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=f"sqlite:///{data_dir / 'carnet.sqlite'}",
               CARNET_DATA_DIR=str(data_dir),
               CARNET_DEV_KEYS_DIR=str(data_dir.with_name("dev-keys")),
               CARNET_SECRET_KEY=secrets.token_urlsafe(32), CARNET_SESSION_TTL="3600",
               CARNET_REDIS_URL=os.environ.get("CARNET_REDIS_URL", "redis://127.0.0.1:6379/0"),
               CARNET_REDIS_PREFIX=f"carnet:bench:{secrets.token_hex(6)}:")
    return env


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total


@contextlib.contextmanager
def _server(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port),
             "--workers", str(workers)], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/health", process)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _session(url: str, operator_token: str,
                   authority: nacl.signing.SigningKey) -> str:
    """A registered, approved professional's session."""
    pro = ProfessionalIdentity.new("810000000042")
    async with Api(url) as api:
        await pro.register(api, name="Pharmacie du Banc", profession="pharmacien")
    async with Api(url, session=operator_token) as operator:
        await approve(operator, pro.ps_id, ["pharmacist"], authority)
    async with Api(url) as api:
        return (await pro.login(api)).session


def _wrk(wrk: str, url: str, session: str, seconds: int) -> float:
    """Requests/s of one wrk run (1 thread, 64 connections); every answer must be 2xx."""
    rate, _ = _wrk_cpu(wrk, (url, 0), session, seconds)
    return rate


def _wrk_cpu(wrk: str, server: tuple[str, int], session: str,
             seconds: int) -> tuple[float, float]:
    """(requests/s, server CPU ms per request) of one wrk run."""
    url, pid = server
    before = _tree_cpu(pid) if pid else 0.0
    out = subprocess.run([wrk, "-t1", "-c64", f"-d{seconds}s", "-H",
                          f"Authorization: Bearer {session}", url + ENDPOINT],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw non-2xx answers:\n{out}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    done = re.search(r"([0-9]+) requests in", out)
    if not found or not done:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{out}")
    cpu = (_tree_cpu(pid) - before) if pid else 0.0
    return float(found.group(1)), 1000 * cpu / max(1, int(done.group(1)))


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench workers")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("scripts/bench workers needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="carnet-bench-workers-") as tmp:
        data_dir = Path(tmp) / "var"
        env = _env(data_dir)
        for step in ("init", "migrate"):
            subprocess.run([sys.executable, "-m", "web.server", step], cwd=REPO, env=env,
                           check=True, capture_output=True)
        with _server(env, 1, Path(tmp) / "one.log") as one, \
                _server(env, 2, Path(tmp) / "two.log") as two:
            authority = (data_dir.with_name("dev-keys") / "authority.key").read_text()
            token = (data_dir / "operator.token").read_text().strip()
            session = asyncio.run(_session(one[0], token, nacl.signing.SigningKey(
                bytes.fromhex(authority.strip()))))
            for server in (one, two):
                _wrk_cpu(wrk, server, session, 2)  # warm-up
            rates: dict[int, list[float]] = {1: [], 2: []}
            cpu: dict[int, list[float]] = {1: [], 2: []}
            for run in range(args.runs):
                for n, server in ((1, one), (2, two)):
                    rate, ms = _wrk_cpu(wrk, server, session, args.seconds)
                    rates[n].append(rate)
                    cpu[n].append(ms)
                print(f"run {run + 1}: 1 worker {rates[1][-1]:.0f} req/s "
                      f"({cpu[1][-1]:.2f} CPU ms/req), 2 workers {rates[2][-1]:.0f} req/s "
                      f"({cpu[2][-1]:.2f} CPU ms/req)", flush=True)
    med1, med2 = statistics.median(rates[1]), statistics.median(rates[2])
    ratios = [b / a for a, b in zip(rates[1], rates[2], strict=True)]
    print(f"GET {ENDPOINT} (session), wrk -t1 -c64, {os.cpu_count()} CPUs, median of "
          f"{args.runs} interleaved runs of {args.seconds} s:")
    for n, med in ((1, med1), (2, med2)):
        print(f"  {n} worker{'s' if n > 1 else ' '}: {med:7.0f} req/s (min {min(rates[n]):.0f}, "
              f"max {max(rates[n]):.0f}); server CPU {statistics.median(cpu[n]):.2f} ms/req")
    print(f"  load average while measured: {os.getloadavg()[0]:.1f} (a shared machine "
          "gives each process its share: compare within a run)")
    print(f"  ratio {med2 / med1:.2f}x (per-run {min(ratios):.2f}-{max(ratios):.2f}x), "
          f"goal >= {GOAL}x: {'met' if med2 / med1 >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()

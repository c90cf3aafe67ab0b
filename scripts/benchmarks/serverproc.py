"""Start a Carnet server (or any ASGI app) in a subprocess on loopback, for benchmarks."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited early")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def dev_keys_of(data_dir: Path) -> Path:
    """The development authority and emergency keys: beside the data dir, never in it."""
    return data_dir.with_name(f"{data_dir.name}-dev-keys")


@contextlib.contextmanager
def carnet_server(data_dir: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """Init (the key files), migrate, serve; yields (base url, operator token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    token = secrets.token_urlsafe(24)
    env.update(CARNET_DATABASE_URL=database_url, CARNET_DATA_DIR=str(data_dir),
               CARNET_OPERATOR_TOKEN=token, CARNET_SECRET_KEY=secrets.token_urlsafe(32),
               CARNET_DEV_KEYS_DIR=str(dev_keys_of(data_dir)))
    for step in ("init", "migrate"):
        subprocess.run([sys.executable, "-m", "web.server", step], cwd=REPO, env=env,
                       check=True, capture_output=True)
    port = free_port()
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/health", process)
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextlib.contextmanager
def asgi_server(app_ref: str) -> Iterator[str]:
    """Serve ``module:app`` with uvicorn like Carnet is served; yields the base url."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", app_ref, "--port", str(port),
                                "--log-level", "warning", "--no-access-log"], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/ping", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)

"""The bare litestar baseline of ``scripts/bench perf``, served by the same uvicorn as Carnet
(``serverproc.asgi_server("scripts.benchmarks.perf_bare:app")``, one worker): each endpoint
answers exactly the bytes (and status) Carnet's counterpart answered, captured in the same run
and left in ``$PERF_BARE_DIR`` (``<name>.bin`` and ``<name>.status``) before this starts.

- ``POST /scan``: decodes the same JSON request (same headers), answers a scan's answer bytes.
- ``POST /check``: the same, with the token-check route's answer.
- ``GET /item``: one item fetch's answer bytes (the wrk rows).
- ``GET /plain``: the Synthea patient's item plaintexts from a plain SQLite table.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from litestar import Litestar, Response, get, post

_DIR = Path(os.environ.get("PERF_BARE_DIR", "."))


def _answer(name: str) -> tuple[bytes, int]:
    body = _DIR / f"{name}.bin"
    status = _DIR / f"{name}.status"
    return (body.read_bytes() if body.is_file() else b"{}",
            int(status.read_text()) if status.is_file() else 200)


_SCAN, _CHECK, _ITEM = _answer("scan"), _answer("check"), _answer("item")


def _reply(answer: tuple[bytes, int]) -> Response[bytes]:
    return Response(content=answer[0], status_code=answer[1], media_type="application/json")


@get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@post("/scan", status_code=200)
async def scan(data: dict[str, str]) -> Response[bytes]:
    return _reply(_SCAN)


@post("/check", status_code=200)
async def check(data: dict[str, str]) -> Response[bytes]:
    return _reply(_CHECK)


@get("/item")
async def item() -> Response[bytes]:
    return _reply(_ITEM)


@get("/plain")
async def plain() -> dict[str, list[bytes]]:
    conn = sqlite3.connect(_DIR / "plain.sqlite")
    try:
        rows = conn.execute("SELECT body FROM plain_item").fetchall()
    finally:
        conn.close()
    return {"items": [r[0] for r in rows]}


app = Litestar(route_handlers=[ping, scan, check, item, plain])

"""A bare litestar app serving a fixed JSON body: the baseline for endpoint throughput."""

from __future__ import annotations

import os

from litestar import Litestar, get

_SIZE = int(os.environ.get("BARE_BODY_BYTES", "1500"))
_BODY = {"items": [{"blob": "x" * _SIZE}]}


@get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@get("/item")
async def item() -> dict[str, list[dict[str, str]]]:
    return _BODY


@get("/plain")
async def plain() -> dict[str, list[bytes]]:
    """The same item plaintexts, unencrypted, read from a plain SQLite table."""
    import sqlite3

    conn = sqlite3.connect(os.environ["BARE_PLAIN_DB"])
    try:
        rows = conn.execute("SELECT body FROM plain_item").fetchall()
    finally:
        conn.close()
    return {"items": [r[0] for r in rows]}


app = Litestar(route_handlers=[ping, item, plain])

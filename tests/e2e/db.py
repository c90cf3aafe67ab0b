"""Raw SQL against a test server's database (to play the attacker who holds it)."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.e2e.conftest import Server


async def query(server: Server, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    if server.engine == "sqlite":
        path = server.database_url[len("sqlite:///"):]
        conn = sqlite3.connect(path, timeout=10)
        try:
            rows = conn.execute(sql, args).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    import asyncpg

    conn = await asyncpg.connect(dsn=server.database_url)
    try:
        if sql.lstrip().upper().startswith("SELECT"):
            return [tuple(r) for r in await conn.fetch(sql, *args)]
        await conn.execute(sql, *args)
        return []
    finally:
        await conn.close()

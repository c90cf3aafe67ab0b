"""SQLite's group-committing writer and loop-thread reader (``vault.storage.writer``, issue
14): jobs queued together commit in one transaction, each answered only after that commit;
a job that fails is undone alone; a failed commit fails every job of its batch and writes
nothing; a cancelled caller's job is not run; statements reach the engine's hook."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from vault.storage.engine import CarnetSQLiteEngine
from vault.storage.writer import GroupWriter


def _engine(tmp_path: Path) -> CarnetSQLiteEngine:
    engine = CarnetSQLiteEngine(str(tmp_path / "w.sqlite"))
    with sqlite3.connect(tmp_path / "w.sqlite") as conn:
        conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
    return engine


def _insert(k: str, v: int = 0) -> Callable[[sqlite3.Connection], int]:
    def job(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (k, v) VALUES (?, ?)", (k, v))
        return v
    return job


def _rows(tmp_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(tmp_path / "w.sqlite") as conn:
        return [tuple(r) for r in conn.execute("SELECT k, v FROM t ORDER BY k")]


async def test_queued_jobs_share_one_commit_and_fail_alone(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = threading.Event()

    def hold(conn: sqlite3.Connection) -> str:
        gate.wait(5)  # the writer is busy: the next jobs queue up behind it
        return "held"
    first = asyncio.ensure_future(engine.writer.run(hold))
    await asyncio.sleep(0.05)
    jobs: list[Coroutine[Any, Any, int | None]] = [
        engine.writer.run(_insert(f"k{i}", i)) for i in range(10)]
    jobs.insert(5, engine.writer.run(_insert("k3", 99)))  # a duplicate key: fails alone

    def half(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (k, v) VALUES ('half', 1)")
        raise ValueError("after a write")  # undone alone: its insert is not kept
    jobs.insert(8, engine.writer.run(half))
    pending = [asyncio.ensure_future(j) for j in jobs]
    await asyncio.sleep(0.05)
    before = engine.writer.batches
    gate.set()
    assert await first == "held"
    results = await asyncio.gather(*pending, return_exceptions=True)
    assert [r for r in results if not isinstance(r, Exception)] == list(range(10))
    assert [type(r) for r in results if isinstance(r, Exception)] == [sqlite3.IntegrityError,
                                                                       ValueError]
    # the held job's transaction, then one for the twelve queued behind it (one fsync)
    assert engine.writer.batches - before == 2
    assert _rows(tmp_path) == sorted((f"k{i}", i) for i in range(10))
    await engine.close_pool()


async def test_a_job_alone_that_fails_writes_nothing(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def half(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (k, v) VALUES ('a', 1)")
        raise ValueError("after a write")
    with pytest.raises(ValueError):
        await engine.writer.run(half)
    assert _rows(tmp_path) == []
    assert await engine.writer.run(_insert("b", 2)) == 2  # the writer goes on
    assert _rows(tmp_path) == [("b", 2)]
    await engine.close_pool()


async def test_a_batch_without_the_write_lock_fails_whole(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    await engine.writer.run(lambda conn: conn.execute("PRAGMA busy_timeout = 50"))
    other = sqlite3.connect(tmp_path / "w.sqlite", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock...
    jobs = [asyncio.ensure_future(engine.writer.run(_insert(f"k{i}"))) for i in range(3)]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)  # ...past the timeout
    other.execute("ROLLBACK")
    other.close()
    assert _rows(tmp_path) == []
    assert await engine.writer.run(_insert("later", 1)) == 1
    await engine.close_pool()


async def test_a_cancelled_callers_job_is_not_run(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = threading.Event()
    busy: asyncio.Future[bool] = asyncio.ensure_future(
        engine.writer.run(lambda conn: gate.wait(5)))
    await asyncio.sleep(0.05)
    queued = asyncio.ensure_future(engine.writer.run(_insert("never")))
    await asyncio.sleep(0.05)
    queued.cancel()
    await asyncio.sleep(0.05)
    gate.set()
    await busy
    await engine.writer.run(_insert("after"))
    assert _rows(tmp_path) == [("after", 0)]
    await engine.close_pool()


async def test_statements_reach_the_engines_hook_and_reads_see_commits(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    seen: list[str] = []
    engine.on_statement = seen.append
    await engine.writer.run(_insert("x", 7))
    assert [dict(r) for r in engine.reader.read("SELECT v FROM t WHERE k = ?", ("x",))] == [
        {"v": 7}]
    engine.on_statement = None
    assert seen == ["BEGIN IMMEDIATE", "INSERT INTO t (k, v) VALUES ('x', 7)", "COMMIT",
                    "SELECT v FROM t WHERE k = 'x'"]
    await engine.close_pool()


def test_close_finishes_what_is_queued(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    writer = GroupWriter(engine._sync_connect)

    async def go() -> list[int]:
        return list(await asyncio.gather(*(writer.run(_insert(f"c{i}", i)) for i in range(5))))
    assert asyncio.run(go()) == list(range(5))
    writer.close()
    assert len(_rows(tmp_path)) == 5

"""SQLite's hot path without the async driver: a group-committing writer and a loop-thread
reader, one of each per engine (issue 14, items 1, 2 and 6).

**Why.** Through aiosqlite every statement is a hop to a connection's own thread and back
(0.6 to 2 ms under load, mostly waiting for the GIL and the event loop), and a transaction
holds SQLite's write lock across all of its hops: under 64 concurrent scans the lock was held
for several event-loop turns per transaction, the other writers slept in SQLite's busy
handler, and a one-worker server did about 60 scans/s (``docs/architecture.md``, "SQLite
access", has the measurements).

**The writer** (:class:`GroupWriter`) owns one connection on a thread of its own. A *job* is a
plain function of that connection; :meth:`GroupWriter.run` queues it and awaits its result.
The thread takes every job queued, runs them all in one ``BEGIN IMMEDIATE ... COMMIT`` (each
in a ``SAVEPOINT`` when there are several, so a job that fails is undone alone and fails
alone), and answers the jobs only once ``COMMIT`` has returned: with ``synchronous = FULL``
an answered job is on disk, and one fsync serves the whole batch (group commit). The write
lock is held only while the jobs run in C and Python on that thread, never across an
event-loop turn. Other processes (``serve --workers N``) and piccolo's own transactions on
the same file still meet at SQLite's lock, waited for up to the busy timeout.

A job must be short and do only database work (no I/O, no awaiting): it runs with the write
lock held. If ``COMMIT`` fails, every job of the batch gets the error and none was written.

**The reader** (:class:`LoopReader`) is one connection used on the caller's own thread, for
a few indexed reads on a hot path: in WAL mode a reader never waits for a writer, so a point
read costs its own microseconds instead of two thread hops. Anything that may scan or wait
must keep using the engine's pooled async connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Final, TypeVar

from vault.errors import StorageUnavailable

__all__ = ["GroupWriter", "LoopReader", "Row", "Trace"]

T = TypeVar("T")
Trace = Callable[[str], None] | None
Job = Callable[[sqlite3.Connection], Any]

MAX_BATCH: Final = 256  # jobs per transaction at most (a bound on the lock's hold time)


Row = sqlite3.Row
"""A reader's row: values by column name (``row["seq"]``), as piccolo's dicts are read. Built in
C: making a dict per row was a quarter of a 115-item scan's server time."""


class _Traced:
    """A connection and the trace callback it currently has (set again when it changes)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._conn: sqlite3.Connection | None = None
        self._trace: Trace = None

    def get(self, trace: Trace) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
            self._conn.isolation_level = None  # we say BEGIN and COMMIT ourselves
            self._trace = None
        if trace is not self._trace:
            self._conn.set_trace_callback(trace)
            self._trace = trace
        return self._conn

    def drop(self) -> None:
        """Close the connection (after an error that may have left it unusable)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(sqlite3.Error):
                conn.close()


class GroupWriter:
    """One writer thread and its connection (module docstring). ``trace()`` gives the
    statement hook in force (``CarnetSQLiteEngine.on_statement``)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection],
                 trace: Callable[[], Trace] = lambda: None) -> None:
        self._conn = _Traced(connect)
        self._trace = trace
        self._jobs: queue.SimpleQueue[tuple[Job, Future[Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.batches = 0  # transactions committed (a test and the bench read it)

    async def run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``job`` in the next transaction; its result once that has committed."""
        done: Future[T] = Future()
        self._ensure_thread()
        self._jobs.put((job, done))
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Finish what is queued, then stop the thread and close the connection."""
        with self._start:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout=30)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start:
                if self._thread is None or not self._thread.is_alive():
                    # Daemon: an idle writer must not keep the process alive at exit. Nothing
                    # is lost by that: a job's caller is answered only after its commit.
                    self._thread = threading.Thread(target=self._loop, name="carnet-writer",
                                                    daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                self._stop()
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._commit(batch)
            if stop:
                self._stop()
                return

    def _stop(self) -> None:
        """Close the connection; a job queued after the stop (a race with :meth:`close`)
        fails instead of waiting for ever."""
        self._conn.drop()
        while True:
            try:
                left = self._jobs.get_nowait()
            except queue.Empty:
                return
            if left is not None and left[1].set_running_or_notify_cancel():
                left[1].set_exception(StorageUnavailable("the database writer was stopped"))

    def _commit(self, batch: Sequence[tuple[Job, Future[Any]]]) -> None:
        live = [(job, done) for job, done in batch if done.set_running_or_notify_cancel()]
        if not live:
            return
        outcomes: list[tuple[bool, Any]] = []
        try:
            conn = self._conn.get(self._trace())
            conn.execute("BEGIN IMMEDIATE")
            try:
                if len(live) == 1:  # alone: a failure rolls the transaction back
                    outcomes.append((True, live[0][0](conn)))
                else:
                    for job, _ in live:
                        outcomes.append(_in_savepoint(conn, job))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except BaseException as exc:  # handed to every caller of the batch
            if not isinstance(exc, sqlite3.Error) or conn_broken(exc):
                # A connection that met the file read-only, locked or failing is opened
                # afresh for the next batch (it may keep the state it saw: a read-only WAL).
                self._conn.drop()
            for _, done in live:
                done.set_exception(exc)
            return
        self.batches += 1
        for (_, done), (ok, value) in zip(live, outcomes, strict=True):
            if ok:
                done.set_result(value)
            else:
                done.set_exception(value)


def _in_savepoint(conn: sqlite3.Connection, job: Job) -> tuple[bool, Any]:
    """(True, result), or (False, the exception) with the job's writes undone."""
    conn.execute("SAVEPOINT job")
    try:
        result = job(conn)
    except Exception as exc:  # the job's own failure, for its caller
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        return False, exc
    conn.execute("RELEASE job")
    return True, result


def conn_broken(exc: sqlite3.Error) -> bool:
    """Whether the connection should be reopened after ``exc``: any operational error (busy,
    read-only, I/O, full, corrupt, cannot open...), not a constraint or a job's own mistake."""
    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not \
        isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError)


READER_BUSY_MS: Final = 250  # the most a loop-thread read waits for a lock (WAL: rare)


def _short_wait(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute(f"PRAGMA busy_timeout = {READER_BUSY_MS}").close()
    conn.row_factory = sqlite3.Row
    return conn


class LoopReader:
    """One connection for point reads on the calling thread (module docstring). Several
    event loops in one process (tests) share it under a lock."""

    def __init__(self, connect: Callable[[], sqlite3.Connection],
                 trace: Callable[[], Trace] = lambda: None) -> None:
        self._conn = _Traced(lambda: _short_wait(connect()))
        self._trace = trace
        self._lock = threading.Lock()

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """The rows of one read-only statement (:data:`Row`: by column name)."""
        with self._lock:
            conn = self._conn.get(self._trace())
            try:
                cursor = conn.execute(sql, tuple(args))
                try:
                    rows: list[Row] = cursor.fetchall()
                    return rows
                finally:
                    cursor.close()
            except sqlite3.Error as exc:
                if conn_broken(exc):
                    self._conn.drop()
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.drop()

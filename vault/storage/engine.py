"""Database URL -> piccolo engine.

``sqlite:///relative/path.sqlite`` (relative to the working directory) or
``sqlite:////absolute/path.sqlite`` selects :class:`CarnetSQLiteEngine`;
``postgresql://user[:password]@host[:port]/database`` (or ``postgres://``) selects piccolo's
``PostgresEngine``. Nothing here reads the environment: ``piccolo_conf.py`` does, once.

SQLite connections are opened per query or transaction by piccolo, so every one of them goes
through :class:`PragmaConnection`, which turns on WAL, ``secure_delete`` (deleted content is
overwritten with zeros) and a busy timeout before piccolo sees it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from vault.errors import StorageUnavailable
from vault.storage.writer import GroupWriter, LoopReader

DEFAULT_DATABASE_URL: Final = "sqlite:///var/carnet.sqlite"
BUSY_TIMEOUT_MS: Final = 5000
POOL_SIZE: Final = 8

# Per-connection settings. WAL is a property of the database file: it is set once when the
# engine is built (setting it on every connection cost ~0.5 ms per query).
SQLITE_PRAGMAS: Final[tuple[str, ...]] = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA secure_delete = ON",
    # Each commit fsyncs the WAL before it returns: an acknowledged write survives an OS
    # crash or power loss (NORMAL would only survive a crash of the process). Pinned, not
    # left to the SQLite build's default (docs/operations.md, "Durability").
    "PRAGMA synchronous = FULL",
    # piccolo sends this before every statement (a second trip to the connection's thread
    # each time); it is a per-connection setting, set here once instead.
    "PRAGMA foreign_keys = 1",
)
_RETURNING: Final = sqlite3.sqlite_version_info >= (3, 35)


class PragmaConnection(sqlite3.Connection):
    """A sqlite3 connection that applies :data:`SQLITE_PRAGMAS` as soon as it opens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pragma in SQLITE_PRAGMAS:
            self.execute(pragma).close()


class CarnetSQLiteEngine(SQLiteEngine):
    """piccolo's SQLiteEngine whose every connection is a :class:`PragmaConnection`.

    piccolo opens connections in two places (``get_connection`` for transactions and
    batches, ``_run_in_new_connection`` for standalone queries); both pass
    ``connection_kwargs`` to ``aiosqlite.connect`` -> ``sqlite3.connect``, so the
    ``factory`` keyword covers them all.
    """

    def __init__(self, path: str, *, pool_size: int = POOL_SIZE,
                 **connection_kwargs: Any) -> None:
        connection_kwargs.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
        connection_kwargs["factory"] = PragmaConnection
        super().__init__(path=path, **connection_kwargs)
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
            conn.execute("PRAGMA journal_mode = WAL").close()
        self._idle: list[aiosqlite.Connection] = []
        self._pool_size = pool_size
        # Every statement SQLite runs is handed to this, when set (tests count a request's
        # statements with it; nothing sets it in production).
        self.on_statement: Callable[[str], None] | None = None
        # The hot path's own connections (vault/storage/writer.py): the group-committing
        # writer (nonces, a scan's event) and the loop-thread reader (a request's point reads).
        self.writer = GroupWriter(self._sync_connect, lambda: self.on_statement)
        self.reader = LoopReader(self._sync_connect, lambda: self.on_statement)

    def _sync_connect(self) -> sqlite3.Connection:
        # SQLite's own values (TEXT str, INTEGER int, BLOB bytes): piccolo's per-column
        # converters (``detect_types``) were 15 % of a loaded scan; the hot path's readers
        # convert what they need themselves, as they do for piccolo's raw rows.
        kwargs = {k: v for k, v in self.connection_kwargs.items() if k != "loop"}
        kwargs["detect_types"] = 0
        conn: sqlite3.Connection = sqlite3.connect(**kwargs, check_same_thread=False)
        return conn

    # piccolo opens (and closes) an aiosqlite connection, with its own thread, per query and
    # per transaction: ~1.5 ms each. Idle connections are kept and handed out again instead.
    async def _acquire(self) -> aiosqlite.Connection:
        conn = self._idle.pop() if self._idle else await self._connect()
        if getattr(conn, "_carnet_traced", None) is not self.on_statement:
            await conn.set_trace_callback(self.on_statement)  # type: ignore[arg-type]
            conn._carnet_traced = self.on_statement  # type: ignore[attr-defined]
        return conn

    async def _connect(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # An idle pooled connection must not keep the process alive at exit (aiosqlite runs
        # each connection in a non-daemon thread). Nothing is lost: idle means committed.
        thread = getattr(pending, "_thread", None)
        if thread is not None:
            thread.daemon = True
        return await pending

    async def _release(self, conn: aiosqlite.Connection) -> None:
        if not conn.in_transaction and len(self._idle) < self._pool_size:
            conn.row_factory = dict_factory  # type: ignore[assignment]
            self._idle.append(conn)
        else:
            await conn.close()

    async def get_connection(self) -> Any:
        conn = await self._acquire()
        conn.row_factory = dict_factory  # type: ignore[assignment]
        return _Pooled(conn, self)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic",
                                     table: Any = None) -> Any:
        conn = await self._acquire()
        try:
            result = await self._run_in_existing_connection(conn, query, args, query_type,
                                                            table)
            if conn.in_transaction:
                await conn.commit()
        except BaseException:
            await conn.close()  # a connection that failed is not handed out again
            raise
        await self._release(conn)
        return result

    async def _run_in_existing_connection(self, connection: Any, query: str,
                                          args: list[Any] | None = None,
                                          query_type: str = "generic",
                                          table: Any = None) -> Any:
        """piccolo's, without its ``PRAGMA foreign_keys = 1`` before each statement (the
        connection has it from :class:`PragmaConnection`): one thread hop per statement."""
        connection.row_factory = dict_factory
        async with connection.execute(query, args or []) as cursor:
            response = await cursor.fetchall()
            if query_type == "insert" and not _RETURNING:
                pk = await self._get_inserted_pk(cursor, table)
                return [{table._meta.primary_key._meta.db_column_name: pk}]
            return response

    async def close_pool(self) -> None:
        while self._idle:
            await self._idle.pop().close()
        self.writer.close()
        self.reader.close()


class _Pooled:
    """A pooled connection as piccolo sees it: closing it gives it back to the pool."""

    def __init__(self, conn: aiosqlite.Connection, engine: CarnetSQLiteEngine) -> None:
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_engine", engine)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._conn, name, value)

    async def close(self) -> None:
        await self._engine._release(self._conn)


class CarnetPostgresEngine(PostgresEngine):
    """piccolo's PostgresEngine with the same :attr:`on_statement` hook as
    :class:`CarnetSQLiteEngine`: every statement a pooled connection runs (asyncpg's
    ``Connection.add_query_logger``, installed on each connection the pool opens) is handed
    to it, when set. Nothing sets it in production.

    A connection going back to the pool is not sent asyncpg's session reset
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``, one more round trip per
    query): Carnet keeps no session state. Its settings are ``SET LOCAL``/``set_config(...,
    true)``, its advisory locks ``pg_advisory_xact_lock``, it opens no cursor outside a
    transaction and listens to nothing, so all of it ends with the transaction; an open
    transaction is still rolled back (asyncpg does that before any ``reset``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_statement: Callable[[str], None] | None = None

    async def start_connection_pool(self, **kwargs: Any) -> None:
        given = kwargs.pop("init", None)

        async def init(conn: Any) -> None:
            conn.add_query_logger(self._logged)
            if given is not None:
                await given(conn)

        kwargs.setdefault("reset", _no_session_state)
        await super().start_connection_pool(init=init, **kwargs)

    def _logged(self, record: Any) -> None:
        # asyncpg calls loggers soon after the statement (loop.call_soon), not during it.
        if self.on_statement is not None:
            self.on_statement(str(record.query))


async def _no_session_state(conn: Any) -> None:
    """The pool's reset (see :class:`CarnetPostgresEngine`): nothing left to reset."""


def _sqlite_path(url: str) -> str:
    path = unquote(url[len("sqlite:///"):])
    if not path or path == ":memory:" or "mode=memory" in path:
        raise ValueError("an in-memory SQLite database cannot be shared between connections")
    return path


def resolve_url(url: str) -> str:
    """The same URL with a relative SQLite path made absolute (against the working directory)."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + str(Path(_sqlite_path(url)).resolve())
    return url


def engine_from_url(url: str) -> Engine[Any]:
    """A piccolo engine for ``url``; creates the SQLite file's directory if needed."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise ValueError("a SQLite URL looks like sqlite:///relative or sqlite:////absolute")
        path = Path(_sqlite_path(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        return CarnetSQLiteEngine(str(path))
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(url)
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ValueError("a PostgreSQL URL must name its database: postgresql://host/db")
        # extensions=(): the store needs none, and creating one needs privileges.
        engine: Engine[Any] = CarnetPostgresEngine(
            config={"dsn": url, "database": database}, extensions=()
        )
        return engine
    raise ValueError(f"unsupported database URL scheme {scheme!r} (sqlite or postgresql)")


def engine_kind(engine: Engine[Any]) -> str:
    """``"sqlite"`` or ``"postgres"`` (piccolo's ``engine_type``)."""
    return str(engine.engine_type)


# -- what a database error means ------------------------------------------------------------

# SQLite primary result codes meaning "the database cannot serve this now", not "this query
# is wrong": BUSY and LOCKED (past the busy timeout), READONLY, IOERR, FULL, CANTOPEN,
# PROTOCOL (WAL lock contention), NOTADB is left out (a wrong file is a configuration error).
_SQLITE_UNAVAILABLE: Final = frozenset({5, 6, 8, 10, 13, 14, 15})
# PostgreSQL SQLSTATEs (or classes) of the same meaning: connection exceptions (08...),
# insufficient resources (53...: disk full, out of memory, too many connections), operator
# intervention (57P01-57P03: shutdown, crash, starting up), read-only transaction (25006),
# no such database (3D000).
_PG_UNAVAILABLE_CLASSES: Final = ("08", "53")
_PG_UNAVAILABLE_STATES: Final = frozenset({"57P01", "57P02", "57P03", "25006", "3D000"})


def is_unique_violation(exc: BaseException) -> bool:
    """True only for a unique-constraint violation (SQLite or asyncpg): another writer won."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    # asyncpg.exceptions.UniqueViolationError, without importing asyncpg.
    return getattr(exc, "sqlstate", None) == "23505"


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or used right now (down,
    refusing connections, locked past its timeout, read-only, full), never for a
    programming error (bad SQL, missing table, constraint violation)."""
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    if isinstance(exc, sqlite3.Error):
        return False
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        if state == "55000":  # only when refusing new connections (ALLOW_CONNECTIONS false)
            return "not currently accepting connections" in str(exc)
        return state[:2] in _PG_UNAVAILABLE_CLASSES or state in _PG_UNAVAILABLE_STATES
    if type(exc).__name__ == "InterfaceError":  # asyncpg: a pooled connection died
        return "connection is closed" in str(exc) or "pool is closing" in str(exc)
    if type(exc).__name__ == "InternalClientError":
        # asyncpg's protocol left in a broken state by a backend terminated mid-query (seen
        # while PostgreSQL refused connections): the connection is unusable, not our SQL.
        return True
    # Refused, reset, unreachable, timed out (TimeoutError is an OSError).
    return isinstance(exc, OSError)


def raise_unavailable(exc: BaseException) -> None:
    """Raise :class:`StorageUnavailable` from ``exc`` if it means the database is down."""
    if is_unavailable(exc):
        raise StorageUnavailable() from exc


_C = TypeVar("_C", bound=type)


def guard_storage(cls: _C) -> _C:
    """Class decorator for a piccolo adapter: every public coroutine method raises
    :class:`StorageUnavailable` (instead of a driver error) when the database is down.
    Any other error passes through unchanged."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.iscoroutinefunction(method):
            continue
        setattr(cls, name, _guarded(method))
    return cls


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except Exception as exc:
            raise_unavailable(exc)
            raise
    return guarded

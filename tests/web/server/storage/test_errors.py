"""What a database error means: only a unique violation is "another writer won", only an
unusable database is StorageUnavailable (503); a programming error stays a bug (500)."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg
import pytest

from vault.errors import StorageUnavailable, VaultError
from vault.storage import guard_storage, is_unavailable, is_unique_violation
from web.server.errors import domain_error


def sqlite_error(sql: str, setup: tuple[str, ...] = ()) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    for statement in setup:
        conn.execute(statement)
    try:
        conn.execute(sql)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


def test_sqlite_programming_errors_are_not_an_outage() -> None:
    for exc in (sqlite_error("SELECT * FROM missing"), sqlite_error("SELEC 1"),
                sqlite_error("INSERT INTO t VALUES (1)",
                             ("CREATE TABLE t (x UNIQUE)", "INSERT INTO t VALUES (1)"))):
        assert not is_unavailable(exc), exc


def test_sqlite_unique_violation() -> None:
    exc = sqlite_error("INSERT INTO t VALUES (1)",
                       ("CREATE TABLE t (x UNIQUE)", "INSERT INTO t VALUES (1)"))
    assert is_unique_violation(exc)
    check = sqlite_error("INSERT INTO t VALUES (-1)", ("CREATE TABLE t (x CHECK (x > 0))",))
    assert isinstance(check, sqlite3.IntegrityError) and not is_unique_violation(check)


@pytest.mark.parametrize(("code", "message"), [
    (5, "database is locked"), (6, "database table is locked"),
    (8, "attempt to write a readonly database"), (10, "disk I/O error"),
    (13, "database or disk is full"), (14, "unable to open database file"),
    (15, "locking protocol"), (5 | (2 << 8), "database is locked"),  # SQLITE_BUSY_SNAPSHOT
])
def test_sqlite_unusable_database(code: int, message: str) -> None:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code
    assert is_unavailable(exc) and not is_unique_violation(exc)


def test_sqlite_cannot_open() -> None:
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite3.connect("/nonexistent-dir/x.sqlite")
    assert is_unavailable(raised.value)


@pytest.mark.parametrize(("exc", "unavailable"), [
    (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"), True),
    (asyncpg.exceptions.CannotConnectNowError("starting up"), True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
    (asyncpg.exceptions.TooManyConnectionsError("too many clients"), True),
    (asyncpg.exceptions.DiskFullError("no space left"), True),
    (asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"), True),
    (asyncpg.exceptions.InvalidCatalogNameError('database "x" does not exist'), True),
    (asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
        'database "x" is not currently accepting connections'), True),
    (asyncpg.exceptions.ObjectNotInPrerequisiteStateError("something else"), False),
    (asyncpg.exceptions.InterfaceError("connection is closed"), True),
    (asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is "
                                       "in progress"), False),
    (asyncpg.exceptions.InternalClientError("protocol is in an unexpected state"), True),
    (asyncpg.exceptions.UndefinedTableError('relation "x" does not exist'), False),
    (asyncpg.exceptions.PostgresSyntaxError("syntax error"), False),
    (asyncpg.exceptions.StringDataRightTruncationError("value too long"), False),
    (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
    (ConnectionRefusedError(111, "Connection refused"), True),
    (TimeoutError(), True),
    (ValueError("bad"), False),
    (TypeError("bad"), False),
    (KeyError("x"), False),
])
def test_postgres_and_network_errors(exc: BaseException, unavailable: bool) -> None:
    assert is_unavailable(exc) is unavailable
    assert is_unique_violation(exc) is isinstance(exc, asyncpg.exceptions.UniqueViolationError)


@guard_storage
class _Adapter:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def call(self) -> None:
        raise self.error

    async def _private(self) -> None:
        raise self.error


async def test_guard_translates_only_an_outage() -> None:
    with pytest.raises(StorageUnavailable) as raised:
        await _Adapter(ConnectionRefusedError()).call()
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    with pytest.raises(KeyError):
        await _Adapter(KeyError("bug")).call()
    with pytest.raises(ConnectionRefusedError):  # private helpers are left alone
        await _Adapter(ConnectionRefusedError())._private()


def test_storage_unavailable_is_a_503_with_retry_after() -> None:
    exc = StorageUnavailable()
    assert isinstance(exc, VaultError) and exc.code == "storage_unavailable"
    request: Any = None
    response = domain_error(request, exc)
    assert response.status_code == 503
    assert response.content == {"code": "storage_unavailable", "detail": str(exc)}
    assert int(response.headers["Retry-After"]) > 0

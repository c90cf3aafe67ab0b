"""Shared pytest fixtures.

Storage fixtures (this section)
-------------------------------
``dossier_store`` is parametrized over three backends of the DossierStore port:

- ``memory``: :class:`vault.store.MemoryStore`;
- ``sqlite``: :class:`vault.storage.PiccoloStore` on a fresh, migrated SQLite file (one per
  test session);
- ``postgres``: PiccoloStore on a fresh, migrated database ``carnet_test_<hex>`` created on
  the server of ``CARNET_TEST_POSTGRES_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``) and dropped at the end of the session.
  If the server is unreachable those tests are skipped with the reason, unless ``CI=true``,
  where it is a failure.

The two database params carry ``@pytest.mark.db`` (``-m "not db"`` runs memory only).
piccolo's tables are module-level classes bound to one engine at a time, so
``dossier_store`` is function-scoped and rebinds them for each test; tests run sequentially.
"""

from __future__ import annotations

import inspect
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

from vault.storage import PiccoloStore, engine_from_url, migrate
from vault.store import DossierStore, MemoryStore

# The CLI speaks French by default (web.i18n); the suite asserts its English messages unless a
# test asks for French (--lang fr, or CARNET_LANG=fr in the environment it gives). LANGUAGE
# passes the CARNET_* filters of the subprocess helpers; CARNET_LANG covers in-process runs.
os.environ["LANGUAGE"] = "en"
os.environ["CARNET_LANG"] = "en"

# -- storage helpers ------------------------------------------------------------------------

POSTGRES_ADMIN_URL_ENV = "CARNET_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
STORE_BACKENDS = (
    "memory",
    pytest.param("sqlite", marks=pytest.mark.db),
    pytest.param("postgres", marks=pytest.mark.db),
)


def postgres_admin_url() -> str:
    """The URL of an existing database on the test server, used to create/drop others."""
    return os.environ.get(POSTGRES_ADMIN_URL_ENV, DEFAULT_POSTGRES_ADMIN_URL)


def postgres_unavailable(reason: str) -> NoReturn:
    """Skip (locally) or fail (``CI=true``) the tests that need PostgreSQL."""
    message = f"PostgreSQL unavailable at {postgres_admin_url()}: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def postgres_admin_connection() -> Any:
    import asyncpg

    try:
        return await asyncpg.connect(dsn=postgres_admin_url(), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        postgres_unavailable(f"{type(exc).__name__}: {exc}")


async def create_postgres_database() -> str:
    """Create an empty database ``carnet_test_<hex>``; returns its URL."""
    name = f"carnet_test_{secrets.token_hex(6)}"
    conn = await postgres_admin_connection()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(postgres_admin_url(), name)


async def drop_postgres_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("carnet_test_"), name
    conn = await postgres_admin_connection()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def store_row_count(store: DossierStore, dossier_id: str) -> int:
    """Rows a store holds for a dossier (MemoryStore's row_count is sync, PiccoloStore's async)."""
    count = store.row_count(dossier_id)  # type: ignore[attr-defined]
    if inspect.isawaitable(count):
        count = await count
    return int(count)


def make_store(request: pytest.FixtureRequest, backend: str) -> DossierStore:
    """A store on ``backend``; database engines come from the session fixtures below."""
    if backend == "memory":
        return MemoryStore()
    engine = request.getfixturevalue(f"{backend}_engine")
    return PiccoloStore(engine)


# -- storage fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
async def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this test session."""
    path: Path = tmp_path_factory.mktemp("carnet-sqlite") / "carnet.sqlite"
    url = f"sqlite:///{path}"
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def postgres_database_url() -> AsyncIterator[str]:
    """A migrated PostgreSQL database for this test session, dropped afterwards."""
    url = await create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture(scope="session")
async def sqlite_engine(sqlite_database_url: str) -> Any:
    return engine_from_url(sqlite_database_url)


@pytest.fixture(scope="session")
async def postgres_engine(postgres_database_url: str) -> AsyncIterator[Any]:
    engine = engine_from_url(postgres_database_url)
    await engine.start_connection_pool(min_size=1, max_size=4)
    try:
        yield engine
    finally:
        await engine.close_connection_pool()


@pytest.fixture(params=STORE_BACKENDS)
def dossier_store(request: pytest.FixtureRequest) -> DossierStore:
    """A DossierStore on each backend (function-scoped: rebinds piccolo's tables)."""
    return make_store(request, request.param)

"""Fixtures for the in-process API tests (``test_api_*.py``).

``app`` is parametrized over SQLite and PostgreSQL (``@pytest.mark.db``). Each backend has
one fresh, migrated database for the whole session (a SQLite file under the session's temp
directory; a PostgreSQL database ``carnet_test_<hex>`` dropped at the end, skipped when the
server is unreachable, a failure under ``CI=true``). Tests share that database, so they
create their own people, professionals and dossiers (fresh NIRs, ids and idNat_PS).

``app`` itself is function-scoped: every test gets new services (``build_services``) with a
settable fake clock, a collecting mailer and therefore a fresh in-memory rate limiter, so
tests never throttle each other. Building the services rebinds piccolo's module-level
tables to this test's engine (``PiccoloStore(engine)`` and ``ServiceDb(engine)`` do it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.web.api_support import Harness, open_harness
from vault.storage import migrate

APP_BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.db))


@pytest.fixture(scope="session")
async def web_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("carnet-web-sqlite") / "carnet.sqlite"
    url = f"sqlite:///{path}"
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def web_postgres_url() -> AsyncIterator[str]:
    url = await create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture(params=APP_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue(f"web_{backend}_url"))


@pytest.fixture
async def app(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The app on SQLite, then PostgreSQL: fresh services, fake clock, collected mail."""
    async with open_harness(backend, database_url, tmp_path) as harness:
        yield harness

"""Fixtures for the in-process API tests of this folder.

``app`` is parametrized over SQLite and PostgreSQL (``@pytest.mark.db``). Each backend has
one fresh, migrated database for the whole session: the session databases of
``tests/conftest.py`` (``sqlite_database_url``, ``postgres_database_url``; PostgreSQL skipped
when the server is unreachable, a failure under ``CI=true``). Tests share that database, so
they create their own people, professionals and dossiers (fresh NIRs, ids and idNat_PS).

``app`` itself is function-scoped: every test gets new services (``build_services``) with a
settable fake clock, a collecting mailer and therefore a fresh in-memory rate limiter, so
tests never throttle each other. Building the services binds piccolo's module-level tables
to this test's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.server.routes.api_support import APP_BACKENDS, Harness, open_harness


@pytest.fixture(params=APP_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue(f"{backend}_database_url"))


@pytest.fixture
async def app(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The app on SQLite, then PostgreSQL: fresh services, fake clock, collected mail."""
    async with open_harness(backend, database_url, tmp_path) as harness:
        yield harness

"""``service_storage``: the server's storage ports on memory, SQLite and PostgreSQL.

The database params reuse the session engines of ``tests/conftest.py`` (one migrated
database per backend and session; PostgreSQL skipped when unreachable, a failure under
``CI=true``) and carry ``@pytest.mark.db``. The fixture is function-scoped: it binds the
service tables to the test's engine, as the container does once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from web.server.storage import (
    EmergencyStore,
    MemoryEmergencyStore,
    MemoryServiceDb,
    PiccoloEmergencyStore,
    PiccoloServiceDb,
    ServiceDb,
    bind_tables,
)

STORAGE_BACKENDS = (
    "memory",
    pytest.param("sqlite", marks=pytest.mark.db),
    pytest.param("postgres", marks=pytest.mark.db),
)


@dataclass(frozen=True, slots=True)
class Storage:
    backend: str
    db: ServiceDb
    cards: EmergencyStore
    engine: Any = None


@pytest.fixture(params=STORAGE_BACKENDS)
def service_storage(request: pytest.FixtureRequest) -> Storage:
    backend = str(request.param)
    if backend == "memory":
        cards = MemoryEmergencyStore()
        return Storage(backend, MemoryServiceDb(cards), cards)
    engine = request.getfixturevalue(f"{backend}_engine")
    bind_tables(engine)
    return Storage(backend, PiccoloServiceDb(engine), PiccoloEmergencyStore(), engine)

"""Storage adapters for the DossierStore port (piccolo: SQLite or PostgreSQL).

Public names::

    from vault.storage import PiccoloStore, engine_from_url, migrate, MigrationError
"""

from __future__ import annotations

from vault.storage.engine import (
    DEFAULT_DATABASE_URL,
    CarnetSQLiteEngine,
    engine_from_url,
    guard_storage,
    is_unavailable,
    is_unique_violation,
    resolve_url,
)
from vault.storage.migrate import MigrationError, migrate
from vault.storage.piccolo_store import PiccoloStore, bind_tables

__all__ = [
    "DEFAULT_DATABASE_URL",
    "CarnetSQLiteEngine",
    "MigrationError",
    "PiccoloStore",
    "bind_tables",
    "engine_from_url",
    "guard_storage",
    "is_unavailable",
    "is_unique_violation",
    "migrate",
    "resolve_url",
]

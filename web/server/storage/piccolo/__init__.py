"""The storage ports on piccolo (SQLite or PostgreSQL): one adapter class per aggregate,
composed into :class:`PiccoloServiceDb`, plus :class:`PiccoloEmergencyStore`.

piccolo's table classes are module-level: :func:`bind` points them at one engine, once per
process, in the container (``web.server.container``). The adapters never rebind them.
Every public method raises :class:`vault.errors.StorageUnavailable` when the database
cannot be reached or used right now; a unique-constraint violation is the only error read
as "another writer won".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine

from vault.storage.engine import guard_storage
from web.server.storage.piccolo.directory import PiccoloDirectory
from web.server.storage.piccolo.dossier import (
    PiccoloAuditLog,
    PiccoloBlocks,
    PiccoloDeposits,
    PiccoloGrants,
)
from web.server.storage.piccolo.emergency import PiccoloEmergencyStore
from web.server.storage.piccolo.identity import (
    PiccoloAccounts,
    PiccoloCodes,
    PiccoloNonces,
    PiccoloRegistry,
    PiccoloSessions,
)
from web.server.storage.tables import (
    ALL_TABLES,
    AuditRow,
    BlockRow,
    BreakGlassRow,
    CardRow,
    DepositRow,
    GrantRow,
    SessionRow,
)

__all__ = ["PiccoloEmergencyStore", "PiccoloServiceDb", "bind"]


def bind(engine: Engine[Any]) -> None:
    """Bind every service table class to ``engine`` (process-wide; call once)."""
    for table in ALL_TABLES:
        table._meta.db = engine


@guard_storage
class PiccoloServiceDb(PiccoloAccounts, PiccoloSessions, PiccoloNonces, PiccoloRegistry,
                       PiccoloCodes, PiccoloDirectory, PiccoloGrants, PiccoloAuditLog,
                       PiccoloDeposits, PiccoloBlocks):
    """:class:`web.server.storage.ports.ServiceDb` on the tables :func:`bind` bound."""

    async def forget_dossier(self, dossier_id: str) -> None:
        for table in (GrantRow, AuditRow, DepositRow, BlockRow, CardRow, BreakGlassRow):
            await table.delete().where(table.dossier_id == dossier_id)

    async def ping(self) -> None:
        # A real table read: "SELECT 1" would not notice a locked SQLite file.
        await SessionRow.select(SessionRow._meta.primary_key).limit(1)


if TYPE_CHECKING:
    from web.server.storage import ports

    def _is_a_service_db(db: PiccoloServiceDb) -> ports.ServiceDb:
        return db  # mypy checks the adapter against the port here

    def _is_an_emergency_store(store: PiccoloEmergencyStore) -> ports.EmergencyStore:
        return store

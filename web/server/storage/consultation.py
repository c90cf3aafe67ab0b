""":class:`web.server.storage.ports.Consultations` made of the other ports' calls: the
in-memory fakes' implementation, and the semantics the one-statement piccolo read
(``web.server.storage.piccolo.consultation``) must match (pinned by the contract test)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault.errors import DossierClosed, NotFound
from vault.store import DossierStore, all_items
from web.server.storage.ports import Consultation, ServiceDb

__all__ = ["PortConsultations"]


class PortConsultations:
    """A consultation read through ``db`` and ``store`` (four to five calls)."""

    def __init__(self, db: ServiceDb, store: DossierStore) -> None:
        self._db = db
        self._store = store

    async def consultation(self, grant_id: str, ps_id: str, *,
                           items: bool = True) -> Consultation | None:
        stored = await self._db.grant(grant_id)
        if stored is None:
            return None
        dossier_id = stored.dossier_id
        try:
            dossier = await self._store.dossier(dossier_id)
            closed = False
        except DossierClosed:
            dossier, closed = None, True
        except NotFound:
            dossier, closed = None, False
        found = () if dossier is None or not items else tuple(
            await all_items(self._store, dossier_id, stored.key_refs))
        return Consultation(grant=stored, dossier=dossier, closed=closed,
                            blocked=await self._db.is_blocked(dossier_id, ps_id),
                            head=await self._db.audit_head(dossier_id), items=found)


if TYPE_CHECKING:
    from web.server.storage.ports import Consultations

    def _is_consultations(c: PortConsultations) -> Consultations:
        return c

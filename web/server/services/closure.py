"""Closing a dossier (P8): crypto-shredding in the vault store, then the server's own rows.

The order is the contract: the patient-signed tombstone replaces the dossier first (from then
on nothing of it can be read or written) and its key in the server key store is destroyed
(the store does both, see ``web.server.storage.sealed``), then the account, the audit chain,
the registry link and every session go, then the database is scrubbed once, after the last
delete (``web.server.storage.scrub``), and last the holder is told by e-mail at the address
on file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vault import tombstone as tombstone_format
from vault.errors import DossierClosed, FormatError, NotAllowed
from vault.records import TombstoneRecord
from vault.store import DossierStore
from web.server.services import messages
from web.server.services.notify import Notifier
from web.server.storage.ports import ServiceDb


class ClosureService:
    def __init__(self, db: ServiceDb, store: DossierStore, notifier: Notifier,
                 scrub: Callable[[], Awaitable[None]] | None = None) -> None:
        self._db = db
        self._store = store
        self._notifier = notifier
        self._scrub = scrub

    async def close(self, dossier_id: str, blob: bytes) -> None:
        """Close ``dossier_id`` with the tombstone ``blob``, signed by the dossier's key
        (NotAllowed otherwise, and nothing changes).

        Idempotent: closing a closed dossier raises DossierClosed (410), as any use of it
        does, after finishing the server-side cleanup in case an earlier closure stopped
        halfway (the holder is then told, once: the registry link is what says so)."""
        try:
            record = await self._store.dossier(dossier_id)
        except DossierClosed:
            await self._forget(dossier_id)
            raise
        try:
            stone = tombstone_format.decode(blob)
        except FormatError:
            raise NotAllowed("this is not a tombstone") from None
        if (stone.dossier_id != dossier_id or stone.sign_public != record.sign_public
                or not stone.verify()):
            raise NotAllowed("the tombstone must be signed by this dossier's key")
        await self._store.close(TombstoneRecord(dossier_id, stone.closed_at, blob))
        await self._forget(dossier_id)

    async def _forget(self, dossier_id: str) -> None:
        """Delete the server's rows about a closed dossier, then tell the holder."""
        beneficiary = await self._db.beneficiary_of_dossier(dossier_id)
        await self._db.delete_account(dossier_id)
        await self._db.forget_dossier(dossier_id)
        await self._db.unlink_dossier(dossier_id)
        await self._db.delete_sessions_of(dossier_id)
        if self._scrub is not None:  # after the last delete: the WAL must not keep the rows
            await self._scrub()
        if beneficiary is not None:
            self._notifier.email(beneficiary.email, messages.dossier_closed(beneficiary.first_name))

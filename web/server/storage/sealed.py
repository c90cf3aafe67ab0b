"""The at-rest layer around the vault's :class:`vault.store.DossierStore` (P8).

:class:`SealedDossierStore` wraps any ``DossierStore`` (piccolo, memory) and a key store
(``web.server.keystore.DossierKeys``):

- ``create`` makes the dossier's store key first, then stores the key slots with their
  ``wrapped`` and ``login_public`` sealed under it (``web.server.atrest``); ``put_slots``
  seals the same way and ``slot`` opens them. Without the key nobody can log in (the server
  has no login public key to check against) or unwrap the master key (the wrap is sealed).
- ``close`` runs the inner close (rows deleted, tombstone, scrub: one committed
  transaction) and only THEN destroys the key: a crash in between leaves a tombstoned
  dossier whose key goes at its next touch (``dossier``/``tombstone`` of a closed dossier
  destroy any key left), never a dossier without a key and without a tombstone.
- A dossier whose key is missing (closed, then an old database backup restored) is closed
  everywhere: every call raises :class:`vault.errors.DossierClosed` (410), except ``slot``,
  which raises :class:`vault.errors.NotFound` as for a slot that does not exist, so the login
  path answers exactly as for an unknown login (fake salts, then "login failed"). A dossier
  that never existed still raises ``NotFound``.

The keyring, items and chunks pass through as they are: they are sealed under keys that only
a slot, grant, card or break-glass package leads to, all of which are sealed here or in
:mod:`web.server.storage.sealed_service`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vault.crypto import Random
from vault.errors import DecryptionFailed, DossierClosed, NotFound
from vault.records import (
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeyringRecord,
    KeySlot,
    Rewrap,
    TombstoneRecord,
)
from vault.store import PAGE_MAX, DossierStore
from web.server import atrest
from web.server.keystore import DossierKeys

__all__ = ["SealedDossierStore", "open_slot", "seal_slot"]


def seal_slot(key: bytes, dossier_id: str, slot: KeySlot, rng: Random) -> KeySlot:
    """``slot`` with its wrap and login public key sealed under the dossier's store key."""
    return replace(
        slot,
        wrapped=atrest.seal(key, dossier_id, "slot.wrapped", slot.name, slot.wrapped, rng),
        login_public=atrest.seal(key, dossier_id, "slot.login", slot.name, slot.login_public,
                                 rng))


def open_slot(key: bytes, dossier_id: str, slot: KeySlot) -> KeySlot:
    """The slot :func:`seal_slot` sealed; DecryptionFailed if it does not open."""
    return replace(
        slot,
        wrapped=atrest.open_(key, dossier_id, "slot.wrapped", slot.name, slot.wrapped),
        login_public=atrest.open_(key, dossier_id, "slot.login", slot.name, slot.login_public))


class SealedDossierStore:
    """A :class:`vault.store.DossierStore` whose key slots are sealed under a key that lives
    in ``keys`` (see the module docstring). Any other attribute (``engine``, ``scrub``,
    ``row_count``) is the inner store's."""

    def __init__(self, inner: DossierStore, keys: DossierKeys, rng: Random) -> None:
        self._inner = inner
        self._keys = keys
        self._rng = rng

    @property
    def inner(self) -> DossierStore:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    async def _key(self, dossier_id: str) -> bytes:
        """The dossier's store key; else NotFound (no such dossier) or DossierClosed."""
        key = await self._keys.key(dossier_id)
        if key is None:
            await self.dossier(dossier_id)  # NotFound or DossierClosed as the store says
            raise DossierClosed("this dossier was closed")
        return key

    async def _forget_key_if_closed(self, dossier_id: str) -> None:
        if await self._keys.key(dossier_id) is not None:
            await self._keys.destroy(dossier_id)

    # -- dossier --------------------------------------------------------------------------

    async def create(self, dossier: DossierRecord, slots: Sequence[KeySlot],
                     keyring: bytes) -> None:
        dossier_id = dossier.dossier_id
        key = await self._keys.create(dossier_id)
        sealed = [seal_slot(key, dossier_id, s, self._rng) for s in slots]
        try:
            await self._inner.create(dossier, sealed, keyring)
        except DossierClosed:
            await self._keys.destroy(dossier_id)  # a tombstoned id: no key may live for it
            raise

    async def dossier(self, dossier_id: str) -> DossierRecord:
        try:
            record = await self._inner.dossier(dossier_id)
        except DossierClosed:
            await self._forget_key_if_closed(dossier_id)  # finish an interrupted closure
            raise
        if await self._keys.key(dossier_id) is None:
            raise DossierClosed("this dossier was closed")
        return record

    # -- key slots and keyring ------------------------------------------------------------

    async def slot(self, dossier_id: str, name: str) -> KeySlot:
        found = await self._inner.slot(dossier_id, name)
        key = await self._keys.key(dossier_id)
        if key is None:
            raise NotFound("no such key slot")
        try:
            return open_slot(key, dossier_id, found)
        except DecryptionFailed:
            raise NotFound("no such key slot") from None

    async def put_slots(self, dossier_id: str, slots: Sequence[KeySlot]) -> None:
        key = await self._key(dossier_id)
        await self._inner.put_slots(dossier_id,
                                    [seal_slot(key, dossier_id, s, self._rng) for s in slots])

    async def keyring(self, dossier_id: str) -> KeyringRecord:
        await self._key(dossier_id)
        return await self._inner.keyring(dossier_id)

    async def put_keyring(self, dossier_id: str, blob: bytes, expected_version: int) -> int:
        await self._key(dossier_id)
        return await self._inner.put_keyring(dossier_id, blob, expected_version)

    # -- items and chunks -----------------------------------------------------------------

    async def put_item(self, item: ItemRecord, chunks: Sequence[ChunkRecord] = (), *,
                       keyring_version: int | None = None,
                       base_revision: int | None = None) -> None:
        await self._key(item.dossier_id)
        await self._inner.put_item(item, chunks, keyring_version=keyring_version,
                                   base_revision=base_revision)

    async def items(self, dossier_id: str, *, key_refs: Sequence[str] | None = None,
                    after: str | None = None, limit: int = PAGE_MAX) -> list[ItemRecord]:
        await self._key(dossier_id)
        return await self._inner.items(dossier_id, key_refs=key_refs, after=after, limit=limit)

    async def revisions(self, dossier_id: str, item_id: str) -> list[ItemRecord]:
        await self._key(dossier_id)
        return await self._inner.revisions(dossier_id, item_id)

    async def rewrap(self, dossier_id: str, changes: Sequence[Rewrap], *,
                     keyring_version: int | None = None) -> None:
        await self._key(dossier_id)
        await self._inner.rewrap(dossier_id, changes, keyring_version=keyring_version)

    async def delete_item(self, dossier_id: str, item_id: str, *,
                          keyring_version: int | None = None,
                          base_revision: int | None = None) -> None:
        await self._key(dossier_id)
        await self._inner.delete_item(dossier_id, item_id, keyring_version=keyring_version,
                                      base_revision=base_revision)

    async def chunks(self, dossier_id: str, attachment_id: str) -> list[bytes]:
        await self._key(dossier_id)
        return await self._inner.chunks(dossier_id, attachment_id)

    # -- closing --------------------------------------------------------------------------

    async def close(self, tombstone: TombstoneRecord) -> None:
        """The inner close (committed), then the key's destruction."""
        await self._key(tombstone.dossier_id)
        await self._inner.close(tombstone)
        await self._keys.destroy(tombstone.dossier_id)

    async def tombstone(self, dossier_id: str) -> TombstoneRecord | None:
        found = await self._inner.tombstone(dossier_id)
        if found is not None:
            await self._forget_key_if_closed(dossier_id)
        return found


if TYPE_CHECKING:
    def _is_a_dossier_store(store: SealedDossierStore) -> DossierStore:
        return store  # mypy checks the decorator against the port here

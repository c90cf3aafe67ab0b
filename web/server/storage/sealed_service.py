"""The at-rest layer around the server's own ports (P8): grants, history events and deposits
(:class:`SealedServiceDb`), emergency cards and break-glass packages
(:class:`SealedEmergencyStore`), each blob sealed under its dossier's store key
(``web.server.atrest``, ``web.server.keystore``) on the way in and opened on the way out.

Sealed fields (purpose, row id): ``StoredGrant.blob`` ("grant", grant id), an audit event
("audit", "": the hash chain already binds each event to its place), ``StoredDeposit.blob``
("deposit", deposit id), ``StoredCard.server_share`` / ``.package`` ("card.share" /
"card.package", card id), the break-glass package ("break_glass", ""). Every other method
of the ports passes through unchanged.

Without the dossier's key (closed, then an old database backup restored):

- lookups by a token's or card's own id (``grant``, ``card``) answer None, as for an id
  that does not exist: the token does not scan, the card does not open;
- per-dossier reads and writes raise :class:`vault.errors.DossierClosed` (410), except that
  a dossier with no rows at all still reads as empty.

A stored value that does not open under the key (altered in the database): a grant or card
reads as absent (refused); a history event or deposit is handed over as stored, because
their integrity is the patient's client's check (hash chain and request signatures, P6;
the depositor's signature), which then reports the tampering; a card list or break-glass
package raises :class:`vault.errors.DecryptionFailed`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vault.crypto import Random
from vault.errors import DecryptionFailed, DossierClosed
from web.server import atrest
from web.server.keystore import DossierKeys
from web.server.storage.ports import (
    UNREAD,
    Along,
    AuditEntry,
    AuditHead,
    Consultation,
    Consultations,
    EmergencyStore,
    ServiceDb,
    StoredCard,
    StoredDeposit,
    StoredGrant,
    Unread,
)

__all__ = ["SealedConsultations", "SealedEmergencyStore", "SealedServiceDb"]


class _Sealer:
    """What both decorators share: the key store, and sealing or opening one field."""

    def __init__(self, inner: Any, keys: DossierKeys, rng: Random) -> None:
        self._inner = inner
        self._keys = keys
        self._rng = rng

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    async def _key(self, dossier_id: str) -> bytes:
        key = await self._keys.key(dossier_id)
        if key is None:
            raise DossierClosed("this dossier was closed")
        return key

    def _seal(self, key: bytes, dossier_id: str, purpose: str, row_id: str,
              value: bytes) -> bytes:
        return atrest.seal(key, dossier_id, purpose, row_id, value, self._rng)


class SealedServiceDb(_Sealer):
    """A :class:`web.server.storage.ports.ServiceDb` whose grants, history events and
    deposits are sealed at rest (see the module docstring)."""

    def __init__(self, inner: ServiceDb, keys: DossierKeys, rng: Random) -> None:
        super().__init__(inner, keys, rng)
        self._db: ServiceDb = inner

    # -- grants ---------------------------------------------------------------------------

    async def put_grant(self, g: StoredGrant) -> None:
        key = await self._key(g.dossier_id)
        await self._db.put_grant(replace(
            g, blob=self._seal(key, g.dossier_id, "grant", g.grant_id, g.blob)))

    async def replace_grant(self, g: StoredGrant) -> bool:
        key = await self._key(g.dossier_id)
        return await self._db.replace_grant(replace(
            g, blob=self._seal(key, g.dossier_id, "grant", g.grant_id, g.blob)))

    async def grant(self, grant_id: str) -> StoredGrant | None:
        found = await self._db.grant(grant_id)
        if found is None:
            return None
        key = await self._keys.key(found.dossier_id)
        if key is None:
            return None  # a closed dossier's token is an unknown token
        try:
            return _open_grant(key, found)
        except DecryptionFailed:
            return None

    async def grants_of(self, dossier_id: str) -> list[StoredGrant]:
        found = await self._db.grants_of(dossier_id)
        if not found:
            return []
        key = await self._key(dossier_id)
        return [_open_grant(key, g) for g in found]

    # -- history --------------------------------------------------------------------------

    async def append_audit(self, dossier_id: str, entry: AuditEntry, *,
                           along: Along | None = None,
                           last: AuditHead | Unread | None = UNREAD) -> int:
        key = await self._key(dossier_id)  # before the lock: the sealing itself is quick

        def sealed(head: AuditHead | None) -> tuple[bytes, bytes]:
            blob, hash_ = entry(head)
            return self._seal(key, dossier_id, "audit", "", blob), hash_
        return await self._db.append_audit(dossier_id, sealed, along=along, last=last)

    async def append_audit_once(self, dossier_id: str, entry: AuditEntry, *, nonce: str,
                                expires_at: int, last: AuditHead | Unread | None = UNREAD
                                ) -> int | None:
        key = await self._key(dossier_id)

        def sealed(head: AuditHead | None) -> tuple[bytes, bytes]:
            blob, hash_ = entry(head)
            return self._seal(key, dossier_id, "audit", "", blob), hash_
        return await self._db.append_audit_once(dossier_id, sealed, nonce=nonce,
                                                expires_at=expires_at, last=last)

    async def put_audit(self, dossier_id: str, seq: int, blob: bytes, hash_: bytes) -> bool:
        key = await self._key(dossier_id)
        return await self._db.put_audit(dossier_id, seq,
                                        self._seal(key, dossier_id, "audit", "", blob), hash_)

    async def audit_events(self, dossier_id: str) -> list[bytes]:
        found = await self._db.audit_events(dossier_id)
        if not found:
            return []
        key = await self._key(dossier_id)
        return [_open_or_as_stored(key, dossier_id, "audit", "", e) for e in found]

    # -- deposits -------------------------------------------------------------------------

    async def put_deposit(self, d: StoredDeposit) -> bool:
        key = await self._key(d.dossier_id)
        return await self._db.put_deposit(replace(
            d, blob=self._seal(key, d.dossier_id, "deposit", d.deposit_id, d.blob)))

    async def deposits_of(self, dossier_id: str, after: str | None = None,
                          limit: int = 100) -> list[StoredDeposit]:
        found = await self._db.deposits_of(dossier_id, after, limit)
        if not found:
            return []
        key = await self._key(dossier_id)
        return [replace(d, blob=_open_or_as_stored(key, dossier_id, "deposit", d.deposit_id,
                                                   d.blob)) for d in found]


class SealedConsultations(_Sealer):
    """A :class:`web.server.storage.ports.Consultations` whose grant blob is opened as
    :meth:`SealedServiceDb.grant` opens it: a closed dossier's token, or a grant that does
    not open, is an unknown grant (None). The items pass through (see
    :mod:`web.server.storage.sealed`)."""

    def __init__(self, inner: Consultations, keys: DossierKeys, rng: Random) -> None:
        super().__init__(inner, keys, rng)
        self._consultations = inner

    async def consultation(self, grant_id: str, ps_id: str, *,
                           items: bool = True) -> Consultation | None:
        found = await self._consultations.consultation(grant_id, ps_id, items=items)
        if found is None:
            return None
        key = await self._keys.key(found.grant.dossier_id)
        if key is None:
            return None
        try:
            return replace(found, grant=_open_grant(key, found.grant))
        except DecryptionFailed:
            return None


class SealedEmergencyStore(_Sealer):
    """A :class:`web.server.storage.ports.EmergencyStore` whose card shares and packages and
    break-glass packages are sealed at rest (see the module docstring)."""

    def __init__(self, inner: EmergencyStore, keys: DossierKeys, rng: Random) -> None:
        super().__init__(inner, keys, rng)
        self._cards: EmergencyStore = inner

    async def put_card(self, c: StoredCard) -> None:
        key = await self._key(c.dossier_id)
        await self._cards.put_card(replace(
            c,
            server_share=self._seal(key, c.dossier_id, "card.share", c.card_id, c.server_share),
            package=self._seal(key, c.dossier_id, "card.package", c.card_id, c.package)))

    async def card(self, card_id: str) -> StoredCard | None:
        found = await self._cards.card(card_id)
        if found is None:
            return None
        key = await self._keys.key(found.dossier_id)
        if key is None:
            return None  # a closed dossier's card is an unknown card
        try:
            return _open_card(key, found)
        except DecryptionFailed:
            return None

    async def cards_of(self, dossier_id: str) -> list[StoredCard]:
        found = await self._cards.cards_of(dossier_id)
        if not found:
            return []
        key = await self._key(dossier_id)
        return [_open_card(key, c) for c in found]

    async def replace_card_package(self, dossier_id: str, card_id: str, package: bytes,
                                   key_refs: tuple[str, ...], at: int) -> bool:
        key = await self._key(dossier_id)
        return await self._cards.replace_card_package(
            dossier_id, card_id, self._seal(key, dossier_id, "card.package", card_id, package),
            key_refs, at)

    async def put_break_glass(self, dossier_id: str, package: bytes,
                              key_refs: tuple[str, ...], at: int) -> None:
        key = await self._key(dossier_id)
        await self._cards.put_break_glass(
            dossier_id, self._seal(key, dossier_id, "break_glass", "", package), key_refs, at)

    async def break_glass(self, dossier_id: str) -> tuple[bytes, tuple[str, ...]] | None:
        found = await self._cards.break_glass(dossier_id)
        if found is None:
            return None
        key = await self._key(dossier_id)
        package, refs = found
        return atrest.open_(key, dossier_id, "break_glass", "", package), refs


def _open_or_as_stored(key: bytes, dossier_id: str, purpose: str, row_id: str,
                       stored: bytes) -> bytes:
    """The opened value; the stored bytes if they do not open (altered): the client's own
    integrity check rejects them and says so."""
    try:
        return atrest.open_(key, dossier_id, purpose, row_id, stored)
    except DecryptionFailed:
        return stored


def _open_grant(key: bytes, g: StoredGrant) -> StoredGrant:
    return replace(g, blob=atrest.open_(key, g.dossier_id, "grant", g.grant_id, g.blob))


def _open_card(key: bytes, c: StoredCard) -> StoredCard:
    return replace(
        c,
        server_share=atrest.open_(key, c.dossier_id, "card.share", c.card_id, c.server_share),
        package=atrest.open_(key, c.dossier_id, "card.package", c.card_id, c.package))


if TYPE_CHECKING:
    def _is_a_service_db(db: SealedServiceDb) -> ServiceDb:
        return db  # mypy checks the decorator against the port here

    def _is_an_emergency_store(store: SealedEmergencyStore) -> EmergencyStore:
        return store

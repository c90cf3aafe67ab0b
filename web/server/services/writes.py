"""Server side of professional writes, deposits and blocks (P5, DMP-style).

- **Block**: the patient blocks a professional for their dossier: every consent token of
  theirs is refused from then on (``ConsentService.admit``), and their active grants are
  revoked (the patient's client then rotates the sections' keys).
- **Write**: a professional holding a read+write grant adds a new item to a granted section.
  The token is checked exactly as for a scan; the item must be wrapped under one of the
  grant's key references, and under the current one if the grant was re-sealed after a
  rotation (``stale_key`` otherwise: the client scans again and retries). It is refused
  too while an ENDED grant (revoked or expired) of the dossier carries that key, i.e. until
  the patient's client has rotated it (``rotation_owed``): a crash between a revocation and
  the rotation, or a patient who has not logged in since an expiry, must not let a remaining
  grantee write what the ex-grantee could read (P5). The server sees the same opaque record
  as for a patient's write.
- The item (or deposit) and its history event are one transaction (``AuditLog.append_audit``
  with ``along``): a crash or a failed append leaves neither, never an unlogged write (P6).
- **Deposit**: any approved professional (even one the patient blocked) leaves an item sealed
  to the patient's public key, signed with their own key; the patient's client checks and
  files it. The server can read none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import nacl.public
import nacl.signing

from consent import deposit as deposit_format
from consent.errors import InvalidDeposit
from vault.errors import NotFound
from vault.records import ChunkRecord, DossierRecord, ItemRecord
from vault.store import DossierStore
from web.nir import parse_nir
from web.server.services import messages
from web.server.services.consent import REQUEST_WINDOW, ConsentService, SignedRequest
from web.server.services.errors import (
    ConflictError,
    Forbidden,
    KeyNotGranted,
    NotFoundError,
    RateLimited,
    RotationOwed,
    StaleKey,
    Unauthorized,
    WriteNotGranted,
)
from web.server.services.notify import Notifier
from web.server.services.peppers import Peppers, keyed_hex
from web.server.storage.ports import Professional, ServiceDb, StoredDeposit

# A patient who never files their deposits cannot be buried under them.
PENDING_DEPOSITS_MAX: Final = 500
# How long a dropped deposit's id is refused again, as a waiting real one would be.
DECOY_IDS: Final = 90 * 86400


def _decoy(pepper: bytes, login_hash: str) -> DossierRecord:
    """The stand-in :meth:`WritesService.recipient` gives for a NIR without a dossier."""
    sign = nacl.signing.SigningKey(bytes.fromhex(keyed_hex(pepper, f"decoy-sign:{login_hash}")))
    box = nacl.public.PrivateKey(bytes.fromhex(keyed_hex(pepper, f"decoy-box:{login_hash}")))
    return DossierRecord(dossier_id=keyed_hex(pepper, f"decoy-id:{login_hash}")[:32],
                         created_at=0, sign_public=sign.verify_key.encode(),
                         box_public=box.public_key.encode())


@dataclass(frozen=True, slots=True)
class BlockDone:
    ps_id: str
    at: int
    revoked: list[str]


class WritesService:
    def __init__(self, db: ServiceDb, store: DossierStore, consent: ConsentService,
                 notifier: Notifier, peppers: Peppers, clock: Callable[[], float]) -> None:
        self._db = db
        self._store = store
        self._consent = consent
        self._notifier = notifier
        self._peppers = peppers
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock())

    # ------------------------------------------------------------------ blocks
    async def block(self, dossier_id: str, ps_id: str) -> BlockDone:
        """Block ``ps_id`` and revoke their active grants of this dossier (each revocation
        is in the history too). Blocking twice revokes what is active and records again."""
        if await self._db.professional(ps_id) is None:
            raise NotFoundError("no professional with this idNat_PS in the directory")
        now = self._now()
        revoked: list[str] = []
        # Revocations first, the block after: a crash in between leaves revoked grants (which
        # the patient's client rotates away like any other) and no block, which the patient
        # sees and asks again; never a block whose grants stay active and unrotated.
        for g in await self._db.grants_of(dossier_id):
            if g.recipient_id == ps_id and g.revoked_at is None and g.expires_at > now:
                await self._consent.revoke(dossier_id, g.grant_id)
                revoked.append(g.grant_id)
        await self._db.block(dossier_id, ps_id, now)
        await self._consent.record(dossier_id, "professional_blocked", "patient",
                                   {"professional": ps_id, "blocked": 1,
                                    "grants_revoked": len(revoked)})
        return BlockDone(ps_id=ps_id, at=now, revoked=revoked)

    async def unblock(self, dossier_id: str, ps_id: str) -> None:
        """Lift a block (revoked grants stay revoked). Recorded as ``professional_blocked``
        with ``blocked: 0``."""
        if not await self._db.unblock(dossier_id, ps_id):
            raise NotFoundError("this professional is not blocked")
        await self._consent.record(dossier_id, "professional_blocked", "patient",
                                   {"professional": ps_id, "blocked": 0})

    async def blocks(self, dossier_id: str) -> list[tuple[str, int]]:
        return await self._db.blocks_of(dossier_id)

    # ------------------------------------------------------------------ writes
    async def write(self, pro: Professional, text: str, item: ItemRecord,
                    chunks: Sequence[ChunkRecord], request: SignedRequest) -> ItemRecord:
        """Store a new item a professional wrote through a read+write grant, in the grant's
        dossier (the records' own dossier id is ignored)."""
        admitted = await self._consent.admit(pro, text, request)
        stored = admitted.stored
        if not admitted.core.write or not stored.write:
            raise WriteNotGranted()
        if item.key_ref not in stored.key_refs:
            raise KeyNotGranted()
        current = admitted.core.current_refs
        if current and item.key_ref not in current:
            # A re-sealed grant names the only refs a write may use: the older ones may be
            # held by an ex-grantee (P5).
            raise StaleKey()
        if item.revision != 1:
            raise ConflictError("a professional can only add new items (revision 1)")
        try:
            await self._store.revisions(stored.dossier_id, item.item_id)
        except NotFound:
            pass
        else:
            raise ConflictError("an item with this id already exists")
        record = ItemRecord(stored.dossier_id, item.item_id, 1, item.key_ref, item.wrapped_key,
                            item.ciphertext, item.created_at)
        filed = [ChunkRecord(stored.dossier_id, record.item_id, c.attachment_id, c.index, c.blob)
                 for c in chunks]

        async def put() -> None:
            # Under the history's lock, in the event's transaction: a revocation committed
            # before this point is seen here, and one committed after is logged after.
            await self._refuse_owed_rotation(stored.dossier_id, record.key_ref)
            await self._store.put_item(record, filed)

        await self._consent.record(stored.dossier_id, "item_written", f"ps:{pro.ps_id}",
                                   {"grant": stored.grant_id, "item": record.item_id},
                                   request=request, actor_public=pro.sign_public, along=put)
        self._notifier.patient(stored.dossier_id, messages.item_written(pro))
        return record

    async def _refuse_owed_rotation(self, dossier_id: str, key_ref: str) -> None:
        """RotationOwed if a revoked or expired grant of the dossier carries ``key_ref``."""
        now = self._now()
        for g in await self._db.grants_of(dossier_id):
            if (g.revoked_at is not None or g.expires_at <= now) and key_ref in g.key_refs:
                raise RotationOwed()

    # ------------------------------------------------------------------ deposits
    async def recipient(self, nir_text: str) -> DossierRecord:
        """The dossier (and public keys) of the patient with this NIR. Without an open
        dossier, a decoy answered the same way (an id and keys derived from the NIR under a
        server pepper, whose secrets nobody keeps; stable, so asking twice tells nothing): a
        deposit to it is accepted and dropped (:meth:`deposit`), so a depositor never learns
        who has a dossier. Nothing can be queued for a patient without keys (P1)."""
        login_hash = self._peppers.login_hash("patient", parse_nir(nir_text))
        decoy = _decoy(self._peppers.salt, login_hash)  # the same work either way
        dossier_id = await self._db.dossier_for_login(login_hash)
        return decoy if dossier_id is None else await self._store.dossier(dossier_id)

    async def deposit(self, pro: Professional, dossier_id: str, deposit_id: str,
                      sealed: bytes, signature: bytes, request: SignedRequest) -> StoredDeposit:
        """Keep a sealed item for the patient. The depositor's signature is checked here
        too (the patient's client checks it again against the countersigned directory)."""
        self._consent.check_request(pro, request)
        if not await self._db.use_nonce(request.nonce.hex(), request.at + REQUEST_WINDOW):
            raise Unauthorized("this request was already made (replayed nonce)")
        try:
            deposit_format.verify(dossier_id, deposit_id, sealed, signature, pro.sign_public)
        except InvalidDeposit:
            raise Forbidden("the deposit's signature does not check with your key") from None
        try:
            await self._store.dossier(dossier_id)  # 410 closed
        except NotFound:  # a decoy of recipient(): answered as a deposit, kept nowhere
            if not await self._db.use_nonce(f"deposit:{deposit_id}", self._now() + DECOY_IDS):
                raise ConflictError("a deposit with this id already exists") from None
            return StoredDeposit(deposit_id=deposit_id, dossier_id=dossier_id, ps_id=pro.ps_id,
                                 at=self._now(), blob=sealed, signature=signature)
        if await self._db.count_deposits(dossier_id) >= PENDING_DEPOSITS_MAX:
            raise RateLimited("this patient has too many deposits waiting; try again later",
                              retry_after=3600)
        stored = StoredDeposit(deposit_id=deposit_id, dossier_id=dossier_id, ps_id=pro.ps_id,
                               at=self._now(), blob=sealed, signature=signature)

        async def put() -> None:  # in the event's transaction: both or neither
            if not await self._db.put_deposit(stored):
                raise ConflictError("a deposit with this id already exists")

        await self._consent.record(dossier_id, "item_deposited", f"ps:{pro.ps_id}",
                                   {"deposit": deposit_id}, request=request,
                                   actor_public=pro.sign_public, along=put)
        self._notifier.patient(dossier_id, messages.item_deposited(pro))
        return stored

    async def deposits(self, dossier_id: str, after: str | None,
                       limit: int) -> list[StoredDeposit]:
        return await self._db.deposits_of(dossier_id, after, limit)

    async def delete_deposit(self, dossier_id: str, deposit_id: str) -> None:
        if not await self._db.delete_deposit(dossier_id, deposit_id):
            raise NotFoundError("no such deposit in this dossier")

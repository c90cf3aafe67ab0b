"""Emergency access (P7): cards opened with a passcode, and break-glass for the emergency
service. Every use is logged in the dossier's history and e-mailed to the patient at once
(naming the card), and so is the wrong passcode that locks a card.
The server holds a share of a card's key and sealed packages; it can open none of them, nor
the free text the history keeps (who opened a card, a break-glass reason: ``consent.note``)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from consent import note
from vault.crypto import system_random
from vault.records import DossierRecord, ItemRecord
from vault.store import DossierStore
from web.server.services import messages
from web.server.services.consent import ConsentService, SignedRequest, items_under
from web.server.services.errors import (
    BreakGlassOff,
    BreakGlassOffConflict,
    CardExpired,
    CardLocked,
    Forbidden,
    NotFoundError,
    ServiceError,
    WrongPasscode,
)
from web.server.services.notify import Notifier
from web.server.services.peppers import keyed_hex
from web.server.storage.ports import EmergencyStore, Professional, ServiceDb, StoredCard

MAX_CARD_ATTEMPTS: Final = 5
CARD_MAX_DAYS: Final = 3 * 365
PASSCODE_MIN: Final = 6
REASON_MIN: Final = 10
REASON_PURPOSE: Final = note.SEALED_NOTES["reason_sealed"][0]


def sealed_detail(key: str, sealed: bytes, plain: str,
                  box_public: bytes) -> dict[str, str | int]:
    """Free text for the history, kept only sealed to the patient (P2): the client's sealed
    note as is; else an older client's plaintext, sealed here at once and never stored;
    else nothing. ``key`` is a key of ``note.SEALED_NOTES``."""
    if sealed:
        if not note.sealed_note_ok(sealed):
            raise ServiceError("a sealed note is a sealed box of at most 1024 bytes of text")
        return {key: note.note_text(sealed)}
    if plain:
        purpose = note.SEALED_NOTES[key][0]
        return {key: note.note_text(note.seal_note(box_public, purpose, plain,
                                                     system_random))}
    return {}


def _name(card: StoredCard) -> messages.CardName:
    return messages.CardName(card_id=card.card_id, created_at=card.created_at)


@dataclass(frozen=True, slots=True)
class Opened:
    dossier: DossierRecord
    package: bytes
    items: list[ItemRecord]
    server_share: bytes = b""


class EmergencyService:
    def __init__(self, db: ServiceDb, store: DossierStore, consent: ConsentService,
                 notifier: Notifier, pepper: bytes, clock: Callable[[], float], *,
                 cards: EmergencyStore) -> None:
        self._db = db
        self._store = store
        self._consent = consent
        self._notifier = notifier
        self._pepper = pepper
        self._clock = clock
        self._cards = cards

    def _now(self) -> int:
        return int(self._clock())

    def _passcode_hash(self, card_id: str, passcode: str) -> bytes:
        return bytes.fromhex(keyed_hex(self._pepper, f"card:{card_id}:{passcode}"))

    # ------------------------------------------------------------------ cards
    async def issue_card(self, dossier_id: str, card_id: str, server_share: bytes,
                         passcode: str, package: bytes, key_refs: tuple[str, ...],
                         days: int) -> StoredCard:
        if not passcode.isdigit() or len(passcode) < PASSCODE_MIN:
            raise ServiceError(f"the passcode must be at least {PASSCODE_MIN} digits")
        if not 1 <= days <= CARD_MAX_DAYS:
            raise ServiceError(f"a card lasts 1 to {CARD_MAX_DAYS} days")
        now = self._now()
        card = StoredCard(card_id=card_id, dossier_id=dossier_id, server_share=server_share,
                          passcode_hash=self._passcode_hash(card_id, passcode),
                          package=package, key_refs=key_refs, attempts=0, created_at=now,
                          expires_at=now + days * 86400, revoked_at=None)
        await self._cards.put_card(card)
        await self._consent.record(dossier_id, "card_issued", "patient",
                                   {"card": card_id, "expires_at": card.expires_at})
        return card

    async def cards_of(self, dossier_id: str) -> list[StoredCard]:
        """The dossier's cards, oldest first."""
        return await self._cards.cards_of(dossier_id)

    async def reseal_card(self, dossier_id: str, card_id: str, package: bytes,
                          key_refs: tuple[str, ...]) -> None:
        """Replace an active card's package by the one its patient sealed again under the
        same card key (after a key rotation: the printed card keeps opening the summary)."""
        if not await self._cards.replace_card_package(dossier_id, card_id, package, key_refs,
                                                      self._now()):
            raise NotFoundError("no such active card in this dossier")
        await self._consent.record(dossier_id, "card_issued", "patient",
                                   {"card": card_id, "resealed": 1})

    async def revoke_card(self, dossier_id: str, card_id: str) -> bool:
        """Revoke now; False if the card is not this dossier's."""
        return await self._cards.revoke_card(dossier_id, card_id, self._now())

    async def card_recipient(self, card_id: str) -> bytes:
        """The X25519 public key of the card's patient, to seal ``who`` to (the card's id is
        16 random bytes known only to whoever holds the card)."""
        card = await self._cards.card(card_id)
        if card is None:
            raise NotFoundError("no such emergency card")
        return (await self._store.dossier(card.dossier_id)).box_public

    async def open_card(self, card_id: str, passcode: str, who: str,
                        who_sealed: bytes = b"") -> Opened:
        """Check the passcode (five wrong ones in the card's life lock it) and release the
        server's share with the summary's ciphertext. A revoked or expired card
        (CardExpired) and a locked one (CardLocked) answer the same whatever the passcode.
        Who opened it is kept sealed to the patient (``who_sealed``; an older client's
        plaintext ``who`` is sealed here)."""
        card = await self._cards.card(card_id)
        if card is None:
            raise NotFoundError("no such emergency card")
        # A dead card (revoked or expired) answers the same whatever the passcode: that is
        # decided before the passcode is looked at, and no attempt is counted.
        if card.revoked_at is not None or card.expires_at <= self._now():
            raise CardExpired()
        # Counted before the check, atomically: concurrent guesses never check more than
        # MAX_CARD_ATTEMPTS passcodes in the card's life.
        before = await self._cards.take_attempt(card_id, MAX_CARD_ATTEMPTS)
        if before is None:
            raise NotFoundError("no such emergency card")
        if before >= MAX_CARD_ATTEMPTS:  # locked: the same answer whatever the passcode
            raise CardLocked()
        if not hmac.compare_digest(card.passcode_hash, self._passcode_hash(card_id, passcode)):
            left = MAX_CARD_ATTEMPTS - before - 1
            # The guess that locks the card is logged as such, and e-mailed at once.
            await self._consent.record(card.dossier_id, "card_used", f"card:{card_id}",
                                       {"result": "wrong_passcode" if left > 0 else "locked",
                                        "attempts_left": left})
            if left <= 0:
                self._notifier.patient(card.dossier_id,
                                       messages.card_locked(_name(card), at=self._now()))
                raise CardLocked()
            raise WrongPasscode(f"wrong passcode ({left} attempt{'s' if left > 1 else ''} "
                                "left before the card locks)")
        await self._cards.refund_attempt(card_id)  # the right passcode is not a wrong one
        dossier = await self._store.dossier(card.dossier_id)
        items = await items_under(self._store, card.dossier_id, card.key_refs)
        by = sealed_detail("by_sealed", who_sealed, who.strip()[:100], dossier.box_public)
        await self._consent.record(card.dossier_id, "card_used", f"card:{card_id}",
                                   {"result": "opened", **by, "items": len(items)})
        self._notifier.patient(card.dossier_id, messages.card_used(_name(card), at=self._now()))
        return Opened(dossier=dossier, package=card.package, items=items,
                      server_share=card.server_share)

    # ------------------------------------------------------------------ break-glass
    async def set_break_glass(self, dossier_id: str, package: bytes | None,
                              key_refs: tuple[str, ...], *, reseal: bool = False) -> None:
        """Allow break-glass with ``package`` (the summary's keys sealed to the service), or
        refuse it (None). Its own event kind, ``break_glass_changed``: ``on``, ``off``, or
        ``resealed`` when it was on already (older histories have ``mask_changed`` with a
        ``break_glass`` detail)."""
        if package is None:
            await self._cards.disable_break_glass(dossier_id)
            await self._consent.record(dossier_id, "break_glass_changed", "patient",
                                       {"break_glass": "off"})
            return
        # Already on: the patient's client sealed it again (after a key rotation). A re-seal
        # never turns it on: another device may have turned it off meanwhile.
        state = "on" if await self._cards.break_glass(dossier_id) is None else "resealed"
        if reseal and state == "on":
            raise BreakGlassOffConflict()
        await self._cards.put_break_glass(dossier_id, package, key_refs, self._now())
        await self._consent.record(dossier_id, "break_glass_changed", "patient",
                                   {"break_glass": state})

    async def break_glass(self, pro: Professional, nir_hash: str, reason: str,
                          request: SignedRequest, reason_sealed: bytes = b"") -> Opened:
        """The break-glass package and summary for an emergency professional's signed
        request. The stated reason is kept sealed to the patient (``reason_sealed``; an
        older client's plaintext ``reason`` is sealed here and never stored)."""
        if "emergency" not in pro.roles:
            raise Forbidden("break-glass needs the emergency role")
        reason = reason.strip()
        # Sealed, only its size shows: at least a sealed box around REASON_MIN bytes.
        too_short = (len(reason_sealed) < note.sealed_note_size(REASON_PURPOSE, REASON_MIN)
                     if reason_sealed else len(reason) < REASON_MIN)
        if too_short:
            raise ServiceError("state the reason (at least 10 characters): it is logged and "
                               "sent to the patient")
        self._consent.check_request(pro, request)
        if not await self._db.use_nonce(request.nonce.hex(), request.at + 300):
            raise ServiceError("this request was already made (replayed nonce)")
        dossier_id = await self._db.dossier_for_login(nir_hash)
        if dossier_id is None:
            raise NotFoundError("no open dossier for this NIR")
        dossier = await self._store.dossier(dossier_id)
        why = sealed_detail("reason_sealed", reason_sealed, reason[:500], dossier.box_public)
        found = await self._cards.break_glass(dossier_id)
        if found is None:
            await self._consent.record(dossier_id, "emergency_access", f"ps:{pro.ps_id}",
                                       {"result": "refused", **why},
                                       request=request, actor_public=pro.sign_public)
            raise BreakGlassOff()
        package, refs = found
        items = await items_under(self._store, dossier_id, refs)
        await self._consent.record(dossier_id, "emergency_access", f"ps:{pro.ps_id}",
                                   {"result": "opened", **why, "items": len(items)},
                                   request=request, actor_public=pro.sign_public)
        self._notifier.patient(dossier_id, messages.break_glass_used(pro, at=self._now()))
        return Opened(dossier=dossier, package=package, items=items)

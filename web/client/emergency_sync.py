"""After a key rotation (a grant ended, an item or section masked), the emergency summary's
new key versions reach what opens it without the patient: every active card's package is
sealed again under the same card key, and the break-glass package again to the emergency
service (P7 with P5). Otherwise a printed card, or the SAMU's break-glass, would open only
what was written before the rotation, and after a masking not even that: an allergy list
that reads as empty.

What is re-sealed follows the patient's own record in the keyring
(``vault.keyring.EmergencyRecord``), never the server's word alone: a card is re-sealed only
if the patient issued it and has not revoked it, and break-glass only while the patient has it
on, to the service key it was turned on with. A server that lists a revoked card as active,
or answers "on" with a key of its own, gets nothing sealed. A keyring written before the
record existed adopts the server's state once (``recorded``), the trust every card and
break-glass package had before.

A card made with a random key (before ``consent.card.card_key``) cannot be re-sealed; it is
reported in ``stale_cards`` so the patient can renew it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from consent import card as card_format
from vault import Dossier
from vault.crypto import Random, system_random
from vault.errors import NotFound
from vault.keyring import EmergencyRecord
from vault.sections import EMERGENCY_SUMMARY
from web import schemas
from web.client.api import Api, ApiError


@dataclass(frozen=True, slots=True)
class EmergencySynced:
    resealed_cards: list[str] = field(default_factory=list)
    stale_cards: list[str] = field(default_factory=list)  # random-key cards: renew them
    break_glass: bool = False  # its package was sealed again


def _summary_refs(dossier: Dossier) -> set[str]:
    """Every key version of the emergency summary's sections now (what a package carries)."""
    return set(card_format.refs_of(card_format.summary_keys(dossier.ring)))


async def _server_state(dossier: Dossier, api: Api) -> EmergencyRecord:
    """What the server says the patient made (for a keyring from before the record)."""
    at = dossier.now()
    cards = (await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)).cards
    state = await api.get(f"/dossiers/{dossier.dossier_id}/break-glass",
                          schemas.BreakGlassState)
    service = (await api.get("/emergency/service-key", schemas.ServiceKeyBody, auth=False)
               ).box_public if state.allowed else None
    return EmergencyRecord(cards={c.card_id: c.expires_at for c in cards
                                  if not c.revoked and c.expires_at > at},
                           break_glass=service)


async def recorded(dossier: Dossier, api: Api,
                   change: Callable[[EmergencyRecord], EmergencyRecord] | None = None, *,
                   withdrawn: bool = False) -> EmergencyRecord:
    """The keyring's emergency record after ``change`` (saved in one keyring CAS); a keyring
    from before the record adopts the server's state first, once. ``withdrawn`` (a card
    revoked, break-glass turned off): the same CAS marks the summary's sections to rotate,
    which the sync that follows does (``rotation.rotated_after_withdrawal``; else the next
    sync or write)."""
    if dossier.ring.emergency is None:
        found = await _server_state(dossier, api)
        await dossier.keep_emergency(lambda r: found if r is None else r)
    apply = change or (lambda r: r)
    return await dossier.keep_emergency(lambda r: apply(r or EmergencyRecord()),
                                        rotate=EMERGENCY_SUMMARY if withdrawn else frozenset())


async def sync_emergency(dossier: Dossier, api: Api, *,
                         rng: Random = system_random) -> EmergencySynced:
    """Re-seal every card of the patient's record that is active on the server and lacks one
    of the summary's key versions, and the break-glass package while the record has it on
    (idempotent: nothing is sent when all are current)."""
    record = await recorded(dossier, api)
    at = dossier.now()
    ours = record.active(at)
    wanted = _summary_refs(dossier)
    cards = (await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
             ).cards if ours else []
    resealed: list[str] = []
    stale: list[str] = []
    root = dossier.subkey(card_format.CARDS_PURPOSE)
    for c in cards:
        if (c.card_id not in ours or c.revoked or c.expires_at <= at
                or wanted <= set(c.key_refs)):
            continue
        again = card_format.reseal_card(dossier.ring, dossier.dossier_id,
                                        bytes.fromhex(c.card_id), c.package, root, rng)
        if again is None:
            stale.append(c.card_id)
            continue
        package, refs = again
        try:
            await api.call("PUT", f"/dossiers/{dossier.dossier_id}/cards/{c.card_id}/package",
                           schemas.CardPackageUpload(package=package, key_refs=list(refs)))
        except NotFound:  # revoked (or expired) meanwhile, on another device: nothing to do
            continue
        resealed.append(c.card_id)
    glass = False
    if record.break_glass is not None:
        state = await api.get(f"/dossiers/{dossier.dossier_id}/break-glass",
                              schemas.BreakGlassState)
        glass = state.allowed and not wanted <= set(state.key_refs)
    if glass and record.break_glass is not None:
        # to the key the patient turned it on with, never one the server names now
        package, refs = card_format.seal_for_service(dossier.ring, record.break_glass, rng)
        try:  # only while it is on: never turns it on again after another device's "off"
            await api.call("PUT", f"/dossiers/{dossier.dossier_id}/break-glass", schemas.
                           BreakGlassUpload(package=package, key_refs=list(refs), reseal=True))
        except ApiError as exc:
            if exc.code != "break_glass_turned_off":
                raise
            glass = False
    return EmergencySynced(resealed_cards=resealed, stale_cards=stale, break_glass=glass)

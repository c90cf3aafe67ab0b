"""Emergency access on the client side: make a card, open one, allow or refuse break-glass,
and break the glass as the emergency service. Randomness comes from ``rng``
(``vault.crypto.system_random`` unless a caller passes its own).

Free text that may be medical (who opens a card, the reason for breaking the glass) leaves
this client only sealed to the patient's X25519 key (``consent.note.seal_note``): the
server keeps it in the history and only the patient's client opens it. The key comes from
the server (the card's or the NIR's dossier), which is trusted for it as for a deposit. A
browser client must do the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from consent import card as card_format
from consent import note
from vault import Dossier, Item
from vault.crypto import Random, system_random
from web import schemas
from web.client.api import Api
from web.client.consent import decrypt_items, request_signer
from web.client.emergency_sync import recorded
from web.client.links import public_origin
from web.client.professional import ProfessionalIdentity
from web.client.rotation import rotated_after_withdrawal


@dataclass(frozen=True, slots=True)
class Card:
    card_id: str
    text: str
    passcode: str
    expires_at: int


def new_passcode(digits: int = 8, rng: Random = system_random) -> str:
    """``digits`` uniformly random decimal digits (rejection sampling over single bytes)."""
    out: list[str] = []
    while len(out) < digits:
        for byte in rng(digits):
            if byte < 250 and len(out) < digits:  # 250 = 25 * 10: no modulo bias
                out.append(str(byte % 10))
    return "".join(out)


async def issue_card(dossier: Dossier, api: Api, *, days: int = 365,
                     passcode: str | None = None, rng: Random = system_random) -> Card:
    """A card for the emergency summary: its QR link holds one share of the key after ``#``
    (a phone that opens it sends it to no server), the server the other (released only after
    the passcode, which is printed on a separate slip: ``web.client.cardprint``). The link's
    origin is the deployment's (``web.client.links.public_origin``)."""
    code = passcode or new_passcode(rng=rng)
    origin = await public_origin(api)
    made = card_format.new_card(dossier.ring, dossier.dossier_id, rng,
                                cards_root=dossier.subkey(card_format.CARDS_PURPOSE))
    # Recorded first, in the keyring: only the cards listed there are re-sealed after a key
    # rotation (a card the server lists but the record lacks never is: emergency_sync).
    now = dossier.now()
    await recorded(dossier, api, lambda r: r.pruned(now).with_card(made.card_id.hex(),
                                                                   now + days * 86400))
    info = await api.send("POST", f"/dossiers/{dossier.dossier_id}/cards", schemas.CardUpload(
        card_id=made.card_id.hex(), server_share=made.server_share, passcode=code,
        package=made.package, key_refs=list(made.key_refs), days=days), schemas.CardInfo)
    return Card(card_id=info.card_id, text=made.link(origin), passcode=code,
                expires_at=info.expires_at)


@dataclass(frozen=True, slots=True)
class CardState:
    """One of the patient's cards as the server keeps it (never its share or passcode)."""

    card_id: str
    created_at: int
    expires_at: int
    revoked: bool
    attempts: int  # wrong passcodes so far (the card locks at the server's limit)
    # Its package is re-sealed after key rotations (False: a card made before, with a random
    # key, that opens only what its keys of then open: renew it).
    follows_keys: bool = True


async def list_cards(dossier: Dossier, api: Api) -> list[CardState]:
    """The dossier's emergency cards, newest first (for ``revoke_card``)."""
    body = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    root = dossier.subkey(card_format.CARDS_PURPOSE)
    found = [CardState(card_id=c.card_id, created_at=c.created_at, expires_at=c.expires_at,
                       revoked=c.revoked, attempts=c.attempts,
                       follows_keys=card_format.follows_keys(
                           dossier.dossier_id, bytes.fromhex(c.card_id), c.package, root))
             for c in body.cards]
    return sorted(found, key=lambda c: (-c.created_at, c.card_id))


WHO_MAX: Final = 100
REASON_MIN: Final = 10
REASON_MAX: Final = 500


def _note(box_public: bytes, key: str, text: str, rng: Random) -> bytes:
    return note.seal_note(box_public, note.SEALED_NOTES[key][0], text, rng)


async def open_card(api: Api, text: str, passcode: str, who: str = "", *,
                    rng: Random = system_random) -> list[Item]:
    """Whoever holds the card and its passcode: the emergency summary, decrypted here.
    ``who`` (at most 100 characters) is sealed to the patient before it is sent."""
    card_id, share = card_format.parse_card(text)
    who = who.strip()[:WHO_MAX]
    sealed = b""
    if who:
        recipient = await api.get(f"/emergency/cards/{card_id.hex()}/recipient",
                                  schemas.CardRecipientBody, auth=False)
        sealed = _note(recipient.box_public, "by_sealed", who, rng)
    body = await api.send("POST", f"/emergency/cards/{card_id.hex()}/open",
                          schemas.CardOpenRequest(passcode=passcode, who_sealed=sealed),
                          schemas.EmergencyBody, auth=False)
    dossier = body.dossier.record()
    keys = card_format.open_card_package(body.package, share, body.server_share,
                                         dossier.dossier_id, card_id)
    return decrypt_items(dossier.dossier_id, body.items, keys)


async def allow_break_glass(dossier: Dossier, api: Api, service_public: bytes, *,
                            rng: Random = system_random) -> None:
    """Seal the summary's keys to the emergency service; the keyring records the key it was
    sealed to, the only one a later re-seal seals to (``emergency_sync``)."""
    await recorded(dossier, api, lambda r: r.with_break_glass(
        bytes(service_public)))
    package, refs = card_format.seal_for_service(dossier.ring, service_public, rng)
    await api.call("PUT", f"/dossiers/{dossier.dossier_id}/break-glass",
                   schemas.BreakGlassUpload(package=package, key_refs=list(refs)))


async def refuse_break_glass(dossier: Dossier, api: Api) -> bool:
    """Off in the keyring first (no re-seal from then on, whatever the server says), then
    the server deletes the package, then the summary's keys rotate (grants and cards
    re-sealed): a copy of the package opens nothing written afterwards. False if that
    rotation could not finish (off all the same: the next sign-in or write rotates)."""
    await recorded(dossier, api, lambda r: r.with_break_glass(None), withdrawn=True)
    await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/break-glass")
    return await rotated_after_withdrawal(dossier, api)


async def break_glass_allowed(dossier: Dossier, api: Api) -> bool:
    """Whether the server holds a break-glass package for the dossier now."""
    body = await api.get(f"/dossiers/{dossier.dossier_id}/break-glass",
                         schemas.BreakGlassState)
    return body.allowed


async def service_key(api: Api) -> bytes:
    return (await api.get("/emergency/service-key", schemas.ServiceKeyBody, auth=False)).box_public


async def break_glass(api: Api, identity: ProfessionalIdentity, service_secret: bytes,
                      nir: str, reason: str, *, now: int,
                      rng: Random = system_random) -> list[Item]:
    """As an emergency professional (signed in, with the service's key): the summary. The
    reason (10 to 500 characters) is sealed to the patient before it is sent; ``ValueError``
    if it is too short or too long."""
    reason = reason.strip()
    if (not REASON_MIN <= len(reason) <= REASON_MAX
            or len(reason.encode("utf-8")) > note.NOTE_TEXT_MAX):
        raise ValueError("state the reason (10 to 500 characters): it is logged and sent to "
                         "the patient")
    recipient = await api.send("POST", "/deposits/recipient", schemas.RecipientRequest(nir=nir),
                               schemas.RecipientBody)
    sealed = _note(recipient.box_public, "reason_sealed", reason, rng)
    body = await api.send("POST", "/emergency/break-glass",
                          schemas.BreakGlassRequest(nir=nir, reason_sealed=sealed),
                          schemas.EmergencyBody, signer=request_signer(identity, now, rng))
    dossier = body.dossier.record()
    return decrypt_items(dossier.dossier_id, body.items,
                         card_format.open_for_service(body.package, service_secret))

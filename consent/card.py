"""Emergency cards and break-glass packages (P7), pure.

A card's key K opens a package holding the keys of the emergency summary's sections. K is
split: the card's QR carries one share, the server keeps the other and releases it only after
the right passcode (a lifetime attempt counter and an expiry), so a stolen card cannot be
brute-forced offline, and the server alone opens nothing.

    card link = ORIGIN | "/E#" | decimal(0x01 | card id (16) | card share (32))
    card text = "HTTPS://CRNT.FR/E/" | base45(the same 49 bytes)      (legacy, still read)
    K         = card share XOR server share
    package   = envelope(K, 0x01 | MessagePack {section: {ref: key}},
                         AD("card", dossier id, card id))

Break-glass: the same keys map sealed to the emergency service's X25519 key with
``vault.crypto.seal_to`` (a sealed box, ephemeral key from the caller's ``rng``; packages
sealed earlier with libsodium's own ``crypto_box_seal`` open the same way). The card's texts
are ``consent._qrtext``'s: the share is after ``#`` in the link, so a phone that opens the
link sends it to no server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import msgspec
from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from consent._qrtext import QrText
from consent.errors import NotACard, PackageUnreadable
from vault import envelope
from vault.bounded import MsgPack
from vault.crypto import KEY_BYTES, Random, associated_data, open_sealed, seal_to
from vault.errors import DecryptionFailed
from vault.keyring import Keyring
from vault.sections import EMERGENCY_SUMMARY, Section

CARD_PREFIX: Final = "HTTPS://CRNT.FR/E/"
VERSION: Final = 0x01
CARD_BYTES: Final = 1 + 16 + KEY_BYTES
_TEXT: Final = QrText(CARD_PREFIX, VERSION, foreign=NotACard, garbled=NotACard)


SectionKeys = dict[Section, dict[str, bytes]]


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class NewCard:
    card_id: bytes
    card_share: bytes
    server_share: bytes
    package: bytes
    key_refs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The legacy text (vectors); a card is printed with ``link``."""
        return card_text(self.card_id, self.card_share)

    def link(self, origin: str) -> str:
        return card_link(self.card_id, self.card_share, origin)


def summary_keys(ring: Keyring, sections: Iterable[Section] = EMERGENCY_SUMMARY) -> SectionKeys:
    """Every version of each summary section's key (never the mask key)."""
    out = {s: ring.section_keys(s) for s in sorted(sections)}  # a stable byte encoding
    if any(ring.mask_ref in ks or ring.mask_key in ks.values() for ks in out.values()):
        raise ValueError("the mask key must never leave the keyring")
    return out


def encode_keys(keys: Mapping[Section, Mapping[str, bytes]]) -> bytes:
    """The keys map both packages carry: ``0x01 | MessagePack {section: {ref: key}}``."""
    return bytes([VERSION]) + msgspec.msgpack.encode(
        {s.value: dict(ks) for s, ks in keys.items()})


# Bounded (vault.bounded): the server keeps packages of at most 1 MiB; the map nests 2 deep.
PACKAGE_MAX_BYTES: Final = 1024 * 1024
_keys_decoder: Final = MsgPack(dict[str, dict[str, bytes]], max_depth=8,
                               max_size=PACKAGE_MAX_BYTES, what="emergency package")


def _decode_keys(data: bytes) -> SectionKeys:
    if not data or data[0] != VERSION:
        raise PackageUnreadable()
    try:
        raw = _keys_decoder.decode(data[1:])
        return {Section(name): ks for name, ks in raw.items()}
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        raise PackageUnreadable() from None


def refs_of(keys: Mapping[Section, Mapping[str, bytes]]) -> tuple[str, ...]:
    return tuple(sorted(ref for ks in keys.values() for ref in ks))


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _ad(dossier_id: str, card_id: bytes) -> bytes:
    return associated_data("card", dossier_id, card_id)


CARDS_PURPOSE: Final = "carnet.cards"  # the dossier's subkey that card keys come from


def card_key(cards_root: bytes, card_id: bytes) -> bytes:
    """The key K of the card ``card_id`` of a dossier whose subkey ``CARDS_PURPOSE`` is
    ``cards_root`` (``vault.Dossier.subkey``): keyed BLAKE2b-256 of the card id, personal
    ``carnet.card``. The patient's client can make K again to re-seal the package after a key
    rotation, so a printed card keeps opening the current summary; the server, which holds
    one share and never the master key, cannot."""
    if len(cards_root) != KEY_BYTES or len(card_id) != 16:
        raise ValueError("a card key needs a 32-byte root and a 16-byte card id")
    return blake2b(card_id, digest_size=KEY_BYTES, key=cards_root, salt=b"\x00" * 16,
                   person=b"carnet.card".ljust(16, b"\x00"), encoder=RawEncoder)


def new_card(ring: Keyring, dossier_id: str, rng: Random,
             cards_root: bytes | None = None) -> NewCard:
    """A new card. With ``cards_root`` its key is :func:`card_key` (what a patient's client
    does: re-sealable); without it, random (legacy cards and the vectors: the random bytes
    are drawn as card id, card key, card share, then the envelope's nonce)."""
    keys = summary_keys(ring)
    card_id = rng(16)
    key = rng(KEY_BYTES) if cards_root is None else card_key(cards_root, card_id)
    card_share = rng(KEY_BYTES)
    package = envelope.seal(key, encode_keys(keys), _ad(dossier_id, card_id), rng)
    return NewCard(card_id=card_id, card_share=card_share,
                   server_share=_xor(key, card_share), package=package,
                   key_refs=refs_of(keys))


def _opens(key: bytes, package: bytes, dossier_id: str, card_id: bytes) -> bool:
    try:
        envelope.open_(key, package, _ad(dossier_id, card_id))
    except DecryptionFailed:
        return False
    return True


def follows_keys(dossier_id: str, card_id: bytes, package: bytes, cards_root: bytes) -> bool:
    """Whether the card's package opens with :func:`card_key` (so its patient's client can
    re-seal it after a rotation); False for a card made with a random key (renew it)."""
    return _opens(card_key(cards_root, card_id), package, dossier_id, card_id)


def reseal_card(ring: Keyring, dossier_id: str, card_id: bytes, package: bytes,
                cards_root: bytes, rng: Random) -> tuple[bytes, tuple[str, ...]] | None:
    """The card's package sealed again under the same key with the summary's keys now
    (every version), or None when ``package`` does not open with :func:`card_key` (a card
    made with a random key: it cannot be re-sealed, only renewed)."""
    key = card_key(cards_root, card_id)
    if not _opens(key, package, dossier_id, card_id):
        return None
    keys = summary_keys(ring)
    return envelope.seal(key, encode_keys(keys), _ad(dossier_id, card_id), rng), refs_of(keys)


def open_card_package(package: bytes, card_share: bytes, server_share: bytes,
                      dossier_id: str, card_id: bytes) -> SectionKeys:
    if len(card_share) != KEY_BYTES or len(server_share) != KEY_BYTES:
        raise PackageUnreadable()
    try:
        data = envelope.open_(_xor(card_share, server_share), package, _ad(dossier_id, card_id))
    except DecryptionFailed:
        raise PackageUnreadable() from None
    return _decode_keys(data)


def card_text(card_id: bytes, card_share: bytes) -> str:
    """The legacy text (still read by ``parse_card``)."""
    return _TEXT.encode(card_id + card_share)


def card_link(card_id: bytes, card_share: bytes, origin: str) -> str:
    """The card's link on the deployment at ``origin`` (what its QR code carries)."""
    if len(card_id) != 16 or len(card_share) != KEY_BYTES:
        raise ValueError("a card needs a 16-byte id and a 32-byte share")
    return _TEXT.link(card_id + card_share, origin)


def parse_card(text: str) -> tuple[bytes, bytes]:
    """(card id, card share) from a card's link or legacy text; NotACard for anything else."""
    body = _TEXT.decode(text)
    if len(body) != CARD_BYTES - 1:
        raise NotACard()
    return body[:16], body[16:]


def seal_for_service(ring: Keyring, service_box_public: bytes,
                     rng: Random) -> tuple[bytes, tuple[str, ...]]:
    """Break-glass: the summary keys sealed to the emergency service (``rng`` draws the
    sealed box's ephemeral key)."""
    keys = summary_keys(ring)
    return seal_to(service_box_public, encode_keys(keys), rng), refs_of(keys)


def open_for_service(package: bytes, service_box_secret: bytes) -> SectionKeys:
    try:
        data = open_sealed(service_box_secret, package)
    except DecryptionFailed:
        raise PackageUnreadable() from None
    return _decode_keys(data)

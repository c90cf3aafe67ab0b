"""The keyring: every key below the master key, sealed as one blob under it.

    keyring blob = envelope(master, 0x01 | MessagePack map, AD("keyring", dossier id, version))

It holds the patient's Ed25519 seed and X25519 secret key, the mask key (which never goes
into a grant: masked items are wrapped under it), and per section every key version with
the current one. One blob, replaced by compare-and-swap, keeps these changes atomic.

``masked_items`` holds the ids of the items the patient masked one by one (``Dossier.mask``):
a section mask and item masks are independent, so unmasking a section leaves these masked,
and a device that reloads the keyring writes a new revision of such an item masked. The
keyring is sealed: the server learns nothing from it (it sees masked items' key reference
anyway).

``emergency`` is what the patient's client made for emergency access, so that re-sealing
after a key rotation follows the patient's own record, never the server's word: the cards it
issued and has not revoked (card id -> expiry it asked for) and, while break-glass is on, the
emergency service's key it was turned on with. None (absent from the bytes) in a keyring
written before this record existed: the client adopts the server's state once
(``web.client.emergency_sync``).

A section's ``retired`` versions are the ones that wrapped a masked item's key at some time
(every version older than the rotation masking made): the patient keeps them, but no grant
issued afterwards carries them (P2, ``docs/architecture.md``, "Masking").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import msgspec
import nacl.public
import nacl.signing

from vault import envelope
from vault.bounded import MsgPack
from vault.crypto import KEY_BYTES, Random, associated_data
from vault.errors import DecryptionFailed, FormatError, NotFound
from vault.sections import Section

FORMAT_VERSION: Final = 0x01


def new_ref(rng: Random) -> str:
    """A random 16-byte key reference, as hex. It names a key without revealing its section."""
    return rng(16).hex()


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class SectionKeys:
    current: str
    keys: Mapping[str, bytes]
    retired: frozenset[str] = frozenset()  # never in a grant issued from now on


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class KeyLookup:
    """What a key reference resolves to: the section (None for the mask key) and the key."""

    ref: str
    key: bytes
    section: Section | None

    @property
    def is_mask(self) -> bool:
        return self.section is None


@dataclass(frozen=True, slots=True)
class EmergencyRecord:
    """The patient's own record of emergency access (no secret: card ids, expiries and a
    public key; it is sealed in the keyring all the same)."""

    cards: Mapping[str, int] = field(default_factory=dict)  # card id (hex) -> expires at
    break_glass: bytes | None = None  # the service's X25519 key, while break-glass is on

    def with_card(self, card_id: str, expires_at: int) -> EmergencyRecord:
        return replace(self, cards={**self.cards, card_id: expires_at})

    def without_cards(self, card_ids: frozenset[str]) -> EmergencyRecord:
        return replace(self, cards={c: e for c, e in self.cards.items() if c not in card_ids})

    def with_break_glass(self, service_public: bytes | None) -> EmergencyRecord:
        return replace(self, break_glass=service_public)

    def active(self, now: int) -> dict[str, int]:
        """The cards issued, not revoked and not expired at ``now``."""
        return {c: e for c, e in self.cards.items() if e > now}

    def pruned(self, now: int) -> EmergencyRecord:
        """Without the cards expired at ``now`` (the record stays as small as the cards)."""
        return replace(self, cards=self.active(now))


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class Keyring:
    sign_seed: bytes
    box_secret: bytes
    mask_ref: str
    mask_key: bytes
    sections: Mapping[Section, SectionKeys]
    masked_sections: frozenset[Section] = frozenset()
    rotate_pending: frozenset[Section] = frozenset()
    masked_items: frozenset[str] = frozenset()  # masked one by one (not by their section)
    emergency: EmergencyRecord | None = None  # None: a keyring from before the record
    _index: dict[str, KeyLookup] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {self.mask_ref: KeyLookup(self.mask_ref, self.mask_key, None)}
        for section, keys in self.sections.items():
            for ref, key in keys.keys.items():
                index[ref] = KeyLookup(ref, key, section)
        self._index.update(index)

    @classmethod
    def new(cls, rng: Random) -> Keyring:
        return cls(sign_seed=rng(32), box_secret=rng(32), mask_ref=new_ref(rng),
                   mask_key=rng(KEY_BYTES),
                   sections={s: _fresh_section(rng) for s in Section})

    @property
    def signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.sign_seed)

    @property
    def box_key(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(self.box_secret)

    def lookup(self, ref: str) -> KeyLookup:
        try:
            return self._index[ref]
        except KeyError:
            raise NotFound("no key with that reference") from None

    def current(self, section: Section) -> KeyLookup:
        ref = self.sections[section].current
        return self._index[ref]

    def section_keys(self, section: Section) -> dict[str, bytes]:
        """The versions of one section's key a grant on it carries: every version except the
        retired ones (those that ever wrapped a masked item's key)."""
        keys = self.sections[section]
        return {ref: key for ref, key in keys.keys.items() if ref not in keys.retired}

    def all_section_keys(self, section: Section) -> dict[str, bytes]:
        """Every version of one section's key, retired ones included (the patient's own)."""
        return dict(self.sections[section].keys)

    def retired(self, section: Section) -> frozenset[str]:
        return self.sections[section].retired

    def rotate(self, section: Section, rng: Random, *, retire: bool = False) -> Keyring:
        """A new current key for ``section``; old versions stay to open older items. With
        ``retire`` every older version is retired: no later grant carries it (masking)."""
        old = self.sections[section]
        ref = new_ref(rng)
        sections = dict(self.sections)
        retired = old.retired | frozenset(old.keys) if retire else old.retired
        sections[section] = SectionKeys(current=ref, keys={**old.keys, ref: rng(KEY_BYTES)},
                                        retired=retired)
        return replace(self, sections=sections, rotate_pending=self.rotate_pending - {section},
                       _index={})

    def with_masked(self, section: Section, masked: bool) -> Keyring:
        sections = self.masked_sections | {section} if masked else self.masked_sections - {section}
        return replace(self, masked_sections=frozenset(sections), _index={})

    def with_rotation_pending(self, sections: frozenset[Section]) -> Keyring:
        return replace(self, rotate_pending=self.rotate_pending | sections, _index={})

    def with_items_masked(self, item_ids: frozenset[str], masked: bool) -> Keyring:
        """Record (or forget) item masks set one by one, independent of section masks."""
        ids = self.masked_items | item_ids if masked else self.masked_items - item_ids
        return replace(self, masked_items=frozenset(ids), _index={})


    def with_emergency(self, record: EmergencyRecord) -> Keyring:
        return replace(self, emergency=record, _index={})


def _fresh_section(rng: Random) -> SectionKeys:
    ref = new_ref(rng)
    return SectionKeys(current=ref, keys={ref: rng(KEY_BYTES)})


class _KeyWire(msgspec.Struct, frozen=True):
    ref: str
    key: bytes


class _SectionWire(msgspec.Struct, frozen=True, omit_defaults=True):
    current: str
    keys: dict[str, bytes]
    retired: list[str] = []  # omitted when empty: older keyrings decode, bytes unchanged


class _EmergencyWire(msgspec.Struct, frozen=True):
    cards: dict[str, int]
    break_glass: bytes | msgspec.UnsetType = msgspec.UNSET  # absent while off


class _KeyringWire(msgspec.Struct, frozen=True):
    sign_seed: bytes
    box_secret: bytes
    mask: _KeyWire
    sections: dict[str, _SectionWire]
    masked_sections: list[str] = []
    rotate_pending: list[str] = []
    # Unset (so absent from the bytes) while empty: older keyrings decode, and encode to the
    # same bytes (tests/vectors/vault.json).
    masked_items: list[str] | msgspec.UnsetType = msgspec.UNSET
    emergency: _EmergencyWire | msgspec.UnsetType = msgspec.UNSET  # likewise while None


def _emergency_wire(record: EmergencyRecord | None) -> _EmergencyWire | msgspec.UnsetType:
    if record is None:
        return msgspec.UNSET
    glass = msgspec.UNSET if record.break_glass is None else record.break_glass
    return _EmergencyWire(cards=dict(sorted(record.cards.items())), break_glass=glass)


def _emergency_of(wire: _EmergencyWire | msgspec.UnsetType) -> EmergencyRecord | None:
    if isinstance(wire, msgspec.UnsetType):
        return None
    if any(len(bytes.fromhex(c)) != 16 or e < 0 for c, e in wire.cards.items()) or (
            not isinstance(wire.break_glass, msgspec.UnsetType) and len(wire.break_glass) != 32):
        raise ValueError("emergency record is malformed")
    glass = None if isinstance(wire.break_glass, msgspec.UnsetType) else wire.break_glass
    return EmergencyRecord(cards=dict(wire.cards), break_glass=glass)


def encode(ring: Keyring) -> bytes:
    wire = _KeyringWire(
        sign_seed=ring.sign_seed, box_secret=ring.box_secret,
        mask=_KeyWire(ref=ring.mask_ref, key=ring.mask_key),
        sections={s.value: _SectionWire(current=k.current, keys=dict(k.keys),
                                        retired=sorted(k.retired))
                  for s, k in ring.sections.items()},
        masked_sections=sorted(s.value for s in ring.masked_sections),
        rotate_pending=sorted(s.value for s in ring.rotate_pending),
        masked_items=sorted(ring.masked_items) if ring.masked_items else msgspec.UNSET,
        emergency=_emergency_wire(ring.emergency))
    return bytes([FORMAT_VERSION]) + msgspec.msgpack.encode(wire)


# Bounded (vault.bounded): the server's blobs are at most 1 MiB; the deepest structure is 4.
KEYRING_MAX_BYTES: Final = 1024 * 1024
_decoder: Final = MsgPack(_KeyringWire, max_depth=8, max_size=KEYRING_MAX_BYTES, what="keyring")


def decode(data: bytes) -> Keyring:
    if len(data) < 2 or data[0] != FORMAT_VERSION:
        raise FormatError("not a version-1 keyring")
    try:
        wire = _decoder.decode(data[1:])
        sections = {Section(name): SectionKeys(current=s.current, keys=s.keys,
                                               retired=frozenset(s.retired))
                    for name, s in wire.sections.items()}
        ring = Keyring(sign_seed=wire.sign_seed, box_secret=wire.box_secret,
                       mask_ref=wire.mask.ref, mask_key=wire.mask.key, sections=sections,
                       masked_sections=frozenset(Section(s) for s in wire.masked_sections),
                       rotate_pending=frozenset(Section(s) for s in wire.rotate_pending),
                       masked_items=frozenset(wire.masked_items or ()),
                       emergency=_emergency_of(wire.emergency))
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise FormatError("keyring is malformed") from exc
    if set(sections) != set(Section) or any(
            s.current not in s.keys or s.current in s.retired or not s.retired <= set(s.keys)
            for s in sections.values()):
        raise FormatError("keyring is incomplete")
    return ring


def _ad(dossier_id: str, version: int) -> bytes:
    return associated_data("keyring", dossier_id, version)


def seal(ring: Keyring, master: bytes, dossier_id: str, version: int, rng: Random) -> bytes:
    return envelope.seal(master, encode(ring), _ad(dossier_id, version), rng)


def open_(blob: bytes, master: bytes, dossier_id: str, version: int) -> Keyring:
    try:
        return decode(envelope.open_(master, blob, _ad(dossier_id, version)))
    except FormatError:
        raise DecryptionFailed() from None

"""Grants: the patient gives a named recipient the keys of chosen sections (P3, P4).

Pure: the grant id, the issue and expiry times and the randomness of the sealed box come
from the caller (``rng`` has no default); no clock, no I/O. Byte layouts: ``docs/formats.md``
("Grants and the audit log"); the sections mask and flags are ``consent._codec``'s.

    core    = grant_id (16) | dossier_id (16) | u8 n | recipient_id (n, printable ASCII)
              | recipient_sign_public (32) | recipient_box_public (32)
              | u16 sections bitmask | u8 flags (bit 0 write, bit 1 emergency)
              | u64 issued_at | u64 expires_at | u16 m | m key refs (16 each, ascending)
              | sealed_keys_hash (32)
    signed  = "CARNET-GRANT" | 0x01 | core                      (Ed25519, patient's key)
    grant   = 0x01 | core | u32 len | sealed | signature (64)
    sealed  = seal_to(recipient_box_public,                  (vault.crypto: a sealed box)
                      0x01 | MessagePack {grant_id, keys: {section: {ref: key}},
                                          current: {section: ref}})
    sealed_keys_hash = BLAKE2b-256(sealed, personal "carnet.grantkeys")

Version 2 (a re-sealed grant, P5) is version 1 with the version byte 0x02 and, after the
core's sealed_keys_hash, ``u32 generation | u16 c | c current refs (16 each, ascending)``:
the same grant (id, recipient, sections, flags, times) sealed again with the keys from a
rotation on; ``generation`` grows with each re-seal and the server keeps the highest one;
the current refs (one per section) are the only ones a write through it may use (the
server refuses a write under another one: ``stale_key``). Version 1 grants stay readable.

The signature covers the hash of the sealed blob, so neither the core (sections, refs,
recipient, times) nor the keys can be changed or swapped without the patient's key. The
mask key never enters a grant (P2): ``issue`` refuses to seal it even if the keyring were
inconsistent. An emergency grant covers only the emergency summary's sections (P7).
"""
from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import msgspec

from consent._grant_core import (
    CONTEXT,
    GRANT_ID_BYTES,
    HASH_BYTES,
    HASH_PERSON,
    MAX_KEY_REFS,
    MAX_SEALED_BYTES,
    PAYLOAD_VERSION,
    PUBLIC_KEY_BYTES,
    RECIPIENT_ID_MAX,
    REF_BYTES,
    SIGNATURE_BYTES,
    VERSION,
    VERSION_RESEALED,
    VERSIONS,
    GrantCore,
    SignedGrant,
    check_recipient_id,
    sealed_keys_hash,
    signed_message,
)
from consent.errors import InvalidGrant, MalformedGrant, UnsafeGrant
from vault.bounded import MsgPack
from vault.crypto import KEY_BYTES, Random, open_sealed, seal_to, verify_signature
from vault.errors import DecryptionFailed, InvalidInput
from vault.keyring import Keyring
from vault.sections import Section

__all__ = [
    "CONTEXT", "GRANT_ID_BYTES", "HASH_BYTES", "HASH_PERSON", "MAX_KEY_REFS",
    "MAX_SEALED_BYTES", "PAYLOAD_VERSION", "PUBLIC_KEY_BYTES", "RECIPIENT_ID_MAX", "REF_BYTES",
    "SIGNATURE_BYTES", "VERSION", "VERSIONS", "VERSION_RESEALED", "GrantCore", "GrantKeys",
    "SignedGrant", "check_recipient_id", "issue", "open_keys", "reseal", "sealed_keys_hash",
    "signed_message", "verify",
]

@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class GrantKeys:
    """What the recipient gets out of a grant: per section every key version, and the
    current ref (the key new items in that section are wrapped with)."""

    keys: Mapping[Section, Mapping[str, bytes]]
    current: Mapping[Section, str]
    _index: dict[str, tuple[Section, bytes]] = field(default_factory=dict, compare=False,
                                                     repr=False)

    def __post_init__(self) -> None:
        for section, keys in self.keys.items():
            for ref, key in keys.items():
                self._index[ref] = (section, key)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(sorted(self._index))

    def get(self, ref: str) -> bytes | None:
        """The key with reference ``ref``, or None if this grant does not carry it."""
        hit = self._index.get(ref)
        return None if hit is None else hit[1]

    def section_of(self, ref: str) -> Section | None:
        hit = self._index.get(ref)
        return None if hit is None else hit[0]


# --- sealed payload -------------------------------------------------------------------------


class _PayloadWire(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    grant_id: bytes
    keys: dict[str, dict[str, bytes]]
    current: dict[str, str]


# Bounded (vault.bounded): a FormatError (a ValueError) becomes InvalidGrant below.
_payload_decoder: Final = MsgPack(_PayloadWire, max_depth=8, max_size=MAX_SEALED_BYTES,
                                  what="grant keys")


def _seal(message: bytes, recipient_box_public: bytes, rng: Random) -> bytes:
    """``vault.crypto.seal_to``: a sealed box whose ephemeral key comes from ``rng``."""
    try:
        return seal_to(recipient_box_public, message, rng)
    except InvalidInput as exc:
        raise MalformedGrant("the recipient's box key is not usable") from exc


def issue(*, ring: Keyring, dossier_id: str, recipient_id: str, recipient_sign_public: bytes,
          recipient_box_public: bytes, sections: Iterable[Section | str], write: bool,
          issued_at: int, expires_at: int, grant_id: bytes, rng: Random,
          emergency: bool = False, version: int = VERSION,
          generation: int = 0) -> SignedGrant:
    """Seal every version of each chosen section's key a grant may carry (all but the
    retired ones, ``Keyring.section_keys``) to the recipient and sign the grant with the
    patient's key (``ring.signing_key``). ``rng`` only draws the sealed box's ephemeral key.
    An ``emergency`` grant may cover only the emergency summary. ``version`` 2 names the
    current refs (writes must use them) and a ``generation`` (see :func:`reseal`).

    The mask key is never sealed: a masked item's key is wrapped under it, so a grant on its
    section still cannot open it (P2). ``UnsafeGrant`` if the keyring would leak it."""
    try:
        chosen = frozenset(Section.parse(s) for s in sections)
    except InvalidInput as exc:
        raise MalformedGrant(str(exc)) from None
    keys: dict[Section, dict[str, bytes]] = {}
    current: dict[Section, str] = {}
    for section in sorted(chosen):
        section_keys = ring.section_keys(section)
        for ref, key in section_keys.items():
            if ref == ring.mask_ref or key == ring.mask_key or len(key) != KEY_BYTES:
                raise UnsafeGrant()
        keys[section] = section_keys
        current[section] = ring.current(section).ref
    refs = [ref for ks in keys.values() for ref in ks]
    if len(set(refs)) != len(refs):
        raise MalformedGrant("two sections share a key reference")
    # Validate everything but the keys hash before sealing anything.
    core = GrantCore(grant_id=grant_id, dossier_id=dossier_id, recipient_id=recipient_id,
                     recipient_sign_public=recipient_sign_public,
                     recipient_box_public=recipient_box_public, sections=chosen, write=write,
                     emergency=emergency, key_refs=tuple(sorted(refs)), issued_at=issued_at,
                     expires_at=expires_at, sealed_keys_hash=bytes(HASH_BYTES),
                     version=version, generation=generation,
                     current_refs=tuple(sorted(current.values())) if version != VERSION
                     else ())
    wire = _PayloadWire(grant_id=grant_id,
                        keys={s.value: ks for s, ks in keys.items()},
                        current={s.value: ref for s, ref in current.items()})
    sealed = _seal(bytes([PAYLOAD_VERSION]) + msgspec.msgpack.encode(wire),
                   recipient_box_public, rng)
    if len(sealed) > MAX_SEALED_BYTES:
        raise MalformedGrant("too many keys for one grant")
    core = replace(core, sealed_keys_hash=sealed_keys_hash(sealed))
    signature = ring.signing_key.sign(signed_message(core)).signature
    return SignedGrant(core=core, sealed=sealed, signature=signature)


def reseal(grant: GrantCore, *, ring: Keyring, rng: Random) -> SignedGrant:
    """The same grant (id, recipient, sections, flags, times) sealed again, as version 2 with
    the next generation, with the keys the keyring gives now: after a rotation, so that a
    grantee who remains gets the new version and an ex-grantee never does (P5)."""
    return issue(ring=ring, dossier_id=grant.dossier_id, recipient_id=grant.recipient_id,
                 recipient_sign_public=grant.recipient_sign_public,
                 recipient_box_public=grant.recipient_box_public, sections=grant.sections,
                 write=grant.write, issued_at=grant.issued_at, expires_at=grant.expires_at,
                 grant_id=grant.grant_id, rng=rng, emergency=grant.emergency,
                 version=VERSION_RESEALED, generation=grant.generation + 1)


def verify(grant: SignedGrant, patient_sign_public: bytes) -> None:
    """Check the patient's signature over the core and that the sealed blob is the one the
    core names. Raises ``InvalidGrant`` (never says which)."""
    if (not isinstance(grant, SignedGrant) or not isinstance(grant.signature, bytes)
            or len(grant.signature) != SIGNATURE_BYTES or not isinstance(grant.sealed, bytes)):
        raise InvalidGrant()
    if not verify_signature(patient_sign_public, signed_message(grant.core), grant.signature):
        raise InvalidGrant()
    if not hmac.compare_digest(sealed_keys_hash(grant.sealed), grant.core.sealed_keys_hash):
        raise InvalidGrant()


def open_keys(grant: SignedGrant, recipient_box_secret: bytes) -> GrantKeys:
    """Unseal the keys with the recipient's X25519 secret key and check they are exactly the
    ones the core lists (sections, refs, grant id, keys hash). Call ``verify`` first: this
    does not check the patient's signature. Raises ``InvalidGrant``."""
    core = grant.core
    if not hmac.compare_digest(sealed_keys_hash(grant.sealed), core.sealed_keys_hash):
        raise InvalidGrant()
    try:
        plaintext = open_sealed(recipient_box_secret, grant.sealed)
    except DecryptionFailed as exc:
        raise InvalidGrant() from exc
    if not plaintext or plaintext[0] != PAYLOAD_VERSION:
        raise InvalidGrant()
    try:
        wire = _payload_decoder.decode(plaintext[1:])
        keys = {Section(name): dict(ks) for name, ks in wire.keys.items()}
        current = {Section(name): ref for name, ref in wire.current.items()}
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise InvalidGrant() from exc
    refs = [ref for ks in keys.values() for ref in ks]
    if (wire.grant_id != core.grant_id or set(keys) != core.sections
            or set(current) != core.sections
            or any(current[s] not in keys[s] for s in keys)
            or tuple(sorted(refs)) != core.key_refs or len(set(refs)) != len(refs)
            or (core.version != VERSION
                and tuple(sorted(current.values())) != core.current_refs)
            or any(len(k) != KEY_BYTES for ks in keys.values() for k in ks.values())):
        raise InvalidGrant()
    return GrantKeys(keys=keys, current=current)

"""A grant's signed core and its wire form: ``GrantCore``, ``SignedGrant``,
``signed_message`` and ``sealed_keys_hash``. Private: use them through ``consent.grant``,
whose docstring gives the byte layouts (``docs/formats.md``, "Grants and the audit log").
Pure: no clock, no I/O.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import nacl.encoding
import nacl.hash

from consent import _codec
from consent._reader import Reader
from consent.errors import MalformedGrant
from vault.sections import EMERGENCY_SUMMARY, Section

VERSION: Final = 0x01
VERSION_RESEALED: Final = 0x02
VERSIONS: Final = frozenset({VERSION, VERSION_RESEALED})
PAYLOAD_VERSION: Final = 0x01
CONTEXT: Final = b"CARNET-GRANT"
HASH_PERSON: Final = b"carnet.grantkeys"  # exactly 16 bytes

GRANT_ID_BYTES: Final = 16
PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
HASH_BYTES: Final = 32
REF_BYTES: Final = 16
RECIPIENT_ID_MAX: Final = 128
MAX_KEY_REFS: Final = 4096
MAX_SEALED_BYTES: Final = 1024 * 1024

_PRINTABLE: Final = frozenset(string.printable[:94])  # '0'-'9' 'a'-'z' 'A'-'Z' punctuation
_HEX: Final = frozenset("0123456789abcdef")


# --- values ---------------------------------------------------------------------------------


def _is_hex(value: object, size: int) -> bool:
    return isinstance(value, str) and len(value) == 2 * size and set(value) <= _HEX


def _is_bytes(value: object, size: int) -> bool:
    return isinstance(value, bytes) and len(value) == size


def check_recipient_id(value: object) -> str:
    """A recipient id is 1..128 printable ASCII characters (no space): an idNat_PS, or an
    emergency contact's id."""
    if (not isinstance(value, str) or not 1 <= len(value) <= RECIPIENT_ID_MAX
            or not set(value) <= _PRINTABLE):
        raise MalformedGrant("the recipient id must be 1 to 128 printable ASCII characters")
    return value


@dataclass(frozen=True, slots=True)
class GrantCore:
    """Everything the patient signs. ``key_refs`` lists, ascending, every key reference the
    sealed keys contain (all versions of every granted section's key)."""

    grant_id: bytes
    dossier_id: str
    recipient_id: str
    recipient_sign_public: bytes
    recipient_box_public: bytes
    sections: frozenset[Section]
    write: bool
    emergency: bool
    key_refs: tuple[str, ...]
    issued_at: int
    expires_at: int
    sealed_keys_hash: bytes
    version: int = VERSION
    generation: int = 0  # version 2: the re-seal count (version 1: 0)
    current_refs: tuple[str, ...] = ()  # version 2: one per section, ascending

    def __post_init__(self) -> None:
        if not _is_bytes(self.grant_id, GRANT_ID_BYTES):
            raise MalformedGrant("the grant id must be 16 bytes")
        if not _is_hex(self.dossier_id, 16):
            raise MalformedGrant("the dossier id must be 32 lowercase hex digits")
        check_recipient_id(self.recipient_id)
        if not (_is_bytes(self.recipient_sign_public, PUBLIC_KEY_BYTES)
                and _is_bytes(self.recipient_box_public, PUBLIC_KEY_BYTES)):
            raise MalformedGrant("recipient public keys must be 32 bytes")
        if (not isinstance(self.sections, frozenset) or not self.sections
                or not all(isinstance(s, Section) for s in self.sections)):
            raise MalformedGrant("a grant names at least one section")
        if not isinstance(self.write, bool) or not isinstance(self.emergency, bool):
            raise MalformedGrant("write and emergency are booleans")
        if self.emergency and not self.sections <= EMERGENCY_SUMMARY:
            raise MalformedGrant("an emergency grant covers only the emergency summary")
        refs = self.key_refs
        if (not isinstance(refs, tuple) or not len(self.sections) <= len(refs) <= MAX_KEY_REFS
                or not all(_is_hex(r, REF_BYTES) for r in refs)
                or any(a >= b for a, b in pairwise(refs))):
            raise MalformedGrant("key refs must be distinct 32-hex-digit refs, ascending")
        if not (_codec.is_u64(self.issued_at) and _codec.is_u64(self.expires_at)
                and self.expires_at > self.issued_at):
            raise MalformedGrant("the grant must expire after it is issued")
        if not _is_bytes(self.sealed_keys_hash, HASH_BYTES):
            raise MalformedGrant("the sealed keys hash must be 32 bytes")
        self._check_version()

    def _check_version(self) -> None:
        cur = self.current_refs
        if self.version == VERSION:
            if self.generation != 0 or cur != ():
                raise MalformedGrant("a version-1 grant has no generation or current refs")
            return
        if self.version != VERSION_RESEALED:
            raise MalformedGrant("unknown grant version")
        if (not isinstance(self.generation, int) or not 0 <= self.generation < 2**32
                or not isinstance(cur, tuple) or len(cur) != len(self.sections)
                or any(a >= b for a, b in pairwise(cur)) or not set(cur) <= set(self.key_refs)):
            raise MalformedGrant("current refs must be one granted ref per section, ascending")

    def active_at(self, now: int) -> bool:
        """True while ``issued_at <= now < expires_at`` (revocation is the server's check)."""
        return self.issued_at <= now < self.expires_at

    def encode(self) -> bytes:
        """The canonical core bytes (see the module docstring)."""
        rid = self.recipient_id.encode("ascii")
        w = (_codec.Writer().raw(self.grant_id).raw(bytes.fromhex(self.dossier_id))
             .u8(len(rid)).raw(rid)
             .raw(self.recipient_sign_public).raw(self.recipient_box_public)
             .u16(_codec.sections_mask(self.sections))
             .u8(_codec.flags(write=self.write, emergency=self.emergency))
             .u64(self.issued_at).u64(self.expires_at).u16(len(self.key_refs)))
        for ref in self.key_refs:
            w.raw(bytes.fromhex(ref))
        w.raw(self.sealed_keys_hash)
        if self.version == VERSION_RESEALED:
            w.u32(self.generation).u16(len(self.current_refs))
            for ref in self.current_refs:
                w.raw(bytes.fromhex(ref))
        return w.getvalue()

    def same_grant(self, other: GrantCore) -> bool:
        """True if ``other`` is this grant sealed again: same id, dossier, recipient,
        sections, flags and times (the keys, their refs and the generation may differ)."""
        return (self.grant_id, self.dossier_id, self.recipient_id, self.recipient_sign_public,
                self.recipient_box_public, self.sections, self.write, self.emergency,
                self.issued_at, self.expires_at) == (
                other.grant_id, other.dossier_id, other.recipient_id,
                other.recipient_sign_public, other.recipient_box_public, other.sections,
                other.write, other.emergency, other.issued_at, other.expires_at)


def signed_message(core: GrantCore) -> bytes:
    """What the patient's Ed25519 key signs: ``"CARNET-GRANT" | version | core``."""
    return CONTEXT + bytes([core.version]) + core.encode()


def sealed_keys_hash(sealed: bytes) -> bytes:
    return nacl.hash.blake2b(sealed, digest_size=HASH_BYTES, person=HASH_PERSON,
                             encoder=nacl.encoding.RawEncoder)


@dataclass(frozen=True, slots=True)
class SignedGrant:
    core: GrantCore
    sealed: bytes
    signature: bytes

    @property
    def grant_id(self) -> bytes:
        return self.core.grant_id

    def encode(self) -> bytes:
        """``version | core | u32 len(sealed) | sealed | signature (64)``."""
        return (_codec.Writer().u8(self.core.version).raw(self.core.encode())
                .u32(len(self.sealed))
                .raw(self.sealed).raw(self.signature).getvalue())

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SignedGrant:
        """Parse grant bytes. Anything malformed raises ``MalformedGrant``; this checks the
        structure only, ``verify`` checks the signature."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MalformedGrant("a grant is bytes")
        r = Reader(bytes(data), MalformedGrant, "grant")
        version = r.take(1)[0]
        if version not in VERSIONS:
            raise MalformedGrant("unknown grant version")
        grant_id = r.take(GRANT_ID_BYTES)
        dossier_id = r.take(16).hex()
        try:
            recipient_id = r.take(r.u8()).decode("ascii")
        except UnicodeDecodeError:
            raise MalformedGrant("the recipient id must be printable ASCII") from None
        sign_public = r.take(PUBLIC_KEY_BYTES)
        box_public = r.take(PUBLIC_KEY_BYTES)
        sections = _codec.sections_of(r.u16(), MalformedGrant)
        write, emergency = _codec.flags_of(r.u8(), MalformedGrant)
        issued_at = r.u64()
        expires_at = r.u64()
        count = r.u16()
        refs = tuple(r.take(REF_BYTES).hex() for _ in range(count))
        keys_hash = r.take(HASH_BYTES)
        generation, current = 0, tuple[str, ...]()
        if version == VERSION_RESEALED:
            generation = r.u32()
            current = tuple(r.take(REF_BYTES).hex() for _ in range(r.u16()))
        sealed_len = r.u32()
        if sealed_len > MAX_SEALED_BYTES:
            raise MalformedGrant("the sealed keys are too large")
        sealed = r.take(sealed_len)
        signature = r.take(SIGNATURE_BYTES)
        r.end()
        core = GrantCore(grant_id=grant_id, dossier_id=dossier_id, recipient_id=recipient_id,
                         recipient_sign_public=sign_public, recipient_box_public=box_public,
                         sections=sections, write=write, emergency=emergency, key_refs=refs,
                         issued_at=issued_at, expires_at=expires_at, sealed_keys_hash=keys_hash,
                         version=version, generation=generation, current_refs=current)
        return cls(core=core, sealed=sealed, signature=signature)

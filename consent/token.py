"""The consent token: what the patient's QR code carries (DESIGN P3, P4).

Pure: no clock, no I/O, no randomness (the grant id and the times are passed in). Format in
``docs/consent-token.md``::

    token = 0x01 | sections (u16) | flags (u8) | grant id (16) | patient fpr (16)
            | recipient fpr (16) | issued_at (u32) | expires_at (u32) | signature (64)
    signature = Ed25519(patient key, "CARNET-CONSENT" | the 60 bytes before it)
    text  = "HTTPS://CRNT.FR/C/" | base45(token)

The token carries no key and no medical data: it names a grant stored (sealed to the
recipient) on the server, and lets the recipient's client check that the patient signed it.
Reading is split in steps: ``from_text`` (text -> bytes), ``decode`` (structure only), then
``Token.verify`` (patient key fingerprint and signature), ``Token.check_time`` and
``Token.check_recipient``. Every structural or cryptographic failure raises the same opaque
``InvalidToken``.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import base45
from consent.errors import InvalidToken, NotAToken, TokenExpired, WrongRecipient
from vault.crypto import fingerprint, verify_signature
from vault.errors import InvalidInput
from vault.sections import Section

VERSION: Final = 1
SIGNING_CONTEXT: Final = b"CARNET-CONSENT"
ID_BYTES: Final = 16
FPR_BYTES: Final = 16
PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64

# version, sections mask, flags, grant id, patient fpr, recipient fpr, issued_at, expires_at
_LAYOUT: Final = struct.Struct(">BHB16s16s16sII")
SIGNED_BYTES: Final = _LAYOUT.size  # 60
TOKEN_BYTES: Final = SIGNED_BYTES + SIGNATURE_BYTES  # 124

FLAG_WRITE: Final = 0x01
FLAG_EMERGENCY: Final = 0x02
_KNOWN_FLAGS: Final = FLAG_WRITE | FLAG_EMERGENCY

# Bit i of the mask is the i-th section in vault.sections.Section's definition order. The
# order is part of the format: a new section is appended, never inserted.
SECTION_ORDER: Final[tuple[Section, ...]] = tuple(Section)
_ALL_SECTIONS: Final = (1 << len(SECTION_ORDER)) - 1

_U32_MAX: Final = 0xFFFF_FFFF
DEFAULT_SKEW: Final = 120

# Only QR alphanumeric characters (0-9 A-Z space $ % * + - . / :), so that the whole text
# is encoded in alphanumeric mode (5.5 bits a character instead of 8).
URL_PREFIX: Final = "HTTPS://CRNT.FR/C/"
# A token's text is len(URL_PREFIX) + 186 characters; anything much longer is refused before
# decoding.
MAX_TEXT_CHARS: Final = 1024


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What the patient signs. Fingerprints are ``vault.crypto.fingerprint`` of Ed25519 keys."""

    sections: frozenset[Section]
    write: bool
    emergency: bool
    grant_id: bytes
    patient_fpr: bytes
    recipient_fpr: bytes
    issued_at: int
    expires_at: int


def section_mask(sections: Iterable[Section]) -> int:
    """The u16 mask of a set of sections (bit i = ``SECTION_ORDER[i]``)."""
    mask = 0
    for section in sections:
        if not isinstance(section, Section):
            raise InvalidInput(f"not a section: {str(section)[:40]!r}")
        mask |= 1 << SECTION_ORDER.index(section)
    return mask


def sections_of(mask: int) -> frozenset[Section]:
    """The sections whose bits are set in ``mask`` (unknown bits are ignored)."""
    return frozenset(s for i, s in enumerate(SECTION_ORDER) if mask >> i & 1)


def _check_claims(claims: TokenClaims) -> None:
    """Raise InvalidInput (a ValueError) if ``claims`` cannot be encoded faithfully."""
    if not isinstance(claims, TokenClaims):
        raise InvalidInput("claims must be TokenClaims")
    if not isinstance(claims.sections, frozenset | set) or not claims.sections:
        raise InvalidInput("a consent must cover at least one section")
    section_mask(claims.sections)
    if not isinstance(claims.write, bool) or not isinstance(claims.emergency, bool):
        raise InvalidInput("write and emergency must be booleans")
    for name, size in (("grant_id", ID_BYTES), ("patient_fpr", FPR_BYTES),
                       ("recipient_fpr", FPR_BYTES)):
        value = getattr(claims, name)
        if not isinstance(value, bytes) or len(value) != size:
            raise InvalidInput(f"{name} must be {size} bytes")
    for name in ("issued_at", "expires_at"):
        value = getattr(claims, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U32_MAX:
            raise InvalidInput(f"{name} must be unix seconds between 0 and 2^32 - 1")
    if claims.expires_at <= claims.issued_at:
        raise InvalidInput("expires_at must be after issued_at")


def _encode_claims(claims: TokenClaims) -> bytes:
    flags = (FLAG_WRITE if claims.write else 0) | (FLAG_EMERGENCY if claims.emergency else 0)
    return _LAYOUT.pack(VERSION, section_mask(claims.sections), flags, claims.grant_id,
                        claims.patient_fpr, claims.recipient_fpr, claims.issued_at,
                        claims.expires_at)


@dataclass(frozen=True, slots=True)
class Token:
    """A structurally valid token, not yet verified: call ``verify`` before trusting it.

    ``signed_part`` is always re-encoded from ``claims`` (the encoding is canonical, so it is
    also the token's first 60 bytes): a Token built by hand with claims that differ from
    what was signed cannot pass ``verify``.
    """

    claims: TokenClaims
    signature: bytes

    def __post_init__(self) -> None:
        _check_claims(self.claims)
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_BYTES:
            raise InvalidInput(f"signature must be {SIGNATURE_BYTES} bytes")

    @property
    def signed_part(self) -> bytes:
        """The token's bytes covered by the signature (everything before it)."""
        return _encode_claims(self.claims)

    @property
    def data(self) -> bytes:
        """The token's binary form (``TOKEN_BYTES`` long)."""
        return self.signed_part + self.signature

    def verify(self, patient_public: bytes) -> None:
        """Check that ``patient_public`` is the key the token names and that it signed it.

        ``patient_public`` is the patient's raw Ed25519 public key (32 bytes). Raises
        InvalidToken (one message for every failure).
        """
        if not isinstance(patient_public, bytes) or len(patient_public) != PUBLIC_KEY_BYTES:
            raise InvalidToken()
        if not hmac.compare_digest(fingerprint(patient_public), self.claims.patient_fpr):
            raise InvalidToken()
        if not verify_signature(patient_public, SIGNING_CONTEXT + self.signed_part,
                                self.signature):
            raise InvalidToken()

    def check_time(self, now: int, skew: int = DEFAULT_SKEW) -> None:
        """TokenExpired once ``now >= expires_at``; InvalidToken if issued more than ``skew``
        seconds in the future (clocks disagree, or the token is forged)."""
        if now >= self.claims.expires_at:
            raise TokenExpired()
        if self.claims.issued_at > now + skew:
            raise InvalidToken()

    def check_recipient(self, recipient_public: bytes) -> None:
        """WrongRecipient unless the token names ``recipient_public`` (raw Ed25519 key)."""
        if not isinstance(recipient_public, bytes) or not hmac.compare_digest(
                fingerprint(recipient_public), self.claims.recipient_fpr):
            raise WrongRecipient()


def sign(claims: TokenClaims, key: nacl.signing.SigningKey) -> bytes:
    """The token's bytes, signed by the patient's key.

    Raises InvalidInput (a ValueError) for an empty section set, ``expires_at <= issued_at``,
    fields of the wrong size or range, or a ``patient_fpr`` that is not ``key``'s fingerprint
    (such a token could never verify).
    """
    _check_claims(claims)
    if fingerprint(key.verify_key.encode()) != claims.patient_fpr:
        raise InvalidInput("patient_fpr is not the fingerprint of the signing key")
    body = _encode_claims(claims)
    signature = key.sign(SIGNING_CONTEXT + body).signature
    return body + signature


def decode(data: bytes) -> Token:
    """Parse a token's bytes (structure only; the signature is checked by ``Token.verify``).

    Raises InvalidToken, and nothing else, for anything that is not a well-formed version-1
    token: wrong length, unknown version, reserved flag or section bits set, no section, or
    ``expires_at <= issued_at``.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidToken()
    raw = bytes(data)
    if len(raw) != TOKEN_BYTES:
        raise InvalidToken()
    version, mask, flags, grant_id, patient_fpr, recipient_fpr, issued_at, expires_at = (
        _LAYOUT.unpack(raw[:SIGNED_BYTES]))
    if (version != VERSION or flags & ~_KNOWN_FLAGS or mask & ~_ALL_SECTIONS or not mask
            or expires_at <= issued_at):
        raise InvalidToken()
    claims = TokenClaims(sections=sections_of(mask), write=bool(flags & FLAG_WRITE),
                         emergency=bool(flags & FLAG_EMERGENCY), grant_id=grant_id,
                         patient_fpr=patient_fpr, recipient_fpr=recipient_fpr,
                         issued_at=issued_at, expires_at=expires_at)
    try:
        return Token(claims=claims, signature=raw[SIGNED_BYTES:])
    except InvalidInput:  # unreachable after the checks above; kept so decode raises one type
        raise InvalidToken() from None


def to_text(data: bytes) -> str:
    """The token as QR text: ``URL_PREFIX`` + base45 (QR alphanumeric characters only)."""
    return URL_PREFIX + base45.encode(bytes(data))


def from_text(text: str) -> bytes:
    """The token bytes from a scanned or pasted text.

    Surrounding white space is ignored and the prefix is accepted in any case (a scanner may
    lowercase the scheme and host); the base45 part must be exact. Raises NotAToken for text
    that is not a Carnet token (another URL, ``HC1:`` EU certificates, ``shlink:/`` SMART
    Health Links, empty text), InvalidToken if it has the prefix but the rest is not base45.
    Does not check the token's structure: pass the result to ``decode``.
    """
    if not isinstance(text, str):
        raise NotAToken()
    text = text.strip()
    head = text[:len(URL_PREFIX)]
    if not (head.isascii() and head.upper() == URL_PREFIX):
        raise NotAToken()
    payload = text[len(URL_PREFIX):]
    if not payload or len(payload) > MAX_TEXT_CHARS:
        raise InvalidToken()
    try:
        return base45.decode(payload)
    except base45.Base45Error:
        raise InvalidToken() from None

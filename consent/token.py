"""The consent token: what the patient's QR code carries (DESIGN P3, P4).

Pure: no clock, no I/O, no randomness (the grant id and the times are passed in). Format in
``docs/formats.md`` ("Consent token")::

    token = 0x01 | sections (u16) | flags (u8) | grant id (16) | patient fpr (16)
            | recipient fpr (16) | issued_at (u32) | expires_at (u32) | signature (64)
    signature = Ed25519(patient key, "CARNET-CONSENT" | the 60 bytes before it)
    link  = ORIGIN | "/C#" | decimal(token)           (what is made: ``to_link``)
    text  = "HTTPS://CRNT.FR/C/" | base45(token)      (legacy, still read: ``to_text``)

The sections mask and the flags are ``consent._codec``'s (the same table as the grant's), the
texts are ``consent._qrtext``'s (the link ``consent.link``'s).

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
from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import _codec
from consent._qrtext import QrText
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

DEFAULT_SKEW: Final = 120

# The legacy text's prefix (a host the project does not control: read, never made again).
URL_PREFIX: Final = "HTTPS://CRNT.FR/C/"
# A token's payload is 186 base45 characters or 299 digits; anything much longer is refused
# before decoding.
MAX_TEXT_CHARS: Final = 1024
_TEXT: Final = QrText(URL_PREFIX, VERSION, foreign=NotAToken, garbled=InvalidToken,
                      max_chars=MAX_TEXT_CHARS)


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


def _check_claims(claims: TokenClaims) -> None:
    """Raise InvalidInput (a ValueError) if ``claims`` cannot be encoded faithfully."""
    if not isinstance(claims, TokenClaims):
        raise InvalidInput("claims must be TokenClaims")
    if not isinstance(claims.sections, frozenset | set) or not claims.sections:
        raise InvalidInput("a consent must cover at least one section")
    _codec.sections_mask(claims.sections)
    if not isinstance(claims.write, bool) or not isinstance(claims.emergency, bool):
        raise InvalidInput("write and emergency must be booleans")
    for name, size in (("grant_id", ID_BYTES), ("patient_fpr", FPR_BYTES),
                       ("recipient_fpr", FPR_BYTES)):
        value = getattr(claims, name)
        if not isinstance(value, bytes) or len(value) != size:
            raise InvalidInput(f"{name} must be {size} bytes")
    for name in ("issued_at", "expires_at"):
        value = getattr(claims, name)
        if (isinstance(value, bool) or not isinstance(value, int)
                or not 0 <= value <= _codec.U32_MAX):
            raise InvalidInput(f"{name} must be unix seconds between 0 and 2^32 - 1")
    if claims.expires_at <= claims.issued_at:
        raise InvalidInput("expires_at must be after issued_at")


def _encode_claims(claims: TokenClaims) -> bytes:
    return _LAYOUT.pack(VERSION, _codec.sections_mask(claims.sections),
                        _codec.flags(write=claims.write, emergency=claims.emergency),
                        claims.grant_id, claims.patient_fpr, claims.recipient_fpr,
                        claims.issued_at, claims.expires_at)


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
    if version != VERSION or not mask or expires_at <= issued_at:
        raise InvalidToken()
    sections = _codec.sections_of(mask, _invalid_token)
    write, emergency = _codec.flags_of(flags, _invalid_token)
    claims = TokenClaims(sections=sections, write=write, emergency=emergency,
                         grant_id=grant_id, patient_fpr=patient_fpr,
                         recipient_fpr=recipient_fpr, issued_at=issued_at,
                         expires_at=expires_at)
    try:
        return Token(claims=claims, signature=raw[SIGNED_BYTES:])
    except InvalidInput:  # unreachable after the checks above; kept so decode raises one type
        raise InvalidToken() from None


def _invalid_token(_: str) -> InvalidToken:
    return InvalidToken()  # one opaque message, whatever was wrong


def to_link(data: bytes, origin: str) -> str:
    """The token as a link on the deployment at ``origin`` (``consent.link``): what its QR
    code carries and what the patient shows. At most version 8 at error correction M for an
    origin of up to 32 characters, 10 for the longest one (``consent.qr``). Raises
    InvalidInput (a ValueError) for an origin ``consent.link.normalize_origin`` refuses."""
    return _TEXT.link_raw(data, origin)


def to_text(data: bytes) -> str:
    """The legacy text ``URL_PREFIX`` + base45 (still read by ``from_text``; make links with
    ``to_link``)."""
    return _TEXT.encode_raw(data)


def from_text(text: str) -> bytes:
    """The token bytes from a scanned or pasted text: a link (``to_link``, any origin) or the
    legacy text (``to_text``).

    Surrounding white space is ignored and the origin or prefix is accepted in any case (a
    scanner may lowercase the scheme and host); the digits or base45 part must be exact.
    Raises NotAToken for text that is not a Carnet token (another URL or kind of link,
    ``HC1:`` EU certificates, ``shlink:/`` SMART Health Links, empty text), InvalidToken if
    it is a token's link or prefix but the rest is not a token's digits or base45.
    Does not check the token's structure: pass the result to ``decode``.
    """
    return _TEXT.decode_raw(text)

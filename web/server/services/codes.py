"""Activation codes: short one-time codes sent by post, e-mail or handed over at a pharmacy.

Pure: randomness (``rng``) and time (``now``) are passed in. A code is 10 Crockford base32
symbols (50 bits) shown as ``XXXXX-XXXXX``. Fifty bits are enough because a code is only
ever checked online, behind a per-activation attempt limit (:class:`CodePolicy`) and a rate
limiter, and expires. The server stores only :func:`hash_code` of it, keyed by a server-side
pepper, so a leaked table cannot be brute-forced offline without the pepper.

What is stored for a beneficiary is :func:`pack_hashes`: the live code's hash followed by
those of up to :data:`SUPERSEDED_KEPT` codes it replaced, so that a patient who types an
older code can be told that a newer one was sent (:func:`match_code`), while every
superseded code stays dead.
"""

from __future__ import annotations

import datetime
import hmac
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from vault import crockford
from web.server.services.errors import ActivationFailed

__all__ = [
    "ALPHABET",
    "CHANNEL_POLICIES",
    "CODE_BITS",
    "EMAIL_CODE_POLICY",
    "PHARMACY_CODE_POLICY",
    "POST_CODE_POLICY",
    "SUPERSEDED_KEPT",
    "Channel",
    "CodePolicy",
    "Match",
    "codes_match",
    "generate_code",
    "hash_code",
    "live_hash",
    "match_code",
    "normalize_code",
    "pack_hashes",
    "unpack_hashes",
]

# Crockford's base32: no I, L, O (read as 1, 1, 0) and no U.
ALPHABET: Final = crockford.ALPHABET
_SYMBOLS: Final = 10
CODE_BITS: Final = 5 * _SYMBOLS
_RANDOM_BYTES: Final = 7  # 56 bits drawn, the top 50 kept
_GROUP: Final = 5
_HASH_PERSON: Final = b"carnet.actcode"
_HASH_SIZE: Final = 32
_MIN_PEPPER: Final = 16
_MAX_PEPPER: Final = 64  # BLAKE2b's key limit
# Anything longer is refused before normalising: a code is 11 characters.
_MAX_INPUT: Final = 64
_READ_AS: Final = str.maketrans(crockford.READ_AS)
# Hyphen-like characters people paste from documents, plus every kind of white space.
_DASHES: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def generate_code(rng: Callable[[int], bytes]) -> str:
    """A fresh code ``XXXXX-XXXXX`` carrying 50 random bits from ``rng`` (e.g. os.urandom)."""
    raw = rng(_RANDOM_BYTES)
    if len(raw) != _RANDOM_BYTES:
        raise ValueError("rng returned the wrong number of bytes")
    value = int.from_bytes(raw, "big") >> (8 * _RANDOM_BYTES - CODE_BITS)
    symbols = crockford.encode(value, _SYMBOLS)
    return _grouped(symbols)


def _grouped(symbols: str) -> str:
    return f"{symbols[:_GROUP]}-{symbols[_GROUP:]}"


def normalize_code(text: str) -> str:
    """The canonical ``XXXXX-XXXXX`` form of a typed code.

    Case, white space and hyphens are ignored; O is read as 0, I and L as 1 (Crockford).
    Raises :class:`ActivationFailed` (the same opaque error as a wrong code) if what remains
    is not 10 symbols of the alphabet.
    """
    if len(text) > _MAX_INPUT:
        raise ActivationFailed()
    # NFKC folds full-width letters and digits (phone keyboards) to ASCII.
    folded = unicodedata.normalize("NFKC", text).upper().translate(_READ_AS)
    symbols = "".join(c for c in folded if not c.isspace() and c not in _DASHES)
    if len(symbols) != _SYMBOLS or any(c not in ALPHABET for c in symbols):
        raise ActivationFailed()
    return _grouped(symbols)


def _check_pepper(pepper: bytes) -> None:
    if not _MIN_PEPPER <= len(pepper) <= _MAX_PEPPER:
        raise ValueError(f"the pepper must be {_MIN_PEPPER} to {_MAX_PEPPER} bytes")


def hash_code(code: str, pepper: bytes) -> bytes:
    """Keyed BLAKE2b-256 (key ``pepper``, person ``carnet.actcode``) of the normalised code.

    This is what the server stores. Raises :class:`ActivationFailed` for a malformed code and
    ``ValueError`` for a pepper outside 16-64 bytes (a configuration error).
    """
    _check_pepper(pepper)
    normalised = normalize_code(code)
    return blake2b(normalised.encode("ascii"), digest_size=_HASH_SIZE, key=pepper,
                   person=_HASH_PERSON, encoder=RawEncoder)


def codes_match(stored_hash: bytes, code: str, pepper: bytes) -> bool:
    """Whether ``code`` is the one whose :func:`hash_code` is ``stored_hash``.

    Compares in constant time; a malformed code simply does not match.
    """
    _check_pepper(pepper)
    try:
        candidate = hash_code(code, pepper)
    except ActivationFailed:
        return False
    return hmac.compare_digest(stored_hash, candidate)


SUPERSEDED_KEPT: Final = 3
Match = Literal["live", "superseded"]


def pack_hashes(live: bytes, superseded: Sequence[bytes] = ()) -> bytes:
    """What is stored: the live hash, then the newest :data:`SUPERSEDED_KEPT` older ones."""
    kept = list(superseded)[:SUPERSEDED_KEPT]
    if any(len(h) != _HASH_SIZE for h in (live, *kept)):
        raise ValueError("a code hash is 32 bytes")
    return b"".join((live, *kept))


def unpack_hashes(stored: bytes) -> tuple[bytes, tuple[bytes, ...]]:
    """(live hash, superseded hashes newest first) of :func:`pack_hashes`' bytes; a bare
    hash (stored before superseded codes were kept) is the live one alone."""
    if not stored or len(stored) % _HASH_SIZE:
        raise ValueError("not a stored code hash")
    parts = [stored[i:i + _HASH_SIZE] for i in range(0, len(stored), _HASH_SIZE)]
    return parts[0], tuple(parts[1:])


def live_hash(stored: bytes) -> bytes:
    return unpack_hashes(stored)[0]


def match_code(stored: bytes, code: str, pepper: bytes) -> Match | None:
    """Whether ``code`` is the live code of ``stored`` (:func:`pack_hashes`), one it
    superseded, or neither (also for a malformed code). The typed code is hashed once and
    compared in constant time with every slot, so the time does not depend on which slot
    matches."""
    _check_pepper(pepper)
    live, older = unpack_hashes(stored)
    try:
        candidate = hash_code(code, pepper)
    except ActivationFailed:
        return None
    hits = [hmac.compare_digest(h, candidate) for h in (live, *older)]
    if hits[0]:
        return "live"
    return "superseded" if any(hits[1:]) else None


@dataclass(frozen=True, slots=True)
class CodePolicy:
    """How long a code lives and how many wrong tries its activation tolerates."""

    ttl_seconds: int
    max_attempts: int = 5

    def __post_init__(self) -> None:
        if self.ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def expires_at(self, issued_at: datetime.datetime) -> datetime.datetime:
        """The instant a code issued at ``issued_at`` stops working."""
        return issued_at + datetime.timedelta(seconds=self.ttl_seconds)

    def is_expired(self, issued_at: datetime.datetime, *, now: datetime.datetime) -> bool:
        """Whether a code issued at ``issued_at`` no longer works at ``now``."""
        return now >= self.expires_at(issued_at)

    def is_exhausted(self, failed_attempts: int) -> bool:
        """Whether ``failed_attempts`` wrong codes lock the activation."""
        return failed_attempts >= self.max_attempts


Channel = Literal["post", "email", "pharmacy"]

# Post and e-mail: the letter may sit in a mailbox for a while.
POST_CODE_POLICY: Final = CodePolicy(ttl_seconds=30 * 24 * 3600)
EMAIL_CODE_POLICY: Final = CodePolicy(ttl_seconds=30 * 24 * 3600)
# Pharmacy: handed over in person and used on the spot.
PHARMACY_CODE_POLICY: Final = CodePolicy(ttl_seconds=3600)

CHANNEL_POLICIES: Final[Mapping[Channel, CodePolicy]] = MappingProxyType({
    "post": POST_CODE_POLICY,
    "email": EMAIL_CODE_POLICY,
    "pharmacy": PHARMACY_CODE_POLICY,
})

"""Recovery codes: 144 random bits + a 16-bit checksum, in typable Crockford base32.

    XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX   (32 symbols = 20 bytes)

The checksum only catches typing mistakes; the code's secret is the 18 random bytes.
"""

from __future__ import annotations

from typing import Final

import nacl.encoding
import nacl.hash

from vault import crockford
from vault.crypto import Random
from vault.errors import InvalidInput

SECRET_BYTES: Final = 18
_SYMBOLS: Final = 32


def _checksum(secret: bytes) -> bytes:
    return nacl.hash.blake2b(secret, digest_size=2, person=b"carnet.recovery\x00",
                             encoder=nacl.encoding.RawEncoder)


def _b32(data: bytes) -> str:
    return crockford.encode(int.from_bytes(data, "big"), _SYMBOLS)


def generate(rng: Random) -> str:
    """A new recovery code, grouped by four."""
    secret = rng(SECRET_BYTES)
    text = _b32(secret + _checksum(secret))
    return "-".join(text[i:i + 4] for i in range(0, _SYMBOLS, 4))


def parse(code: object) -> bytes:
    """The code's secret bytes; InvalidInput if it is not a well-typed code."""
    if not isinstance(code, str):
        raise InvalidInput("the recovery code must be text")
    text = "".join(ch for ch in code.upper() if ch not in " -\t\n")
    if len(text) != _SYMBOLS or not all(crockford.is_symbol(ch) for ch in text):
        raise InvalidInput("this is not a recovery code (32 letters and digits in groups of 4)")
    raw = crockford.decode(text).to_bytes(20, "big")
    secret, check = raw[:SECRET_BYTES], raw[SECRET_BYTES:]
    if _checksum(secret) != check:
        raise InvalidInput("the recovery code has a typing mistake; check each group")
    return secret

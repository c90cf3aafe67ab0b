"""Base45 (RFC 9285): bytes as text in the QR code alphanumeric alphabet.

Pure, no dependency. Two bytes become three characters (``n = c + 45·d + 2025·e``, least
significant first), a trailing single byte becomes two. Decoding is strict: a character outside
the alphabet, a length ``≡ 1 (mod 3)``, or a group whose value overflows (``> 65535`` for three
characters, ``> 255`` for two) raises ``Base45Error``. Every byte string therefore has exactly
one encoding, and an encoding never ends with a space (the last character is at most ``W``).
"""

from __future__ import annotations

from typing import Final

from consent.errors import ConsentError

ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES: Final[dict[str, int]] = {ch: i for i, ch in enumerate(ALPHABET)}


class Base45Error(ConsentError, ValueError):
    """Text that is not valid base45 (a leaf of the tree drawn in ``consent.errors``)."""

    code = "bad_base45"
    default_detail = "this text is not valid base45"


def encode(data: bytes) -> str:
    """Encode bytes as base45 text."""
    out: list[str] = []
    full = len(data) - len(data) % 2
    for i in range(0, full, 2):
        n = (data[i] << 8) | data[i + 1]
        e, rest = divmod(n, 45 * 45)
        d, c = divmod(rest, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode base45 text; raise ``Base45Error`` on anything that is not canonical base45."""
    if not isinstance(text, str):
        raise Base45Error("base45 input must be text")
    if len(text) % 3 == 1:
        raise Base45Error("base45 text has an impossible length")
    try:
        values = [_VALUES[ch] for ch in text]
    except KeyError:
        raise Base45Error("character outside the base45 alphabet") from None
    out = bytearray()
    full = len(values) - len(values) % 3
    for i in range(0, full, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 45 * 45
        if n > 0xFFFF:
            raise Base45Error("base45 group out of range")
        out += n.to_bytes(2, "big")
    if len(values) % 3:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise Base45Error("base45 group out of range")
        out.append(n)
    return bytes(out)

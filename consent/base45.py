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
_BAD: Final = 0xFF
# byte -> its base45 value, 0xFF for a byte outside the alphabet (a bytes.translate table)
_TABLE: Final = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else _BAD for b in range(256))


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
    """Decode base45 text; raise ``Base45Error`` on anything that is not canonical base45.

    Table-driven and without a Python loop per group (a consent check decodes ~300
    characters on the hot path): the characters become their values with one
    ``bytes.translate``; the groups' three digits are spread into 24-bit lanes of three big
    integers by extended-slice assignment, combined with two multiplications and additions
    (no carry crosses a lane: a group is at most 91,124 < 2**24), and the lanes' low two
    bytes are the output.
    """
    if not isinstance(text, str):
        raise Base45Error("base45 input must be text")
    if len(text) % 3 == 1:
        raise Base45Error("base45 text has an impossible length")
    try:
        values = text.encode("ascii").translate(_TABLE)
    except UnicodeEncodeError:
        raise Base45Error("character outside the base45 alphabet") from None
    if _BAD in values:
        raise Base45Error("character outside the base45 alphabet")
    groups, tail = divmod(len(values), 3)
    out = bytearray(2 * groups + (1 if tail else 0))
    if groups:
        size = 3 * groups
        digits = []
        for k in range(3):
            lanes = bytearray(size)
            lanes[2::3] = values[k:size:3]
            digits.append(int.from_bytes(lanes, "big"))
        total = (digits[0] + 45 * digits[1] + 2025 * digits[2]).to_bytes(size, "big")
        if total[0::3].count(0) != groups:
            raise Base45Error("base45 group out of range")
        out[0:2 * groups:2] = total[1::3]
        out[1:2 * groups:2] = total[2::3]
    if tail:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise Base45Error("base45 group out of range")
        out[-1] = n
    return bytes(out)

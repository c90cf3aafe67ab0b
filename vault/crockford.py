"""Crockford base32 (``0123456789ABCDEFGHJKMNPQRSTVWXYZ``: no I, L, O, U), most significant
symbol first, for codes people type: recovery codes and activation codes.

Pure. ``encode`` writes a fixed number of symbols; ``decode`` reads upper-case symbols and
also the look-alikes ``O`` (as 0) and ``I``/``L`` (as 1). What else a caller forgives (case,
spaces, hyphens, full-width characters) is the caller's choice, made before ``decode``.
"""

from __future__ import annotations

from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Look-alikes read as the symbol they resemble.
READ_AS: Final[dict[str, str]] = {"O": "0", "I": "1", "L": "1"}
_VALUES: Final[dict[str, int]] = ({c: i for i, c in enumerate(ALPHABET)}
                                  | {c: ALPHABET.index(s) for c, s in READ_AS.items()})


def encode(value: int, symbols: int) -> str:
    """``value`` (``0 <= value < 32**symbols``) as exactly ``symbols`` symbols."""
    if not 0 <= value < 1 << (5 * symbols):
        raise ValueError("the value does not fit in this many symbols")
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(symbols)))


def is_symbol(ch: str) -> bool:
    """True for a symbol ``decode`` reads (the alphabet and the look-alikes)."""
    return ch in _VALUES


def decode(text: str) -> int:
    """The value of upper-case Crockford text; ``ValueError`` for any other character."""
    n = 0
    for ch in text:
        try:
            n = (n << 5) | _VALUES[ch]
        except KeyError:
            raise ValueError("not a Crockford base32 symbol") from None
    return n

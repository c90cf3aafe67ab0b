"""Bounded decoding of untrusted MessagePack and JSON (P13: bad input gets the package's error).

msgspec decodes nested containers recursively: bytes nested 1,500 levels deep (an item body
written by a hostile professional through a read+write grant, a deposit, a forged archive)
raise ``RecursionError`` from inside the decoder, and a long body can be made to cost a lot
of memory. Every decoder of plaintext or wire MessagePack/JSON in ``vault`` and ``consent``
goes through here instead, which checks first, without recursion:

1. the size: at most ``max_size`` bytes;
2. the structure: every container nested at most ``max_depth`` levels (the outermost one is
   level 1; an empty container counts as a level too), and no container announcing more
   elements than there are bytes left;

and only then hands the bytes to msgspec, whose own errors (truncated, trailing bytes, wrong
type) become ``FormatError`` too. So a decoder here raises ``FormatError`` and nothing else,
whatever the bytes; callers in ``consent`` turn it into their own error.

The structural walk is iterative (an explicit stack) and skips strings and binaries by their
length, so its cost grows with the number of values, not their size. It is skipped when the
bytes cannot possibly nest deeper than ``max_depth``: the count of bytes that could open a
container (``0x80..0x9f``, ``0xdc..0xdf``; ``[`` and ``{`` in JSON) is an upper bound of the
depth. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final, Generic, TypeVar

import msgspec

from vault.errors import FormatError

__all__ = ["Json", "MsgPack", "check_json", "check_msgpack"]

T = TypeVar("T")

# --- MessagePack ----------------------------------------------------------------------------

# Total size of the values whose size the first byte fixes (ints, floats, nil, bools,
# fixext); 0 for every other first byte.
_FIXED: Final = [0] * 256
for _b in range(0x00, 0x80):
    _FIXED[_b] = 1  # positive fixint
for _b in range(0xE0, 0x100):
    _FIXED[_b] = 1  # negative fixint
for _b, _n in {0xC0: 1, 0xC2: 1, 0xC3: 1, 0xCA: 5, 0xCB: 9, 0xCC: 2, 0xCD: 3, 0xCE: 5,
               0xCF: 9, 0xD0: 2, 0xD1: 3, 0xD2: 5, 0xD3: 9, 0xD4: 3, 0xD5: 4, 0xD6: 6,
               0xD7: 10, 0xD8: 18}.items():
    _FIXED[_b] = _n
# str8/16/32 and bin8/16/32: width of the length field.
_VAR: Final = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}
# ext8/16/32: width of the length field (a type byte follows it).
_EXT: Final = {0xC7: 1, 0xC8: 2, 0xC9: 4}
# array16/32, map16/32: (width of the count field, values per element).
_WIDE: Final = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}
_NOT_OPENING: Final = bytes(b for b in range(256) if not (0x80 <= b <= 0x9F or b in _WIDE))


def _check_size(data: bytes, max_size: int, what: str) -> None:
    if len(data) > max_size:
        raise FormatError(f"{what} is larger than {max_size} bytes")


def check_msgpack(data: bytes, *, max_depth: int, max_size: int, what: str = "data") -> None:
    """``FormatError`` unless ``data`` is at most ``max_size`` bytes and no container in it is
    nested deeper than ``max_depth`` or announces more elements than bytes left. Malformed
    bytes that do not break these bounds pass: msgspec reports them."""
    _check_size(data, max_size, what)
    if len(data.translate(None, _NOT_OPENING)) <= max_depth:
        return  # fewer bytes that could open a container than allowed levels
    _walk(data, max_depth, what)


def _walk(data: bytes, max_depth: int, what: str) -> None:
    end = len(data)
    pos = 0
    stack: list[int] = []  # values left in each enclosing container
    left = 1  # values left at the current level (one top-level value)
    while True:
        if not left:
            if not stack:
                break
            left = stack.pop()
            continue
        if pos >= end:
            raise FormatError(f"{what} is truncated")
        b = data[pos]
        left -= 1
        fixed = _FIXED[b]
        if fixed:
            pos += fixed
            continue
        if 0xA0 <= b <= 0xBF:  # fixstr
            pos += 1 + (b & 0x1F)
            continue
        if b <= 0x9F:  # fixmap 0x80..0x8f, fixarray 0x90..0x9f
            count = (b & 0x0F) * (2 if b <= 0x8F else 1)
            pos += 1
        elif b in _WIDE:
            width, per = _WIDE[b]
            count = int.from_bytes(data[pos + 1:pos + 1 + width], "big") * per
            pos += 1 + width
        elif b in _VAR:
            width = _VAR[b]
            pos += 1 + width + int.from_bytes(data[pos + 1:pos + 1 + width], "big")
            continue
        elif b in _EXT:
            width = _EXT[b]
            pos += 2 + width + int.from_bytes(data[pos + 1:pos + 1 + width], "big")
            continue
        else:  # 0xc1, never used
            raise FormatError(f"{what} is not valid MessagePack")
        if len(stack) >= max_depth:
            raise FormatError(f"{what} is nested deeper than {max_depth} levels")
        if count:
            if count > end - pos:
                raise FormatError(f"{what} is truncated")
            stack.append(left)
            left = count
    if pos != end:
        raise FormatError(f"{what} is truncated" if pos > end else f"trailing bytes after {what}")


class MsgPack(Generic[T]):
    """A msgspec MessagePack decoder of ``type`` behind :func:`check_msgpack`: ``decode``
    raises ``FormatError`` (and only that) for anything that is not a ``type`` within the
    bounds. Build one per format at import time, as with ``msgspec.msgpack.Decoder``."""

    __slots__ = ("_decoder", "max_depth", "max_size", "what")

    def __init__(self, type: type[T], *, max_depth: int, max_size: int,
                 what: str) -> None:
        self._decoder: msgspec.msgpack.Decoder[T] = msgspec.msgpack.Decoder(type)
        self.max_depth = max_depth
        self.max_size = max_size
        self.what = what

    def decode(self, data: bytes | bytearray | memoryview) -> T:
        buf = data if isinstance(data, bytes) else bytes(data)
        check_msgpack(buf, max_depth=self.max_depth, max_size=self.max_size, what=self.what)
        try:
            return self._decoder.decode(buf)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            raise FormatError(f"{self.what} is malformed") from exc


# --- JSON -----------------------------------------------------------------------------------

# A complete string (escapes included) or a bracket: brackets inside strings are not counted.
_JSON_TOKEN: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def check_json(data: bytes, *, max_depth: int, max_size: int, what: str = "data") -> None:
    """``FormatError`` unless ``data`` is at most ``max_size`` bytes and no array or object in
    it is nested deeper than ``max_depth``. (An unterminated string makes the brackets after
    it count: the text is invalid anyway.)"""
    _check_size(data, max_size, what)
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return
    depth = 0
    for token in _JSON_TOKEN.finditer(data):
        first = token.group()[0]
        if first in b"[{":
            depth += 1
            if depth > max_depth:
                raise FormatError(f"{what} is nested deeper than {max_depth} levels")
        elif first in b"]}":
            depth -= 1


class Json(Generic[T]):
    """A msgspec JSON decoder of ``type`` behind :func:`check_json`; ``decode`` raises
    ``FormatError`` and only that."""

    __slots__ = ("_decoder", "max_depth", "max_size", "what")

    def __init__(self, type: type[T], *, max_depth: int, max_size: int,
                 what: str) -> None:
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(type)
        self.max_depth = max_depth
        self.max_size = max_size
        self.what = what

    def decode(self, data: bytes | bytearray | memoryview) -> T:
        buf = data if isinstance(data, bytes) else bytes(data)
        check_json(buf, max_depth=self.max_depth, max_size=self.max_size, what=self.what)
        try:
            return self._decoder.decode(buf)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            raise FormatError(f"{self.what} is malformed") from exc

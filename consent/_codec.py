"""What the signed consent formats share: the section-to-bit table, the flag bits, the
``P(x)`` length prefix, u64 checks and a byte ``Writer`` (the ``Reader`` is in ``_reader``).

One table for every format that carries sections (the consent token and the grant core): bit
*i* of a sections mask is ``SECTION_BITS[i]``. The table is written out, not derived from
``vault.sections.Section``'s order, because it is part of signed bytes: a new section is
appended, never inserted, and reordering the enum changes nothing here. A mask with a bit
beyond the table is refused, and so is an unknown flag bit: one policy for every reader.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Final

from vault.errors import InvalidInput
from vault.sections import Section

# Bit i of a sections mask. Append new sections at the end, never reorder.
SECTION_BITS: Final[tuple[Section, ...]] = (
    Section.CARE_HISTORY,
    Section.MEDICAL_HISTORY,
    Section.EXAM_RESULTS,
    Section.CURRENT_TREATMENTS,
    Section.ALLERGIES,
    Section.BLOOD_GROUP,
    Section.VACCINATIONS,
    Section.ADVANCE_DIRECTIVES,
    Section.EMERGENCY_CONTACTS,
    Section.PERSONAL_NOTES,
)
if set(SECTION_BITS) != set(Section) or len(SECTION_BITS) != len(Section):  # pragma: no cover
    raise RuntimeError("SECTION_BITS must list every section exactly once")
ALL_SECTIONS_MASK: Final = (1 << len(SECTION_BITS)) - 1

FLAG_WRITE: Final = 0x01
FLAG_EMERGENCY: Final = 0x02
KNOWN_FLAGS: Final = FLAG_WRITE | FLAG_EMERGENCY

U16_MAX: Final = 0xFFFF
U32_MAX: Final = 0xFFFF_FFFF
U64_MAX: Final = 2**64 - 1

ErrorFactory = Callable[[str], Exception]


def sections_mask(sections: Iterable[Section]) -> int:
    """The u16 mask of ``sections`` (bit i = ``SECTION_BITS[i]``); ``InvalidInput`` for
    anything that is not a ``Section``. A frozenset's mask is remembered (a token check
    computed it twice)."""
    # Only a set of real Sections is looked up: a StrEnum member equals (and hashes like) its
    # text, so frozenset({"allergies"}) would otherwise hit frozenset({Section.ALLERGIES}).
    if isinstance(sections, frozenset) and all(type(s) is Section for s in sections):
        return _frozen_mask(sections)
    return _mask(sections)


@functools.lru_cache(maxsize=1024)
def _frozen_mask(sections: frozenset[Section]) -> int:
    return _mask(sections)


def _mask(sections: Iterable[Section]) -> int:
    mask = 0
    for section in sections:
        if not isinstance(section, Section):
            raise InvalidInput(f"not a section: {str(section)[:40]!r}")
        mask |= 1 << SECTION_BITS.index(section)
    return mask


def sections_of(mask: int, error: ErrorFactory) -> frozenset[Section]:
    """The sections whose bits are set; ``error(...)`` is raised for a bit beyond the table
    (each format keeps its own error type)."""
    if mask & ~ALL_SECTIONS_MASK:
        raise error("unknown section bit")
    return _sections_of(mask)


@functools.lru_cache(maxsize=1024)
def _sections_of(mask: int) -> frozenset[Section]:
    return frozenset(s for i, s in enumerate(SECTION_BITS) if mask >> i & 1)


def flags(*, write: bool, emergency: bool) -> int:
    """The flags byte: bit 0 write, bit 1 emergency."""
    return (FLAG_WRITE if write else 0) | (FLAG_EMERGENCY if emergency else 0)


def flags_of(value: int, error: ErrorFactory) -> tuple[bool, bool]:
    """``(write, emergency)`` from a flags byte; ``error(...)`` for an unknown bit."""
    if value & ~KNOWN_FLAGS:
        raise error("unknown flag bit")
    return bool(value & FLAG_WRITE), bool(value & FLAG_EMERGENCY)


def is_u64(value: object) -> bool:
    """An int (not a bool) in ``0 .. 2**64 - 1``."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U64_MAX


def text_ok(value: object, max_bytes: int, *, min_bytes: int = 0) -> bool:
    """Text of ``min_bytes..max_bytes`` UTF-8 bytes with no control character (and no lone
    surrogate, which has no UTF-8 form)."""
    if not isinstance(value, str):
        return False
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates
        return False
    return min_bytes <= size <= max_bytes and not any(ord(c) < 32 or ord(c) == 127
                                                      for c in value)


def p(data: bytes) -> bytes:
    """``P(x) = u16 len(x) | x``; ``ValueError`` beyond 65535 bytes."""
    if len(data) > U16_MAX:
        raise ValueError("a length-prefixed field is at most 65535 bytes")
    return len(data).to_bytes(2, "big") + data


class Writer:
    """Builds a byte format field by field (big-endian integers), the mirror of ``Reader``.
    Integers out of range raise ``OverflowError``: callers validate values first."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw(self, data: bytes) -> Writer:
        self._parts.append(bytes(data))
        return self

    def u8(self, value: int) -> Writer:
        return self.raw(value.to_bytes(1, "big"))

    def u16(self, value: int) -> Writer:
        return self.raw(value.to_bytes(2, "big"))

    def u32(self, value: int) -> Writer:
        return self.raw(value.to_bytes(4, "big"))

    def u64(self, value: int) -> Writer:
        return self.raw(value.to_bytes(8, "big"))

    def p(self, data: bytes) -> Writer:
        """A u16-length-prefixed field."""
        return self.raw(p(data))

    def getvalue(self) -> bytes:
        """Everything written so far."""
        return b"".join(self._parts)

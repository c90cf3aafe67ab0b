"""Items: what a patient or professional writes into a section, and its plaintext codec.

Plaintext format (inside the item envelope): ``0x01 | MessagePack map`` (docs/formats.md).
Limits are documented constants; every check happens before anything is encrypted or stored.
Reading is bounded too (``vault.bounded``): a plaintext larger than ``ITEM_MAX_BYTES`` or
nested deeper than ``ITEM_MAX_DEPTH`` is a ``FormatError``, never a ``RecursionError``, since
another client (a professional writing through a grant, a depositor) may have written it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import msgspec

from vault.bounded import MsgPack
from vault.errors import FormatError, InvalidInput, LimitExceeded
from vault.sections import Section, check_type

PLAINTEXT_VERSION: Final = 0x01
TITLE_MAX_CHARS: Final = 200
BODY_MAX_BYTES: Final = 256 * 1024
ITEM_MAX_BYTES: Final = 512 * 1024
BODY_MAX_DEPTH: Final = 16
# Reading: the containers a stored plaintext may nest, the item map and the body included.
# Above what ``draft`` lets a body reach (BODY_MAX_DEPTH + 2), far below msgspec's recursion.
ITEM_MAX_DEPTH: Final = 32
ATTACHMENT_NAME_MAX_CHARS: Final = 255
ATTACHMENT_MEDIA_TYPES: Final = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/webp", "text/plain",
})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PS_ID = re.compile(r"^(8\d{11}|0\d{9})$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


class Author(msgspec.Struct, frozen=True):
    """Who wrote an item: the patient, or a professional identified by idNat_PS."""

    kind: Literal["patient", "professional"]
    id: str | None = None
    name: str | None = None

    @classmethod
    def patient(cls) -> Author:
        return cls(kind="patient")

    @classmethod
    def professional(cls, ps_id: str, name: str | None = None) -> Author:
        if not isinstance(ps_id, str) or not _PS_ID.match(ps_id):
            raise InvalidInput("a professional author needs an idNat_PS (8+RPPS or 0+ADELI)")
        return cls(kind="professional", id=ps_id, name=name)


class AttachmentRef(msgspec.Struct, frozen=True):
    """Where an attachment's encrypted chunks are and the key that opens them."""

    id: str
    name: str
    media_type: str
    size: int
    chunks: int
    key: bytes
    header: bytes


class _Wire(msgspec.Struct, frozen=True):
    section: str
    type: str
    title: str
    date: str
    body: dict[str, Any]
    author: Author
    created_at: int
    attachment: AttachmentRef | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A validated item before encryption. Build it with :func:`draft`."""

    section: Section
    item_type: str
    title: str
    date: str
    body: dict[str, Any]
    author: Author


@dataclass(frozen=True, slots=True)
class Item:
    """A decrypted item revision, as a client sees it."""

    item_id: str
    revision: int
    section: Section
    item_type: str
    title: str
    date: str
    body: dict[str, Any]
    author: Author
    created_at: int
    attachment: AttachmentRef | None = None
    masked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def own(self) -> bool:
        """True when the patient wrote this item themself."""
        return self.author.kind == "patient"


def _check_text(value: object, what: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    text = value.strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > max_chars:
        raise LimitExceeded(f"{what} is longer than {max_chars} characters")
    if _CONTROL.search(text):
        raise InvalidInput(f"{what} contains control characters")
    return text


def _check_date(value: object) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise InvalidInput("date must be an ISO date (YYYY-MM-DD)")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("date must be an ISO date (YYYY-MM-DD)") from None
    if parsed.year < 1900:
        raise InvalidInput("date is before 1900")
    return parsed.isoformat()


def _check_depth(value: object, depth: int = 0) -> None:
    if depth > BODY_MAX_DEPTH:
        raise LimitExceeded(f"body is nested deeper than {BODY_MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str):
                raise InvalidInput("body keys must be text")
            _check_depth(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _check_depth(inner, depth + 1)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise InvalidInput("body values must be JSON (text, numbers, booleans, lists, objects)")


def draft(section: object, item_type: object, title: object, date: object,
          body: object = None, author: Author | None = None) -> Draft:
    """Validate an item's fields; raises InvalidInput / LimitExceeded with a clear message."""
    return _draft(section, item_type, title, date, body, author, measure=True)


# A body decoded from a plaintext of at most this many bytes cannot encode to more than
# BODY_MAX_BYTES: ``_check_depth`` admits only nil, booleans, integers, floats, text, lists
# and maps with text keys, and msgspec encodes each of them in the fewest bytes but one (a
# float32 read back as a float: 5 bytes become 9), so encoding at most doubles it.
_BODY_SURELY_SMALL: Final = BODY_MAX_BYTES // 2


def _draft(section: object, item_type: object, title: object, date: object, body: object,
           author: Author | None, *, measure: bool) -> Draft:
    sec = Section.parse(section)
    kind = check_type(sec, item_type)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidInput("body must be a JSON object")
    _check_depth(body)
    if measure and len(msgspec.msgpack.encode(body)) > BODY_MAX_BYTES:
        raise LimitExceeded(f"body is larger than {BODY_MAX_BYTES // 1024} KiB")
    return Draft(section=sec, item_type=kind, title=_check_text(title, "title", TITLE_MAX_CHARS),
                 date=_check_date(date), body=body, author=author or Author.patient())


def check_attachment_meta(name: object, media_type: object, size: int, max_bytes: int) -> str:
    """Validate an attachment's name, type and size; returns the cleaned name."""
    clean = _check_text(name, "attachment name", ATTACHMENT_NAME_MAX_CHARS)
    if media_type not in ATTACHMENT_MEDIA_TYPES:
        allowed = ", ".join(sorted(ATTACHMENT_MEDIA_TYPES))
        raise InvalidInput(f"attachment type must be one of: {allowed}")
    if size > max_bytes:
        raise LimitExceeded(f"attachment is larger than {max_bytes // (1024 * 1024)} MiB")
    return clean


def encode(d: Draft, *, created_at: int, attachment: AttachmentRef | None = None) -> bytes:
    """Plaintext bytes of an item revision."""
    wire = _Wire(section=d.section.value, type=d.item_type, title=d.title, date=d.date,
                 body=d.body, author=d.author, created_at=created_at, attachment=attachment)
    data = bytes([PLAINTEXT_VERSION]) + msgspec.msgpack.encode(wire)
    if len(data) > ITEM_MAX_BYTES:
        raise LimitExceeded(f"item is larger than {ITEM_MAX_BYTES // 1024} KiB")
    return data


_decoder: Final = MsgPack(_Wire, max_depth=ITEM_MAX_DEPTH, max_size=ITEM_MAX_BYTES - 1,
                          what="item plaintext")


def decode(data: bytes, *, item_id: str, revision: int, masked: bool = False) -> Item:
    """Parse plaintext bytes; ``FormatError`` (and nothing else) on anything that is not a
    version-1 item within ``ITEM_MAX_BYTES`` and ``ITEM_MAX_DEPTH`` whose fields ``draft``
    accepts (section, type, title, date, body: so what decodes can be written again, as an
    archive import does)."""
    if len(data) < 2 or data[0] != PLAINTEXT_VERSION:
        raise FormatError("not a version-1 item")
    wire = _decoder.decode(data[1:])
    try:
        d = _draft(wire.section, wire.type, wire.title, wire.date, wire.body, wire.author,
                   measure=len(data) > _BODY_SURELY_SMALL)
    except InvalidInput as exc:  # LimitExceeded too
        raise FormatError(f"item plaintext is malformed ({exc})") from exc
    return Item(item_id=item_id, revision=revision, section=d.section, item_type=d.item_type,
                title=d.title, date=d.date, body=d.body, author=d.author,
                created_at=wire.created_at, attachment=wire.attachment, masked=masked)


def check_id(value: object, what: str = "id") -> str:
    """Ids are 16 random bytes written as 32 lowercase hex digits."""
    if not isinstance(value, str) or not _HEX32.match(value):
        raise InvalidInput(f"{what} must be 32 lowercase hex digits")
    return value

"""Hostile MessagePack and JSON, built as bytes (a Python value nested this deep could not
even be encoded): what a faulty or hostile client can seal under a key it holds.

``nested(n, opener)`` is ``n`` containers, each holding the next, closed by ``tail``;
``spliced(value, inner)`` is ``value``'s MessagePack with the placeholder ``HOLE`` replaced by
the raw bytes ``inner``; ``item_plaintext`` is a valid version-1 item plaintext with one field
(or an unknown one) replaced by raw bytes.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

# Bytes that open a container of one value (an array, or a map whose key is "k").
OPENERS: Final = (
    b"\x91",  # fixarray(1)
    b"\xdc\x00\x01",  # array16(1)
    b"\xdd\x00\x00\x00\x01",  # array32(1)
    b"\x81\xa1k",  # fixmap(1) "k":
    b"\xde\x00\x01\xa1k",  # map16(1) "k":
    b"\xdf\x00\x00\x00\x01\xa1k",  # map32(1) "k":
)
# What closes the innermost container: nil, an empty array, an empty map, nothing (truncated).
TAILS: Final = (b"\xc0", b"\x90", b"\x80", b"")
HOLE: Final = "\x00hole\x00"
_HOLE_BYTES: Final = msgspec.msgpack.encode(HOLE)


def nested(n: int, opener: bytes = b"\x91", tail: bytes = b"\xc0") -> bytes:
    return opener * n + tail


def nested_json(n: int, *, objects: bool = False) -> bytes:
    if objects:
        return b'{"k":' * n + b"null" + b"}" * n
    return b"[" * n + b"]" * n


def spliced(value: Any, inner: bytes) -> bytes:
    data = msgspec.msgpack.encode(value)
    assert data.count(_HOLE_BYTES) == 1
    return data.replace(_HOLE_BYTES, inner)


def item_fields(**changes: Any) -> dict[str, Any]:
    """The fields of a valid item plaintext (``vault.items._Wire``), with ``changes``."""
    fields: dict[str, Any] = {
        "section": "allergies", "type": "allergy", "title": "Pénicilline",
        "date": "2024-03-01", "body": {"reaction": "urticaire"},
        "author": {"kind": "professional", "id": "810000000001", "name": "Dr Hostile"},
        "created_at": 1_790_000_000}
    fields.update(changes)
    return fields


def item_plaintext(inner: bytes, where: str = "body") -> bytes:
    """A version-1 item plaintext whose field ``where`` is the raw MessagePack ``inner``:
    ``body`` (a value inside the body), ``unknown`` (a field no reader knows, which msgspec
    skips), ``title``, ``author`` or ``attachment``."""
    if where == "body":
        fields = item_fields(body={"note": HOLE})
    elif where == "unknown":
        fields = item_fields(extra=HOLE)
    else:
        fields = item_fields(**{where: HOLE})
    return b"\x01" + spliced(fields, inner)


def deep_item(depth: int = 1500, where: str = "body") -> bytes:
    """The issue's item: a body nested ``depth`` levels deep."""
    return item_plaintext(nested(depth), where)

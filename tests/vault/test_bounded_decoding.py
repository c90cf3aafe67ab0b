"""Bounded decoders (issue 9 item 4, P13): deeply nested (up to 100,000 levels) and oversized
MessagePack and JSON fed to every decoder of ``vault`` give ``FormatError`` (or, where the
format says so, ``DecryptionFailed``), never ``RecursionError``, ``MemoryError`` or any other
exception; and one such item in a dossier hides no other."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable
from typing import Any

import msgspec
import nacl.bindings as sodium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vault.conftest import PASSPHRASE
from tests.vault.hostile import (
    OPENERS,
    TAILS,
    deep_item,
    item_fields,
    item_plaintext,
    nested,
    nested_json,
    spliced,
)
from vault import Dossier, MemoryStore, archive, bounded, envelope, items, keyring
from vault.crypto import associated_data, system_random
from vault.dossier import ATTACHMENT_MAX_BYTES
from vault.errors import DecryptionFailed, FormatError
from vault.itembox import seal_item
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY
from vault.sections import Section

DEEP = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
depths = st.integers(min_value=1, max_value=100_000)
openers = st.sampled_from(OPENERS)
tails = st.sampled_from(TAILS)

# JSON-like values (what item bodies hold), for checking the walker against msgspec.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30)


def depth_of(value: Any) -> int:
    """Container levels, an empty container counting as one (as ``vault.bounded`` counts)."""
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


def refused_if_deep(n: int, limit: int, errors: type[Exception] | tuple[type[Exception], ...],
                    decode: Callable[[], object]) -> None:
    """Beyond ``limit`` levels ``decode`` raises ``errors``; within it, it may also succeed.
    Any other exception fails the test."""
    if n > limit:
        with pytest.raises(errors):
            decode()
        return
    with contextlib.suppress(*(errors if isinstance(errors, tuple) else (errors,))):
        decode()


# ------------------------------------------------------------------------- vault.bounded
@settings(max_examples=200, deadline=None)
@given(json_values)
def test_walker_measures_the_depth_msgspec_would_recurse(value: Any) -> None:
    data = msgspec.msgpack.encode(value)
    depth = depth_of(value)
    bounded._walk(data, depth, "data")  # the walk itself, fast path or not
    bounded.check_msgpack(data, max_depth=depth, max_size=len(data))
    if depth:
        with pytest.raises(FormatError, match="nested deeper"):
            bounded._walk(data, depth - 1, "data")
        with pytest.raises(FormatError, match="nested deeper"):
            bounded.check_msgpack(data, max_depth=depth - 1, max_size=len(data))
    decoder = bounded.MsgPack(Any, max_depth=depth, max_size=len(data), what="x")
    assert decoder.decode(data) == msgspec.msgpack.decode(data)


@settings(max_examples=200, deadline=None)
@given(json_values.filter(lambda v: not isinstance(v, bytes)))
def test_json_check_measures_the_depth(value: Any) -> None:
    try:
        data = msgspec.json.encode(value)
    except TypeError:  # bytes nested inside: not JSON
        return
    depth = depth_of(value)
    bounded.check_json(data, max_depth=depth, max_size=len(data))
    if depth:
        with pytest.raises(FormatError, match="nested deeper"):
            bounded.check_json(data, max_depth=depth - 1, max_size=len(data))


def test_brackets_inside_json_strings_do_not_count() -> None:
    data = msgspec.json.encode({"a": "[[[[{{{{\\\"[[[[", "b": ["]]]]"]})
    bounded.check_json(data, max_depth=2, max_size=len(data))
    assert bounded.Json(dict[str, Any], max_depth=2, max_size=100, what="x").decode(data)


@DEEP
@given(depths, openers, tails)
def test_deep_msgpack_is_a_format_error(n: int, opener: bytes, tail: bytes) -> None:
    data = nested(n, opener, tail)
    decoder = bounded.MsgPack(Any, max_depth=32, max_size=len(data), what="x")
    depth = n + (1 if tail in (b"\x90", b"\x80") else 0)  # an empty container is a level
    if depth > 32:
        with pytest.raises(FormatError):
            decoder.decode(data)
    else:
        try:
            decoder.decode(data)
        except FormatError:
            assert tail == b""  # only a truncated one fails within the bounds


@DEEP
@given(depths, st.booleans())
def test_deep_json_is_a_format_error(n: int, objects: bool) -> None:
    data = nested_json(n, objects=objects)
    decoder = bounded.Json(Any, max_depth=32, max_size=len(data), what="x")
    if n > 32:
        with pytest.raises(FormatError):
            decoder.decode(data)
    else:
        decoder.decode(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_a_format_error_or_a_value(data: bytes) -> None:
    for decoder in (bounded.MsgPack(Any, max_depth=4, max_size=200, what="x"),
                    bounded.Json(Any, max_depth=4, max_size=200, what="x")):
        with contextlib.suppress(FormatError):
            decoder.decode(data)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=2**20))
def test_oversized_input_is_refused_before_it_is_read(extra: int) -> None:
    data = b"\xc6" + (100 + extra).to_bytes(4, "big") + bytes(100 + extra)  # bin32
    with pytest.raises(FormatError, match="larger than 100 bytes"):
        bounded.MsgPack(bytes, max_depth=4, max_size=100, what="x").decode(data)
    with pytest.raises(FormatError, match="larger than 100 bytes"):
        bounded.Json(Any, max_depth=4, max_size=100, what="x").decode(
            b'"' + b"a" * (100 + extra) + b'"')


@pytest.mark.parametrize("data", [
    b"\xdd\xff\xff\xff\xff" + b"\x91" * 40,  # an array announcing 4 billion values
    b"\xdf\xff\xff\xff\xff" + b"\x81" * 40,
    b"\xc1",  # never used
    b"\x91" * 40,  # truncated
    b"\x90" * 40,  # trailing bytes
    b"\xdb\xff\xff\xff\xff" + b"\x91" * 40,  # a string longer than the bytes
])
def test_lengths_that_lie_are_a_format_error(data: bytes) -> None:
    with pytest.raises(FormatError):
        bounded._walk(data, 32, "data")
    with pytest.raises(FormatError):
        bounded.MsgPack(Any, max_depth=32, max_size=1000, what="x").decode(data)


# ------------------------------------------------------------------------- items
WHERE = st.sampled_from(["body", "unknown", "title", "author", "attachment", "date"])


@DEEP
@given(depths, openers, tails, WHERE)
def test_items_decode_deep_is_a_format_error(n: int, opener: bytes, tail: bytes,
                                             where: str) -> None:
    data = item_plaintext(nested(n, opener, tail), where)
    refused_if_deep(n, items.ITEM_MAX_DEPTH, FormatError,
                    lambda: items.decode(data, item_id="ab" * 16, revision=1))


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=2**20))
def test_items_decode_oversized_is_a_format_error(extra: int) -> None:
    size = items.ITEM_MAX_BYTES + extra
    data = item_plaintext(b"\xc6" + size.to_bytes(4, "big") + bytes(size), "unknown")
    with pytest.raises(FormatError, match="larger"):
        items.decode(data, item_id="ab" * 16, revision=1)


def _wrapped(levels: int) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(levels):
        body = {"a": body}
    return body


def test_items_decode_keeps_what_draft_accepts_and_refuses_the_rest() -> None:
    # The deepest body a client may write still reads back.
    deepest = _wrapped(items.BODY_MAX_DEPTH)
    d = items.draft("allergies", "allergy", "t", "2024-01-01", deepest)
    assert items.decode(items.encode(d, created_at=1), item_id="ab" * 16,
                        revision=1).body == deepest
    # One level more, non-text keys, bytes in the body, a bad date or type: unreadable, as
    # ``draft`` would refuse them (so what decodes can be imported again).
    for fields in (item_fields(body=_wrapped(items.BODY_MAX_DEPTH + 1)),
                   item_fields(body={"a": {1: "x"}}), item_fields(body={"a": b"x"}),
                   item_fields(date="hier"), item_fields(type="nope"),
                   item_fields(title=""), item_fields(section="nope")):
        with pytest.raises(FormatError):
            items.decode(b"\x01" + msgspec.msgpack.encode(fields), item_id="ab" * 16,
                         revision=1)


def test_the_issue_item_is_a_format_error_not_a_recursion_error() -> None:
    with pytest.raises(FormatError, match="nested deeper"):
        items.decode(deep_item(1500), item_id="ab" * 16, revision=1)


# ------------------------------------------------------------------------- keyring
@DEEP
@given(depths, openers, tails, st.sampled_from(["sections", "mask", "unknown", "sign_seed"]))
def test_keyring_decode_deep_is_a_format_error(n: int, opener: bytes, tail: bytes,
                                               where: str) -> None:
    fields: dict[str, Any] = {"sign_seed": bytes(32), "box_secret": bytes(32),
                              "mask": {"ref": "00" * 16, "key": bytes(32)}, "sections": {}}
    fields["extra" if where == "unknown" else where] = "\x00hole\x00"
    with pytest.raises(FormatError):  # never a keyring: it has no sections
        keyring.decode(b"\x01" + spliced(fields, nested(n, opener, tail)))


def test_keyring_decode_oversized_is_a_format_error() -> None:
    size = keyring.KEYRING_MAX_BYTES
    with pytest.raises(FormatError):
        keyring.decode(b"\x01\xc6" + size.to_bytes(4, "big") + bytes(size))


def test_keyring_open_deep_is_decryption_failed() -> None:
    master = system_random(32)
    blob = envelope.seal(master, b"\x01" + nested(5000),
                         associated_data("keyring", "ab" * 16, 1), system_random)
    with pytest.raises(DecryptionFailed):
        keyring.open_(blob, master, "ab" * 16, 1)


# ------------------------------------------------------------------------- archive
def _archive_head(header_json: bytes) -> bytes:
    return archive.MAGIC + bytes([archive.VERSION]) + struct.pack(">I", len(header_json)) \
        + header_json


@DEEP
@given(st.integers(min_value=1, max_value=20_000), st.booleans())
def test_archive_header_deep_is_a_format_error(n: int, objects: bool) -> None:
    header = (b'{"dossier_id":"' + b"ab" * 16 + b'","exported_at":1,"slots":[],'
              b'"archive_key":"","extra":' + nested_json(n, objects=objects) + b"}")
    if len(header) > archive.HEADER_MAX:
        header = header[:archive.HEADER_MAX]
    with pytest.raises(FormatError):
        archive.open_(_archive_head(header), passphrase="x")


def test_archive_header_oversized_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        archive.open_(_archive_head(b" " * (archive.HEADER_MAX + 1)), passphrase="x")


def _frames(key: bytes, dossier_id: str, frames: list[bytes]) -> bytes:
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    out = bytearray(sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key))
    for index, frame in enumerate(frames):
        tag = (sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
               if index == len(frames) - 1
               else sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
        ct = sodium.crypto_secretstream_xchacha20poly1305_push(
            state, frame, associated_data("archive-frame", dossier_id, index), tag)
        out += struct.pack(">I", len(ct)) + ct
    return bytes(out)


def _entry(plaintext: bytes) -> bytes:
    return msgspec.msgpack.encode({"item_id": "cd" * 16, "revision": 1, "masked": False,
                                   "plaintext": plaintext})


_END = msgspec.msgpack.encode({"count": 1, "masked_sections": []})


@DEEP
@given(depths, openers, tails, st.sampled_from(["entry", "end", "item"]))
def test_archive_frames_deep_are_a_vault_error(n: int, opener: bytes, tail: bytes,
                                               where: str) -> None:
    key, dossier_id = system_random(32), "ab" * 16
    inner = nested(n, opener, tail)
    if where == "entry":
        frames = [spliced({"item_id": "cd" * 16, "revision": 1, "masked": False,
                           "plaintext": b"", "extra": "\x00hole\x00"}, inner), _END]
    elif where == "end":
        frames = [spliced({"count": 0, "masked_sections": "\x00hole\x00"}, inner)]
    else:
        frames = [_entry(item_plaintext(inner)), _END]
    header = archive._Header(dossier_id=dossier_id, exported_at=1, slots=[], archive_key=b"")
    blob = _frames(key, dossier_id, frames)
    refused_if_deep(n, items.ITEM_MAX_DEPTH, (FormatError, DecryptionFailed),
                    lambda: archive._read_frames(blob, 0, key, header))


def test_frame_limit_holds_the_largest_entry() -> None:
    assert archive.FRAME_MAX_BYTES >= ATTACHMENT_MAX_BYTES + items.ITEM_MAX_BYTES + 1024


async def test_archive_with_a_hostile_entry_does_not_open(dossier: Dossier,
                                                          memory_store: MemoryStore) -> None:
    """A whole archive, opened with the passphrase: a deep item plaintext is a FormatError,
    a deep entry frame DecryptionFailed (as any frame that does not decode)."""
    slots = [await memory_store.slot(dossier.dossier_id, n)
             for n in (SLOT_PASSPHRASE, SLOT_RECOVERY)]
    good = await dossier.export_archive()
    header, offset = archive._header(good)
    key = envelope.open_(dossier._master, header.archive_key,
                         associated_data("archive-key", dossier.dossier_id, header.exported_at))
    assert slots and archive.open_(good, passphrase=PASSPHRASE).entries == []
    deep_entry = spliced({"item_id": "cd" * 16, "revision": 1, "masked": False,
                          "plaintext": b"", "extra": "\x00hole\x00"}, nested(1500))
    for frames, error in (([_entry(deep_item(1500)), _END], FormatError),
                          ([deep_entry, _END], DecryptionFailed)):
        forged = good[:offset] + _frames(key, dossier.dossier_id, frames)
        with pytest.raises(error):
            archive.open_(forged, passphrase=PASSPHRASE)


# ------------------------------------------------------------------------- the dossier
async def test_one_deep_item_hides_no_other(dossier: Dossier, memory_store: MemoryStore) -> None:
    """A professional's client holding the allergies key (a read+write grant) seals a body
    nested 1,500 levels deep: the list, the export and (un)masking the section go on."""
    first = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    second = await dossier.add("current_treatments", "medication", "Doliprane", "2024-03-02")
    bad_id = system_random(16).hex()
    section = Section.ALLERGIES
    await memory_store.put_item(seal_item(
        deep_item(1500), dossier_id=dossier.dossier_id, item_id=bad_id, revision=1,
        created_at=1, wrapping=dossier.ring.current(section), section=section,
        rng=system_random))
    listed = await dossier.list()
    assert {i.item_id for i in listed} == {first.item_id, second.item_id}
    assert dossier.unreadable == [bad_id]
    with pytest.raises(FormatError):
        await dossier.get(bad_id)
    contents = archive.open_(await dossier.export_archive(), passphrase=PASSPHRASE)
    assert {e.item.item_id for e in contents.entries} == {first.item_id, second.item_id}
    assert await dossier.mask_section("allergies") == 2
    await dossier.unmask_section("allergies")
    assert {i.item_id for i in await dossier.list()} == {first.item_id, second.item_id}
    assert dossier.unreadable == [bad_id]


def test_every_vault_decoder_is_bounded() -> None:
    """The decoders this file feeds are the module-level bounded ones (no raw msgspec
    decoder is left to recurse)."""
    for module in (items, keyring, archive):
        for name, value in vars(module).items():
            assert not isinstance(value, msgspec.msgpack.Decoder | msgspec.json.Decoder), name
    assert isinstance(items._decoder, bounded.MsgPack)
    assert isinstance(keyring._decoder, bounded.MsgPack)
    assert isinstance(archive._header_decoder, bounded.Json)


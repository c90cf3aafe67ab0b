"""Encrypted export archive of a whole dossier, openable offline with the patient's secret.

    archive = "CNTARCH" | 0x01 | u32 BE header length | header (JSON)
              | secretstream header (24) | frames
    frame   = u32 BE length | secretstream push(MessagePack entry,
                                                ad = AD("archive-frame", dossier, i))

The header carries the dossier id, the export time, both key slots (salt, parameters,
wrapped master key) and the archive key wrapped by the master key
(AD("archive-key", dossier, exported_at)). The last frame carries TAG_FINAL and the entry
count, so truncation is detected. Entries hold item plaintexts and attachment bytes.

Reading is bounded (``vault.bounded``): the header is at most ``HEADER_MAX`` bytes of JSON, a
frame at most ``FRAME_MAX_BYTES``, each nested at most ``ARCHIVE_MAX_DEPTH`` levels, and the
items inside follow ``items.decode``'s bounds; anything else is a ``FormatError`` (or, for a
frame, ``DecryptionFailed``), never a ``RecursionError``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

import msgspec
import nacl.bindings as sodium
import nacl.exceptions

from vault import envelope, items, keys
from vault.bounded import Json, MsgPack
from vault.crypto import KEY_BYTES, Random, associated_data
from vault.errors import DecryptionFailed, FormatError, InvalidInput
from vault.items import Item
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY, KeySlot
from vault.sections import Section

MAGIC: Final = b"CNTARCH"
VERSION: Final = 0x01
HEADER_MAX: Final = 64 * 1024
# A frame holds one item plaintext and its attachment (at most 25 MiB: dossier.py's
# ATTACHMENT_MAX_BYTES; tests keep this above it).
FRAME_MAX_BYTES: Final = 32 * 1024 * 1024
ARCHIVE_MAX_DEPTH: Final = 8  # the deepest structure written (header > slots > slot) is 3
_FINAL: Final = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_MESSAGE: Final = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Entry:
    item: Item
    attachment: bytes | None = None


@dataclass(frozen=True, slots=True)
class Contents:
    dossier_id: str
    exported_at: int
    entries: list[Entry]
    masked_sections: frozenset[Section] = frozenset()


class _Slot(msgspec.Struct, frozen=True):
    name: str
    salt: bytes
    opslimit: int
    memlimit: int
    wrapped: bytes


class _Header(msgspec.Struct, frozen=True):
    dossier_id: str
    exported_at: int
    slots: list[_Slot]
    archive_key: bytes


class _Entry(msgspec.Struct, frozen=True):
    item_id: str
    revision: int
    masked: bool
    plaintext: bytes
    attachment: bytes | None = None


class _End(msgspec.Struct, frozen=True):
    count: int
    masked_sections: list[str]


_header_decoder: Final = Json(_Header, max_depth=ARCHIVE_MAX_DEPTH, max_size=HEADER_MAX,
                              what="archive header")
_entry_decoder: Final = MsgPack(_Entry, max_depth=ARCHIVE_MAX_DEPTH, max_size=FRAME_MAX_BYTES,
                                what="archive entry")
_end_decoder: Final = MsgPack(_End, max_depth=ARCHIVE_MAX_DEPTH, max_size=HEADER_MAX,
                              what="archive end")


def _frame_ad(dossier_id: str, index: int) -> bytes:
    return associated_data("archive-frame", dossier_id, index)


def write(dossier_id: str, master: bytes, slots: Sequence[KeySlot], entries: Sequence[Entry], *,
          exported_at: int, rng: Random,
          masked_sections: frozenset[Section] = frozenset()) -> bytes:
    key = rng(KEY_BYTES)
    header = _Header(
        dossier_id=dossier_id, exported_at=exported_at,
        slots=[_Slot(s.name, s.salt, s.opslimit, s.memlimit, s.wrapped) for s in slots],
        archive_key=envelope.seal(master, key,
                                  associated_data("archive-key", dossier_id, exported_at), rng))
    head = msgspec.json.encode(header)
    out = bytearray(MAGIC + bytes([VERSION]) + struct.pack(">I", len(head)) + head)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    out += sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    frames: list[bytes] = []
    for e in entries:
        it = e.item
        draft = items.Draft(it.section, it.item_type, it.title, it.date, it.body, it.author)
        frames.append(msgspec.msgpack.encode(_Entry(
            item_id=it.item_id, revision=it.revision, masked=it.masked,
            plaintext=items.encode(draft, created_at=it.created_at, attachment=it.attachment),
            attachment=e.attachment)))
    frames.append(msgspec.msgpack.encode(_End(count=len(entries), masked_sections=sorted(
        s.value for s in masked_sections))))
    for index, frame in enumerate(frames):
        tag = _FINAL if index == len(frames) - 1 else _MESSAGE
        ct = sodium.crypto_secretstream_xchacha20poly1305_push(
            state, frame, _frame_ad(dossier_id, index), tag)
        out += struct.pack(">I", len(ct)) + ct
    return bytes(out)


def _header(blob: bytes) -> tuple[_Header, int]:
    if len(blob) < len(MAGIC) + 5 or blob[:len(MAGIC)] != MAGIC:
        raise FormatError("not a Carnet archive")
    if blob[len(MAGIC)] != VERSION:
        raise FormatError("unsupported archive version")
    (size,) = struct.unpack(">I", blob[len(MAGIC) + 1:len(MAGIC) + 5])
    start = len(MAGIC) + 5
    if size > HEADER_MAX or start + size > len(blob):
        raise FormatError("archive header is truncated")
    header = _header_decoder.decode(blob[start:start + size])
    try:
        items.check_id(header.dossier_id, "dossier id")
    except InvalidInput as exc:
        raise FormatError("archive header is malformed") from exc
    return header, start + size


def open_(blob: bytes, *, passphrase: str | None = None,
          recovery_code: str | None = None) -> Contents:
    """Open an archive with the passphrase or the recovery code it was exported under."""
    if not isinstance(blob, bytes):
        raise FormatError("not a Carnet archive")
    header, offset = _header(blob)
    name, secret = ((SLOT_PASSPHRASE, passphrase) if passphrase is not None
                    else (SLOT_RECOVERY, recovery_code))
    if secret is None:
        raise InvalidInput("give the passphrase or the recovery code")
    try:
        raw = next(s for s in header.slots if s.name == name)
    except StopIteration:
        raise FormatError("archive has no such key slot") from None
    slot = KeySlot(name=raw.name, salt=raw.salt, opslimit=raw.opslimit, memlimit=raw.memlimit,
                   wrapped=raw.wrapped, login_public=b"")
    master = keys.open_slot(slot, secret, header.dossier_id)
    try:
        key = envelope.open_(master, header.archive_key,
                             associated_data("archive-key", header.dossier_id,
                                             header.exported_at))
        return _read_frames(blob, offset, key, header)
    except (DecryptionFailed, FormatError):
        raise
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError,
            struct.error, msgspec.DecodeError, msgspec.ValidationError, InvalidInput) as exc:
        raise DecryptionFailed() from exc


def _frame(decoder: MsgPack[_T], frame: bytes) -> _T:
    """A decrypted frame that does not decode is reported as the archive not opening, as it
    was before the bounds."""
    try:
        return decoder.decode(frame)
    except FormatError as exc:
        raise DecryptionFailed() from exc


def _read_frames(blob: bytes, offset: int, key: bytes, header: _Header) -> Contents:
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    stream_header = blob[offset:offset + 24]
    if len(stream_header) != 24:
        raise FormatError("archive is truncated")
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, key)
    offset += 24
    entries: list[Entry] = []
    index = 0
    while True:
        if offset + 4 > len(blob):
            raise FormatError("archive is truncated")
        (size,) = struct.unpack(">I", blob[offset:offset + 4])
        ct = blob[offset + 4:offset + 4 + size]
        if len(ct) != size:
            raise FormatError("archive is truncated")
        offset += 4 + size
        frame, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
            state, ct, _frame_ad(header.dossier_id, index))
        index += 1
        if tag == _FINAL:
            end = _frame(_end_decoder, frame)
            if end.count != len(entries) or offset != len(blob):
                raise FormatError("archive is incomplete")
            return Contents(header.dossier_id, header.exported_at, entries,
                            frozenset(Section.parse(s) for s in end.masked_sections))
        e = _frame(_entry_decoder, frame)
        item = items.decode(e.plaintext, item_id=e.item_id, revision=e.revision,
                            masked=e.masked)
        entries.append(Entry(item=item, attachment=e.attachment))

"""Attachments (PDF, images) encrypted in 64 KiB chunks with secretstream.

    chunk i = 0x01 | secretstream_xchacha20poly1305 push(plaintext[i*64K:(i+1)*64K],
                                                      ad = AD("chunk", dossier, attachment, i),
                                                      tag = FINAL on the last chunk, else MESSAGE)

The stream key and 24-byte header live inside the item's plaintext (AttachmentRef), so an
attachment opens only through its item's key: masking the item masks the attachment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

import nacl.bindings as sodium
import nacl.exceptions

from vault.crypto import Random, associated_data
from vault.errors import DecryptionFailed
from vault.items import AttachmentRef

CHUNK_BYTES: Final = 64 * 1024
VERSION: Final = 0x01
_TAG_MESSAGE: Final = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL: Final = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


def _ad(dossier_id: str, attachment_id: str, index: int) -> bytes:
    return associated_data("chunk", dossier_id, attachment_id, index)


def _pieces(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    if not view:
        yield b""
        return
    for start in range(0, len(view), CHUNK_BYTES):
        yield bytes(view[start:start + CHUNK_BYTES])


def seal(data: bytes, *, dossier_id: str, attachment_id: str, name: str, media_type: str,
         rng: Random) -> tuple[AttachmentRef, list[bytes]]:
    """Encrypt ``data``; returns the reference to keep in the item and the chunk blobs."""
    key = rng(sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    pieces = list(_pieces(data))
    blobs = []
    for index, piece in enumerate(pieces):
        tag = _TAG_FINAL if index == len(pieces) - 1 else _TAG_MESSAGE
        blobs.append(bytes([VERSION]) + sodium.crypto_secretstream_xchacha20poly1305_push(
            state, piece, _ad(dossier_id, attachment_id, index), tag))
    ref = AttachmentRef(id=attachment_id, name=name, media_type=media_type, size=len(data),
                        chunks=len(blobs), key=key, header=header)
    return ref, blobs


def open_(ref: AttachmentRef, blobs: Sequence[bytes], *, dossier_id: str) -> bytes:
    """Decrypt and check every chunk; a missing, extra, reordered or altered chunk fails."""
    if len(blobs) != ref.chunks:
        raise DecryptionFailed()
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    try:
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, ref.header, ref.key)
        out = bytearray()
        for index, blob in enumerate(blobs):
            if not blob or blob[0] != VERSION:
                raise DecryptionFailed()
            piece, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                state, blob[1:], _ad(dossier_id, ref.id, index))
            if (tag == _TAG_FINAL) != (index == len(blobs) - 1):
                raise DecryptionFailed()
            out += piece
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError) as exc:
        raise DecryptionFailed() from exc
    if len(out) != ref.size:
        raise DecryptionFailed()
    return bytes(out)

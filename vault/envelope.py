"""Envelope: the one format for every secret-key wrap and item ciphertext.

    envelope = 0x01 | nonce (24) | XChaCha20-Poly1305(key, plaintext, ad) (ciphertext || tag)

The associated data is not stored: the reader rebuilds it from context (dossier, section,
item id, revision, purpose), so a blob moved anywhere else fails to open.

Both directions call libsodium through PyNaCl's own cffi handle (``nacl._sodium``, the one
``nacl.bindings`` wraps) so that an envelope costs one buffer and one copy: ``seal`` writes
version, nonce and ciphertext into a single buffer; ``open_`` decrypts straight from the
blob without slicing it. ``nacl.bindings``' wrapper formats its error messages on every call
and copies twice, which was most of a 1 KiB item's sealing cost (``docs/architecture.md``,
"Opening a dossier"). Same bytes as ``crypto.aead_encrypt`` (the vectors check it).
"""

from __future__ import annotations

from typing import Final

from nacl._sodium import ffi as _ffi  # type: ignore[import-not-found]
from nacl._sodium import lib as _lib

from vault.crypto import KEY_BYTES, NONCE_BYTES, TAG_BYTES, Random
from vault.errors import DecryptionFailed

VERSION: Final = 0x01
OVERHEAD: Final = 1 + NONCE_BYTES + TAG_BYTES
_BODY: Final = 1 + NONCE_BYTES  # where the ciphertext starts
# Every byte of these buffers is written (or the call fails and the buffer is dropped).
_alloc: Final = _ffi.new_allocator(should_clear_after_alloc=False)


def _bytes(data: bytes | bytearray | memoryview) -> bytes:
    return data if type(data) is bytes else bytes(data)


def seal(key: bytes, plaintext: bytes, ad: bytes, rng: Random) -> bytes:
    """Encrypt ``plaintext`` under ``key`` bound to ``ad``, with a fresh random nonce."""
    if len(key) != KEY_BYTES:
        raise ValueError("key must be 32 bytes")
    nonce = rng(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 24 bytes")
    if type(plaintext) is not bytes or type(ad) is not bytes or type(key) is not bytes:
        plaintext, ad, key = _bytes(plaintext), _bytes(ad), _bytes(key)
    size = len(plaintext)
    out = _alloc("unsigned char[]", _BODY + size + TAG_BYTES)
    out[0] = VERSION
    _ffi.memmove(out + 1, nonce, NONCE_BYTES)
    if _lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
            out + _BODY, _ffi.NULL, plaintext, size, ad, len(ad), _ffi.NULL, _bytes(nonce),
            key) != 0:
        raise ValueError("encryption failed")  # pragma: no cover (libsodium never fails here)
    sealed: bytes = _ffi.buffer(out)[:]
    return sealed


def open_(key: bytes, blob: bytes, ad: bytes) -> bytes:
    """Decrypt an envelope; any failure (version, length, key, ad, tamper) is DecryptionFailed."""
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < OVERHEAD:
        raise DecryptionFailed()
    try:
        if blob[0] != VERSION or len(key) != KEY_BYTES:
            raise DecryptionFailed()
        if type(ad) is not bytes or type(key) is not bytes:
            ad, key = _bytes(ad), _bytes(key)
        src = _ffi.from_buffer(blob)
        size = len(blob) - _BODY
        out = _alloc("unsigned char[]", size - TAG_BYTES)
        if _lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
                out, _ffi.NULL, _ffi.NULL, src + _BODY, size, ad, len(ad), src + 1,
                key) != 0:
            raise DecryptionFailed()
    except (TypeError, ValueError) as exc:  # a key or ad that is not bytes
        raise DecryptionFailed() from exc
    opened: bytes = _ffi.buffer(out)[:]
    return opened

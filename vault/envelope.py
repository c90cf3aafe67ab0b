"""Envelope: the one format for every secret-key wrap and item ciphertext.

    envelope = 0x01 | nonce (24) | XChaCha20-Poly1305(key, plaintext, ad) (ciphertext || tag)

The associated data is not stored: the reader rebuilds it from context (dossier, section,
item id, revision, purpose), so a blob moved anywhere else fails to open.
"""

from __future__ import annotations

from typing import Final

from vault.crypto import KEY_BYTES, NONCE_BYTES, TAG_BYTES, Random, aead_decrypt, aead_encrypt
from vault.errors import DecryptionFailed

VERSION: Final = 0x01
OVERHEAD: Final = 1 + NONCE_BYTES + TAG_BYTES


def seal(key: bytes, plaintext: bytes, ad: bytes, rng: Random) -> bytes:
    """Encrypt ``plaintext`` under ``key`` bound to ``ad``, with a fresh random nonce."""
    if len(key) != KEY_BYTES:
        raise ValueError("key must be 32 bytes")
    nonce = rng(NONCE_BYTES)
    return bytes([VERSION]) + nonce + aead_encrypt(key, plaintext, ad, nonce)


def open_(key: bytes, blob: bytes, ad: bytes) -> bytes:
    """Decrypt an envelope; any failure (version, length, key, ad, tamper) is DecryptionFailed."""
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < OVERHEAD:
        raise DecryptionFailed()
    view = memoryview(blob)
    if view[0] != VERSION or len(key) != KEY_BYTES:
        raise DecryptionFailed()
    return aead_decrypt(key, bytes(view[1 + NONCE_BYTES:]), ad, bytes(view[1:1 + NONCE_BYTES]))

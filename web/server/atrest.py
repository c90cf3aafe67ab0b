"""The server at-rest layer (P8): what makes a dossier openable, sealed under the dossier's
key from the key store (``web.server.keystore``) before it reaches the database.

    sealed = 0x01 | nonce (24) | XChaCha20-Poly1305(store key, value, ad)
    ad     = associated_data("rest", dossier id, purpose, row id, 0x01)

``purpose`` names the field (one of :data:`PURPOSES`), ``row id`` the row within the dossier
(a slot name, grant id, card id, audit sequence number, deposit id; empty for the one
break-glass package), so a sealed value copied to another field, row or dossier does not
open. Written down in ``docs/formats.md`` ("Server at-rest layer"). Pure: no I/O, the key
and randomness are passed in.
"""

from __future__ import annotations

from typing import Final

from vault.crypto import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    Random,
    aead_decrypt,
    aead_encrypt,
    associated_data,
)
from vault.errors import DecryptionFailed

__all__ = ["OVERHEAD", "PURPOSES", "VERSION", "open_", "seal"]

VERSION: Final = 0x01
OVERHEAD: Final = 1 + NONCE_BYTES + TAG_BYTES
PURPOSES: Final = frozenset({
    "slot.wrapped",   # a key slot's wrap of the master key
    "slot.login",     # a key slot's login public key (no login without the store key)
    "grant",          # a patient-signed grant (the section keys sealed to the recipient)
    "card.share",     # an emergency card's server share
    "card.package",   # an emergency card's package
    "break_glass",    # the break-glass package sealed to the emergency service
    "audit",          # one event of the history
    "deposit",        # a professional's deposit sealed to the patient
})


def _ad(dossier_id: str, purpose: str, row_id: str | int) -> bytes:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown at-rest purpose {purpose!r}")
    return associated_data("rest", dossier_id, purpose, row_id, bytes([VERSION]))


def seal(key: bytes, dossier_id: str, purpose: str, row_id: str | int, value: bytes,
         rng: Random) -> bytes:
    """``value`` sealed under the dossier's store ``key`` for ``purpose`` and ``row_id``."""
    if len(key) != KEY_BYTES:
        raise ValueError("a store key is 32 bytes")
    nonce = rng(NONCE_BYTES)
    return bytes([VERSION]) + nonce + aead_encrypt(key, bytes(value),
                                                   _ad(dossier_id, purpose, row_id), nonce)


def open_(key: bytes, dossier_id: str, purpose: str, row_id: str | int, sealed: bytes) -> bytes:
    """The value :func:`seal` sealed; :class:`vault.errors.DecryptionFailed` for anything
    else (another key, dossier, purpose or row, an unknown version, a truncated value)."""
    ad = _ad(dossier_id, purpose, row_id)
    blob = bytes(sealed)
    if len(blob) < OVERHEAD or blob[0] != VERSION or len(key) != KEY_BYTES:
        raise DecryptionFailed()
    return aead_decrypt(key, blob[1 + NONCE_BYTES:], ad, blob[1:1 + NONCE_BYTES])

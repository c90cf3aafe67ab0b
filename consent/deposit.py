"""Deposits: a professional leaves an item for a patient without reading anything (DMP-style).

Pure: no clock, no I/O; randomness from the caller. The item's plaintext
(``vault.items.encode``) is sealed to the patient's X25519 key with ``vault.crypto.seal_to``
(a libsodium sealed box whose ephemeral key comes from ``rng``; deposits sealed earlier with
``crypto_box_seal`` open the same way), and the depositor signs where it goes:

    sealed    = seal_to(patient_box_public, item plaintext)
    signed    = "CARNET-DEPOSIT" | 0x01 | dossier_id (16) | deposit_id (16) | SHA-256(sealed)
                (Ed25519, the depositor's own key, checked against their directory entry)

The signature binds the blob to one dossier and one deposit id, so the server can neither
alter the blob, move it to another dossier, nor pass off someone else's as the depositor's.
"""

from __future__ import annotations

import hashlib
from typing import Final

import nacl.signing

from consent.errors import InvalidDeposit
from vault.crypto import Random, open_sealed, seal_to, verify_signature
from vault.errors import DecryptionFailed, InvalidInput

CONTEXT: Final = b"CARNET-DEPOSIT"
VERSION: Final = 0x01
ID_BYTES: Final = 16


def _id(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (ValueError, TypeError):
        raise InvalidDeposit("ids are 32 lowercase hex digits") from None
    if len(raw) != ID_BYTES or raw.hex() != value:
        raise InvalidDeposit("ids are 32 lowercase hex digits")
    return raw


def message(dossier_id: str, deposit_id: str, sealed: bytes) -> bytes:
    """What the depositor signs (see the module docstring)."""
    return (CONTEXT + bytes([VERSION]) + _id(dossier_id) + _id(deposit_id)
            + hashlib.sha256(sealed).digest())


def sign(dossier_id: str, deposit_id: str, sealed: bytes,
         key: nacl.signing.SigningKey) -> bytes:
    return key.sign(message(dossier_id, deposit_id, sealed)).signature


def verify(dossier_id: str, deposit_id: str, sealed: bytes, signature: bytes,
           sign_public: bytes) -> None:
    """``InvalidDeposit`` unless ``signature`` is the depositor's over this exact deposit."""
    if not verify_signature(sign_public, message(dossier_id, deposit_id, sealed), signature):
        raise InvalidDeposit()


def seal(plaintext: bytes, patient_box_public: bytes, rng: Random) -> bytes:
    """Seal ``plaintext`` to the patient (only their keyring's box key opens it); ``rng``
    draws the sealed box's ephemeral key."""
    try:
        return seal_to(patient_box_public, plaintext, rng)
    except InvalidInput as exc:
        raise InvalidDeposit("the patient's box key is not usable") from exc


def open_(sealed: bytes, box_secret: bytes) -> bytes:
    """The plaintext, with the patient's X25519 secret key; ``InvalidDeposit`` if it does
    not open."""
    try:
        return open_sealed(box_secret, sealed)
    except DecryptionFailed as exc:
        raise InvalidDeposit() from exc

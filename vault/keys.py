"""Key slots: the passphrase and the recovery code each wrap the dossier master key.

    root      = Argon2id(secret, salt, opslimit, memlimit)           (secret: NFKC passphrase
                                                                      or recovery-code bytes)
    wrap key  = BLAKE2b(key=root, person="carnet.wrap")
    login key = Ed25519 seed BLAKE2b(key=root, person="carnet.login")
    wrapped   = envelope(wrap key, master key, AD("master", dossier id, slot name))

Changing the passphrase or recovering rewraps only this top layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import nacl.signing

from vault import envelope
from vault.crypto import (
    KEY_BYTES,
    KdfParams,
    Random,
    associated_data,
    derive,
    normalize_passphrase,
    stretch,
)
from vault.errors import DecryptionFailed, InvalidInput, UnlockFailed
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY, KeySlot
from vault.recovery import parse as parse_recovery_code


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class SlotSecrets:
    """What a secret yields once stretched: the wrapping key and the login key."""

    wrap_key: bytes
    login_key: nacl.signing.SigningKey


def secret_bytes(slot_name: str, secret: str) -> bytes:
    """The bytes fed to Argon2 for a slot: NFKC passphrase, or the recovery code's secret."""
    if slot_name == SLOT_RECOVERY:
        return parse_recovery_code(secret)
    return normalize_passphrase(secret)


def stretch_secret(slot_name: str, secret: str, params: KdfParams) -> SlotSecrets:
    """Run Argon2id once and derive both keys (params are checked against the floor)."""
    root = stretch(secret_bytes(slot_name, secret), params)
    return SlotSecrets(wrap_key=derive(root, "carnet.wrap"),
                       login_key=nacl.signing.SigningKey(derive(root, "carnet.login")))


def _ad(dossier_id: str, slot_name: str) -> bytes:
    return associated_data("master", dossier_id, slot_name)


def make_slot(slot_name: str, secret: str, master: bytes, dossier_id: str, params: KdfParams,
              rng: Random) -> KeySlot:
    """Wrap ``master`` under ``secret`` for ``slot_name``."""
    if slot_name not in (SLOT_PASSPHRASE, SLOT_RECOVERY):
        raise ValueError("unknown slot")
    secrets = stretch_secret(slot_name, secret, params)
    return KeySlot(name=slot_name, salt=params.salt, opslimit=params.opslimit,
                   memlimit=params.memlimit,
                   wrapped=envelope.seal(secrets.wrap_key, master, _ad(dossier_id, slot_name), rng),
                   login_public=secrets.login_key.verify_key.encode())


def slot_params(slot: KeySlot) -> KdfParams:
    return KdfParams(salt=slot.salt, opslimit=slot.opslimit, memlimit=slot.memlimit)


def open_slot_with(secrets: SlotSecrets, slot: KeySlot, dossier_id: str) -> bytes:
    """Unwrap the master key with already-stretched secrets; UnlockFailed if it does not open."""
    try:
        master = envelope.open_(secrets.wrap_key, slot.wrapped, _ad(dossier_id, slot.name))
    except DecryptionFailed:
        raise UnlockFailed() from None
    if len(master) != KEY_BYTES:
        raise UnlockFailed()
    return master


def open_slot(slot: KeySlot, secret: str, dossier_id: str) -> bytes:
    """Unwrap the master key; one UnlockFailed whatever was wrong (secret, slot, dossier)."""
    try:
        secrets = stretch_secret(slot.name, secret, slot_params(slot))
    except InvalidInput as exc:
        # A mistyped recovery code is worth saying (its checksum caught it); an unusable
        # passphrase is just a wrong one. Weak parameters from a server propagate as such.
        if slot.name == SLOT_RECOVERY:
            raise
        raise UnlockFailed() from exc
    return open_slot_with(secrets, slot, dossier_id)

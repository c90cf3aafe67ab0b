"""What the server stores: ids, timestamps, sizes and opaque bytes only.

These frozen records cross the storage port (and, later, the HTTP API). Nothing in them is
plaintext medical content: every ``bytes`` field is ciphertext, a wrap, a public key or a
signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SLOT_PASSPHRASE: Final = "passphrase"  # noqa: S105 (a slot name, not a secret)
SLOT_RECOVERY: Final = "recovery"


@dataclass(frozen=True, slots=True)
class DossierRecord:
    """A dossier's public face: its id, creation time and the patient's public keys."""

    dossier_id: str
    created_at: int
    sign_public: bytes
    box_public: bytes


@dataclass(frozen=True, slots=True)
class KeySlot:
    """One wrap of the master key: by the passphrase or by the recovery code.

    ``salt``/``opslimit``/``memlimit`` are all a client may learn before login;
    ``login_public`` is the Ed25519 key that proves knowledge of the secret (issue: service).
    """

    name: str
    salt: bytes
    opslimit: int
    memlimit: int
    wrapped: bytes
    login_public: bytes


@dataclass(frozen=True, slots=True)
class KeyringRecord:
    """The patient's keyring (sections, mask and identity keys) sealed under the master key."""

    version: int
    blob: bytes


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One revision of one item: its item key wrapped under ``key_ref``, and its ciphertext."""

    dossier_id: str
    item_id: str
    revision: int
    key_ref: str
    wrapped_key: bytes
    ciphertext: bytes
    created_at: int

    @property
    def size(self) -> int:
        return len(self.wrapped_key) + len(self.ciphertext)


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    """One encrypted 64 KiB chunk of an attachment belonging to an item."""

    dossier_id: str
    item_id: str
    attachment_id: str
    index: int
    blob: bytes


@dataclass(frozen=True, slots=True)
class Rewrap:
    """A new wrap for one item revision's key (masking, unmasking, rotation); with
    ``ciphertext``, the revision re-encrypted under a new item key too (masking)."""

    item_id: str
    revision: int
    key_ref: str
    wrapped_key: bytes
    ciphertext: bytes | None = None


@dataclass(frozen=True, slots=True)
class TombstoneRecord:
    """What remains of a closed dossier: the signed tombstone bytes."""

    dossier_id: str
    closed_at: int
    blob: bytes

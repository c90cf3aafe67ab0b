"""The signed tombstone a closed dossier leaves behind.

    tombstone = 0x01 | dossier id (16) | closed_at (u64 BE, unix s) | Ed25519 public key (32)
                | signature (64) over "CARNET-TOMBSTONE" | 0x01 | dossier id | closed_at
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import nacl.signing

from vault.crypto import verify_signature
from vault.errors import FormatError

VERSION: Final = 0x01
SIZE: Final = 1 + 16 + 8 + 32 + 64
_CONTEXT: Final = b"CARNET-TOMBSTONE"


@dataclass(frozen=True, slots=True)
class Tombstone:
    dossier_id: str
    closed_at: int
    sign_public: bytes
    signature: bytes

    def verify(self) -> bool:
        return verify_signature(self.sign_public, _message(self.dossier_id, self.closed_at),
                                self.signature)


def _message(dossier_id: str, closed_at: int) -> bytes:
    return _CONTEXT + bytes([VERSION]) + bytes.fromhex(dossier_id) + closed_at.to_bytes(8, "big")


def sign(dossier_id: str, closed_at: int, key: nacl.signing.SigningKey) -> Tombstone:
    sig = key.sign(_message(dossier_id, closed_at)).signature
    return Tombstone(dossier_id, closed_at, key.verify_key.encode(), sig)


def encode(t: Tombstone) -> bytes:
    return (bytes([VERSION]) + bytes.fromhex(t.dossier_id) + t.closed_at.to_bytes(8, "big")
            + t.sign_public + t.signature)


def decode(data: bytes) -> Tombstone:
    if len(data) != SIZE or data[0] != VERSION:
        raise FormatError("not a version-1 tombstone")
    return Tombstone(dossier_id=data[1:17].hex(), closed_at=int.from_bytes(data[17:25], "big"),
                     sign_public=data[25:57], signature=data[57:121])

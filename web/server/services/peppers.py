"""Server-side keyed hashes, one purpose key each, all derived from the settings' secret.

Logins (NIRs), activation codes and rate-limit keys are stored or used only as keyed BLAKE2b
hashes, so a database dump alone does not give them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import nacl.encoding
import nacl.hash


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return nacl.hash.blake2b(b"", key=nacl.hash.blake2b(secret, digest_size=32,
                                                         encoder=nacl.encoding.RawEncoder),
                             person=purpose.ljust(16, b"\x00"), digest_size=32,
                             encoder=nacl.encoding.RawEncoder)


def keyed_hex(key: bytes, value: str) -> str:
    return nacl.hash.blake2b(value.encode("utf-8"), key=key, digest_size=32,
                             encoder=nacl.encoding.HexEncoder).decode("ascii")


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class Peppers:
    login: bytes
    code: bytes
    limit: bytes
    salt: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Peppers:
        raw = secret.encode("utf-8")
        if len(raw) < 16:
            raise ValueError("the server secret key must be at least 16 characters")
        return cls(login=_derive(raw, b"carnet.login"), code=_derive(raw, b"carnet.code"),
                   limit=_derive(raw, b"carnet.limit"), salt=_derive(raw, b"carnet.salt"))

    def login_hash(self, kind: str, login: str) -> str:
        return keyed_hex(self.login, f"{kind}:{login}")

    def fake_salt(self, login_hash: str, slot: str) -> bytes:
        """A stable salt for an unknown login, so params answers do not reveal existence."""
        return bytes.fromhex(keyed_hex(self.salt, f"{login_hash}:{slot}"))[:16]

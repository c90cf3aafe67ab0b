"""The server key store (P8): one random key per dossier, kept OUTSIDE the database.

Everything that makes a dossier openable on the server (its key slots, grant blobs, card
shares and packages, break-glass package, history events, deposits) is sealed at rest under
its dossier's key (``web.server.atrest``). Closure destroys that key here, after the
database delete commits, so a copy of the database taken before closure and restored after
it no longer opens: the key it needs exists in no database backup (``docs/operations.md``
says how the key store itself is backed up).

:class:`DossierKeys` is the port; :class:`MemoryKeys` (tests, and a server built from bare
``Settings``) and :class:`web.server.keyfiles.FileKeys` (one file per dossier) implement it.
A KMS would be a third implementation of the same three methods.
"""

from __future__ import annotations

import re
from typing import Final, Protocol

from vault.crypto import KEY_BYTES, Random
from vault.errors import InvalidInput

__all__ = ["KEY_BYTES", "DossierKeys", "MemoryKeys", "check_dossier_id"]

# Dossier ids are 32 hex digits; anything that could not be a plain file name is refused.
_DOSSIER_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_dossier_id(dossier_id: str) -> str:
    """``dossier_id`` if it may name a key (letters, digits, ``_``, ``-``; 1 to 64 of them),
    else :class:`vault.errors.InvalidInput`."""
    if not isinstance(dossier_id, str) or not _DOSSIER_ID.fullmatch(dossier_id):
        raise InvalidInput("a dossier id is 1 to 64 letters, digits, '_' or '-'")
    return dossier_id


class DossierKeys(Protocol):
    """Where each dossier's at-rest key lives. Implementations must be safe for concurrent
    calls from one process; a failure to read or write raises
    :class:`vault.errors.StorageUnavailable` (never "no key", which means closed)."""

    async def create(self, dossier_id: str) -> bytes:
        """The dossier's key, made (``KEY_BYTES`` random bytes from the store's ``rng``) if it
        had none; durable before this returns. Never replaces an existing key: two concurrent
        calls return the same key."""

    async def key(self, dossier_id: str) -> bytes | None:
        """The dossier's key, or None when it has none (never created, or destroyed)."""

    async def destroy(self, dossier_id: str) -> None:
        """Destroy the dossier's key for good (idempotent: no key is not an error)."""


class MemoryKeys:
    """A :class:`DossierKeys` in a dict: for unit tests, and for a server built from bare
    ``Settings`` (its keys die with the process, and with them every dossier it created).

    ``keys`` is the dict to keep them in: two instances given the same one share their keys,
    as two servers sharing a key directory would (``web.server.keyfiles.key_store`` gives
    every bare-``Settings`` server of a process the same one, as they may share a database).
    """

    def __init__(self, rng: Random, keys: dict[str, bytes] | None = None) -> None:
        self._rng = rng
        self._keys: dict[str, bytes] = {} if keys is None else keys

    async def create(self, dossier_id: str) -> bytes:
        check_dossier_id(dossier_id)
        found = self._keys.get(dossier_id)
        if found is None:
            found = self._keys.setdefault(dossier_id, _checked(self._rng(KEY_BYTES)))
        return found

    async def key(self, dossier_id: str) -> bytes | None:
        check_dossier_id(dossier_id)
        return self._keys.get(dossier_id)

    async def destroy(self, dossier_id: str) -> None:
        check_dossier_id(dossier_id)
        self._keys.pop(dossier_id, None)

    def __len__(self) -> int:
        return len(self._keys)


def _checked(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"the key store's rng must return {KEY_BYTES} bytes")
    return key

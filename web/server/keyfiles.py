"""The file implementation of the server key store: one file per dossier in a key directory
(``CARNET_KEY_DIR``, default ``<data dir>/keys``) that is NOT inside the database and not in
its backups (``docs/operations.md``).

Layout and durability::

    <key dir>/                  mode 0700
      <dossier id>.key          mode 0600, exactly 32 raw bytes

- ``create`` writes a temporary file (``O_EXCL``, 0600), fsyncs it, then ``link``s it to its
  final name, which fails if the name exists: a key is never replaced, even by two
  concurrent creates; then fsyncs the directory. A crash leaves either no key or a whole one
  (plus, at worst, a ``.tmp`` file that holds no dossier's key).
- ``destroy`` overwrites the file with zeros, fsyncs it, unlinks it and fsyncs the directory.
  Overwriting is best effort on copy-on-write or flash storage (the old blocks may survive
  until reused): ``docs/operations.md`` says to put the key directory on an encrypted volume.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Final

from vault.crypto import KEY_BYTES, Random
from vault.errors import StorageUnavailable
from web.server.keystore import DossierKeys, MemoryKeys, check_dossier_id

__all__ = ["DIR_MODE", "FILE_MODE", "FileKeys", "key_store"]

DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600
SUFFIX: Final = ".key"


class FileKeys:
    """A :class:`web.server.keystore.DossierKeys` on a directory (created on first use).

    OS errors (permissions, full disk, a key file of the wrong size) raise
    :class:`vault.errors.StorageUnavailable`: an unreadable key store is an outage, never
    mistaken for "this dossier has no key"."""

    def __init__(self, directory: Path, rng: Random) -> None:
        self._dir = Path(directory)
        self._rng = rng

    @property
    def directory(self) -> Path:
        return self._dir

    def path(self, dossier_id: str) -> Path:
        """The key file of ``dossier_id`` (which need not exist)."""
        return self._dir / f"{check_dossier_id(dossier_id)}{SUFFIX}"

    def dossier_ids(self) -> list[str]:
        """The dossiers that have a key file, sorted (for the operator's sweep)."""
        if not self._dir.is_dir():
            return []
        return sorted(p.name[:-len(SUFFIX)] for p in self._dir.iterdir()
                      if p.name.endswith(SUFFIX) and not p.name.startswith("."))

    async def create(self, dossier_id: str) -> bytes:
        path = self.path(dossier_id)
        found = self._read(path)
        if found is not None:
            return found
        return await asyncio.to_thread(self._create, path)

    async def key(self, dossier_id: str) -> bytes | None:
        return self._read(self.path(dossier_id))

    async def destroy(self, dossier_id: str) -> None:
        await asyncio.to_thread(self._destroy, self.path(dossier_id))

    # -- file work (blocking) ---------------------------------------------------------------

    def _read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageUnavailable("the key store cannot be read") from exc
        if len(data) != KEY_BYTES:
            raise StorageUnavailable("a key file of the key store is damaged")
        return data

    def _create(self, path: Path) -> bytes:
        key = self._rng(KEY_BYTES)
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            raise ValueError(f"the key store's rng must return {KEY_BYTES} bytes")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{self._rng(8).hex()}.tmp")
        try:
            self._dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # atomic, and never over an existing key
            except FileExistsError:
                key = b""
            finally:
                tmp.unlink()
            _fsync_dir(self._dir)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StorageUnavailable("the key store cannot be written") from exc
        if not key:  # another create won: its key is the dossier's
            found = self._read(path)
            if found is None:  # pragma: no cover - destroyed in between
                raise StorageUnavailable("the key store changed meanwhile")
            return found
        return key

    def _destroy(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageUnavailable("the key store cannot be written") from exc
        try:
            try:
                size = max(os.fstat(fd).st_size, KEY_BYTES)
                os.pwrite(fd, b"\x00" * size, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
            path.unlink(missing_ok=True)
            _fsync_dir(self._dir)
        except OSError as exc:
            raise StorageUnavailable("the key store cannot be written") from exc


# The keys of every server of this process built without a key directory (bare Settings).
_PROCESS_KEYS: Final[dict[str, bytes]] = {}


def key_store(directory: Path | None, rng: Random) -> DossierKeys:
    """The server's key store: files in ``directory``; or, for None (a server built from bare
    ``Settings``: tests), keys in memory shared by every such server of this process (as they
    may share one database) and gone with the process."""
    if directory is None:
        return MemoryKeys(rng, _PROCESS_KEYS)
    return FileKeys(directory, rng)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

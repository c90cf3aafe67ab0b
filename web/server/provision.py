"""Create the server's key files: the explicit ``init`` step (``python -m web.server init``).

``Settings.from_env`` only reads these files; this module is the one place that writes them,
and the running server never imports it. Formats (one line of text each, no newline):
``secret.key`` and ``operator.token`` are 32 random bytes as URL-safe base64
(``secrets.token_urlsafe``); ``audit.key`` (Ed25519 seed that signs audit heads) is 32 random
bytes as 64 hex digits.

The data dir never receives a directory authority or emergency service private key: those
belong to the operator's home (``carnet operator init-authority``) and to the emergency service
(``carnet emergency init-service``). For development only, :func:`provision_dev_keys` makes a
stand-in of both in a separate folder (``dev-keys``): ``authority.key`` / ``emergency.key``
(64 hex, mode 0600, for the CLI's ``--authority-key-file`` / ``--service-key-file``) and
``authority.pub`` / ``emergency.pub`` (64 hex, the only files of it the server reads).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

import nacl.public
import nacl.signing

from web.server.settings import KEY_FILES

FILE_MODE: Final = 0o600
PUBLIC_MODE: Final = 0o644
DIR_MODE: Final = 0o700


def _token() -> str:
    return secrets.token_urlsafe(32)


def _seed() -> str:
    return secrets.token_hex(32)


_FORMATS: Final[dict[str, Callable[[], str]]] = {
    "secret.key": _token,
    "operator.token": _token,
    "audit.key": _seed,
}


def _signing_public(seed: bytes) -> bytes:
    return nacl.signing.SigningKey(seed).verify_key.encode()


def _box_public(secret: bytes) -> bytes:
    return nacl.public.PrivateKey(secret).public_key.encode()


# Each development private key file (FOREIGN_SECRETS: the names the server refuses in its
# data dir), its public file (PUBLIC_KEYS: what the server reads in development) and how the
# public key is derived.
_DEV_KEYS: Final[tuple[tuple[str, str, Callable[[bytes], bytes]], ...]] = (
    ("authority.key", "authority.pub", _signing_public),
    ("emergency.key", "emergency.pub", _box_public),
)


def _create(path: Path, text: str, mode: int) -> bool:
    """Write ``text`` to a new file ``path`` with ``mode``; False if it exists already (also
    when another process created it meanwhile)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return True


def provision(data_dir: Path, names: Iterable[str] = tuple(KEY_FILES)) -> list[Path]:
    """Create ``data_dir`` and each key file of ``names`` missing from it (mode 0600).

    Returns the paths created, in order. Idempotent: an existing file is never rewritten, so
    a second run creates nothing; two concurrent runs create each file once.
    """
    created: list[Path] = []
    for name in names:
        make = _FORMATS[name]  # KeyError: not a key file of the server
        path = data_dir / name
        if path.exists():
            continue
        data_dir.mkdir(parents=True, exist_ok=True)
        if _create(path, make(), FILE_MODE):
            created.append(path)
    return created


def provision_dev_keys(dev_dir: Path, legacy_data_dir: Path | None = None) -> list[Path]:
    """DEVELOPMENT ONLY: a stand-in directory authority and emergency service key in
    ``dev_dir`` (mode 0700), each with its ``.pub`` file. Returns the paths created.

    A private key that an older ``init`` left in ``legacy_data_dir`` is moved here rather
    than made anew, so a development database's countersignatures and the keys clients pinned
    stay valid. Idempotent like :func:`provision`.
    """
    created: list[Path] = []
    for key_name, public_name, public_of in _DEV_KEYS:
        key_path = dev_dir / key_name
        if not dev_dir.is_dir():
            dev_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        old = legacy_data_dir / key_name if legacy_data_dir is not None else None
        if not key_path.exists() and old is not None and old.is_file():
            _move(old, key_path)
            created.append(key_path)
        elif _create(key_path, _seed(), FILE_MODE):
            created.append(key_path)
        public_path = dev_dir / public_name
        if not public_path.exists():
            seed = bytes.fromhex(key_path.read_text().strip())
            if _create(public_path, public_of(seed).hex(), PUBLIC_MODE):
                created.append(public_path)
    return created


def _move(source: Path, target: Path) -> None:
    """Move a key file as a new 0600 file (also across devices), then remove the source;
    a different key already at ``target`` leaves the source in place (the server then
    refuses to start until someone decides)."""
    text = source.read_text().strip()
    if _create(target, text, FILE_MODE) or target.read_text().strip() == text:
        source.unlink()

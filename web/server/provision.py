"""Create the server's key files: the explicit ``init`` step (``python -m web.server init``).

``Settings.from_env`` only reads these files; this module is the one place that writes them.
Formats (one line of text each, no newline): ``secret.key`` and ``operator.token`` are 32
random bytes as URL-safe base64 (``secrets.token_urlsafe``); ``audit.key`` (Ed25519 seed that
signs audit heads), ``authority.key`` (Ed25519 seed of the directory authority) and
``emergency.key`` (X25519 secret of the emergency service) are 32 random bytes as 64 hex
digits. A real deployment keeps the authority and emergency secrets off the server and sets
``CARNET_AUTHORITY_PUBLIC`` / ``CARNET_EMERGENCY_PUBLIC`` instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from web.server.settings import KEY_FILES

FILE_MODE: Final = 0o600


def _token() -> str:
    return secrets.token_urlsafe(32)


def _seed() -> str:
    return secrets.token_hex(32)


_FORMATS: Final[dict[str, Callable[[], str]]] = {
    "secret.key": _token,
    "operator.token": _token,
    "audit.key": _seed,
    "authority.key": _seed,
    "emergency.key": _seed,
}


def provision(data_dir: Path, names: Iterable[str] = tuple(KEY_FILES)) -> list[Path]:
    """Create ``data_dir`` and each key file of ``names`` missing from it (mode 0600).

    Returns the paths created, in order. Idempotent: an existing file is never rewritten, so
    a second run creates nothing; two concurrent runs create each file once.
    """
    created: list[Path] = []
    for name in names:
        make = _FORMATS[name]  # KeyError: not a key file
        path = data_dir / name
        if path.exists():
            continue
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:  # another process created it meanwhile
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
        created.append(path)
    return created

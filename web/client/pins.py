"""What a home remembers about the server it trusts (trust on first use, then checked):
the directory authority's public key, the server's audit key with the last history head
this home verified, and the keyring version each dossier had when this home last used it (a
server that answers an older one rolled it back: ``vault._keeping``). None of it is secret;
each only lets a later check notice a swap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from consent import audit
from web.client import home as local_home
from web.client.api import Api
from web.client.directory import authority_key

__all__ = ["AUDIT_FILE", "AUTHORITY_FILE", "FLOORS_FILE", "DamagedPin", "keyring_floor",
           "load_audit", "pinned_authority", "save_audit", "save_keyring_floor"]

AUTHORITY_FILE: Final = "directory-authority.txt"
AUDIT_FILE: Final = "patient.audit.json"
FLOORS_FILE: Final = "patient.keyrings.json"  # dossier id -> the keyring version last seen


class DamagedPin(ValueError):
    """A pin file that does not parse: remove it to trust the server's key again."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is damaged; remove it to trust the server's key again")
        self.path = path


async def pinned_authority(home: Path, api: Api) -> tuple[bytes, Path | None]:
    """The directory authority key this home pinned, else the server's, pinned now; the
    second value is the file written when it was pinned now (compare the key with the
    operator's published one), else None."""
    path = home / AUTHORITY_FILE
    if path.is_file():
        return bytes.fromhex(path.read_text().strip()), None
    key = await authority_key(api)
    local_home.ensure_dir(home)
    path.write_text(key.hex() + "\n")
    return key, path


def load_audit(home: Path) -> tuple[bytes | None, audit.ChainHead | None]:
    """The server's audit key and the last history head this home verified (None, None
    before the first check); DamagedPin if the file does not parse."""
    path = home / AUDIT_FILE
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text())
        return (bytes.fromhex(data["server_public"]),
                audit.ChainHead(int(data["seq"]), bytes.fromhex(data["hash"])))
    except (ValueError, KeyError, TypeError):
        raise DamagedPin(path) from None


def save_audit(home: Path, key: bytes, head: audit.ChainHead) -> None:
    """Remember the audit key and the head just verified (written atomically)."""
    local_home.ensure_dir(home)
    path = home / AUDIT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"server_public": key.hex(), "seq": head.seq,
                               "hash": head.hash.hex()}))
    tmp.replace(path)


def _floors(home: Path) -> dict[str, int]:
    path = home / FLOORS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        return {str(k): int(v) for k, v in data.items()}
    except (ValueError, AttributeError, TypeError):
        raise DamagedPin(path) from None


def keyring_floor(home: Path, dossier_id: str) -> int:
    """The keyring version this home last saw for ``dossier_id`` (0: never)."""
    return _floors(home).get(dossier_id, 0)


def save_keyring_floor(home: Path, dossier_id: str, version: int) -> None:
    """Remember ``version`` unless a higher one is remembered (written atomically)."""
    floors = _floors(home)
    if floors.get(dossier_id, 0) >= version:
        return
    floors[dossier_id] = version
    local_home.ensure_dir(home)
    path = home / FLOORS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(floors, sort_keys=True))
    tmp.replace(path)

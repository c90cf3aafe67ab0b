"""What a home remembers about the server it trusts (trust on first use, then checked):
the directory authority's public key, and the server's audit key with the last history head
this home verified. None of it is secret; each only lets a later check notice a swap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from consent import audit
from web.client import home as local_home
from web.client.api import Api
from web.client.directory import authority_key

__all__ = ["AUDIT_FILE", "AUTHORITY_FILE", "DamagedPin", "load_audit", "pinned_authority",
           "save_audit"]

AUTHORITY_FILE: Final = "directory-authority.txt"
AUDIT_FILE: Final = "patient.audit.json"


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

"""P1: a dump of the database (SQLite file + WAL, pg_dump) holds none of the canaries."""

from __future__ import annotations

import asyncio
import base64
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support import Clock
from vault import Dossier, NewAttachment
from vault.storage import PiccoloStore, resolve_url

PASSPHRASE = "canary passphrase ❄ 42"


def encodings(secret: str) -> set[bytes]:
    """The canary as raw UTF-8, hex, and base64 (standard and URL-safe) at each of the three
    byte alignments it could have inside a larger blob (the 4-character groups touched by
    neighbouring bytes are dropped)."""
    raw = secret.encode()
    forms = {raw, raw.hex().encode(), raw.hex().upper().encode()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            text = encode(b"\x00" * shift + raw)
            forms.add(text[4 if shift else 0:-4])
    return forms


async def fill(store: object, clock: Clock) -> tuple[list[str], Dossier]:
    canaries = [f"CANARY-{secrets.token_hex(12)}" for _ in range(4)]
    dossier, code = await Dossier.create(store, PASSPHRASE, clock=clock)  # type: ignore[arg-type]
    await dossier.add("allergies", "allergy", f"Allergie {canaries[0]}", "2024-01-01",
                      {"note": canaries[1]})
    item = await dossier.add("exam_results", "lab_result", "Bilan", "2024-01-02",
                             {"values": [1, 2, canaries[2]]},
                             attachment=NewAttachment("bilan.pdf", "application/pdf",
                                                      b"%PDF-1.7 " + canaries[3].encode() * 50))
    await dossier.edit(item.item_id, title=f"Bilan {canaries[0]}")
    await dossier.mask(item.item_id)
    return [*canaries, PASSPHRASE, code], dossier


def assert_clean(dump: bytes, secrets_: list[str]) -> None:
    for secret in secrets_:
        for form in encodings(secret):
            assert form not in dump, f"a canary leaked ({form[:10]!r}...)"


@pytest.mark.db
async def test_sqlite_file_and_wal_hold_no_canary(sqlite_engine: Any,
                                                  sqlite_database_url: str) -> None:
    store = PiccoloStore(sqlite_engine)
    secrets_, _ = await fill(store, Clock())
    path = Path(resolve_url(sqlite_database_url)[len("sqlite:///"):])
    files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    assert path in files
    dump = b"".join(p.read_bytes() for p in files)
    assert len(dump) > 10_000
    assert_clean(dump, secrets_)
    # The check itself can fail: the same canary in plaintext would be found.
    with pytest.raises(AssertionError):
        assert_clean(dump + secrets_[0].encode(), secrets_)


@pytest.mark.db
async def test_pg_dump_holds_no_canary(postgres_engine: Any,
                                       postgres_database_url: str) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    store = PiccoloStore(postgres_engine)
    secrets_, _ = await fill(store, Clock())
    proc = await asyncio.create_subprocess_exec(pg_dump, "--no-owner", postgres_database_url,
                                                stdout=asyncio.subprocess.PIPE)
    dump, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0
    assert b"carnet_item" in dump and len(dump) > 10_000
    assert_clean(dump, secrets_)

"""The server key store (P8): the memory and file implementations of ``DossierKeys`` keep
the same contract; the file one writes 0600 files in a 0700 directory, never replaces a
key, and leaves no file (and no key bytes) behind when a key is destroyed."""

from __future__ import annotations

import asyncio
import os
import secrets
import stat
from pathlib import Path

import pytest

from vault.crypto import system_random
from vault.errors import InvalidInput, StorageUnavailable
from web.server.keyfiles import FileKeys
from web.server.keystore import KEY_BYTES, DossierKeys, MemoryKeys


@pytest.fixture(params=["memory", "file"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> DossierKeys:
    if request.param == "memory":
        return MemoryKeys(system_random)
    return FileKeys(tmp_path / "keys", system_random)


def new_id() -> str:
    return secrets.token_hex(16)


async def test_create_key_destroy(keys: DossierKeys) -> None:
    dossier_id = new_id()
    assert await keys.key(dossier_id) is None
    key = await keys.create(dossier_id)
    assert isinstance(key, bytes) and len(key) == KEY_BYTES
    assert await keys.key(dossier_id) == key
    assert await keys.create(dossier_id) == key  # never replaced
    other = await keys.create(new_id())
    assert other != key
    await keys.destroy(dossier_id)
    assert await keys.key(dossier_id) is None
    await keys.destroy(dossier_id)  # idempotent
    again = await keys.create(dossier_id)  # a new key: nothing sealed before opens with it
    assert again != key


async def test_concurrent_creates_agree(keys: DossierKeys) -> None:
    dossier_id = new_id()
    made = await asyncio.gather(*(keys.create(dossier_id) for _ in range(8)))
    assert len(set(made)) == 1
    assert await keys.key(dossier_id) == made[0]


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "a/b", ".hidden", "x" * 65, "é"])
async def test_ids_that_cannot_name_a_file_are_refused(keys: DossierKeys, bad: str) -> None:
    with pytest.raises(InvalidInput):
        await keys.create(bad)
    with pytest.raises(InvalidInput):
        await keys.key(bad)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_file_modes_and_layout(tmp_path: Path) -> None:
    keys = FileKeys(tmp_path / "keys", system_random)
    dossier_id = new_id()
    key = await keys.create(dossier_id)
    path = keys.path(dossier_id)
    assert path == tmp_path / "keys" / f"{dossier_id}.key"
    assert path.read_bytes() == key
    assert _mode(path) == 0o600
    assert _mode(tmp_path / "keys") == 0o700
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [path.name]  # no temp file left
    assert keys.dossier_ids() == [dossier_id]


async def test_destroy_leaves_no_file_and_no_key_bytes(tmp_path: Path) -> None:
    keys = FileKeys(tmp_path / "keys", system_random)
    dossier_id = new_id()
    await keys.create(dossier_id)
    path = keys.path(dossier_id)
    # keep a second name on the same inode: what destroy wrote over is visible through it
    witness = tmp_path / "witness"
    os.link(path, witness)
    await keys.destroy(dossier_id)
    assert not path.exists()
    assert list((tmp_path / "keys").iterdir()) == []
    assert witness.read_bytes() == bytes(KEY_BYTES)  # overwritten with zeros before unlink
    assert keys.dossier_ids() == []


async def test_a_damaged_or_unreadable_key_is_an_outage_not_a_closure(tmp_path: Path) -> None:
    keys = FileKeys(tmp_path / "keys", system_random)
    dossier_id = new_id()
    await keys.create(dossier_id)
    keys.path(dossier_id).write_bytes(b"short")
    with pytest.raises(StorageUnavailable):
        await keys.key(dossier_id)
    keys.path(dossier_id).unlink()
    keys.path(dossier_id).mkdir()  # a directory where a key file should be: unreadable
    with pytest.raises(StorageUnavailable):
        await keys.key(dossier_id)


async def test_another_instance_sees_the_same_keys(tmp_path: Path) -> None:
    first = FileKeys(tmp_path / "keys", system_random)
    dossier_id = new_id()
    key = await first.create(dossier_id)
    second = FileKeys(tmp_path / "keys", system_random)  # e.g. another worker process
    assert await second.key(dossier_id) == key
    await second.destroy(dossier_id)
    assert await first.key(dossier_id) is None


def test_memory_keys_refuse_a_bad_rng() -> None:
    keys = MemoryKeys(lambda n: b"\x00" * (n - 1))
    with pytest.raises(ValueError, match="32 bytes"):
        asyncio.run(keys.create(new_id()))


async def test_the_sweep_destroys_restored_keys_of_closed_dossiers(tmp_path: Path) -> None:
    from vault.records import DossierRecord, TombstoneRecord
    from vault.store import MemoryStore
    from web.server.sweep import sweep_closed_keys

    store = MemoryStore()
    keys = FileKeys(tmp_path / "keys", system_random)
    live, closed = new_id(), new_id()
    for d in (live, closed):
        await store.create(DossierRecord(d, 1, bytes(32), bytes(32)), [], b"ring")
        await keys.create(d)
    await store.close(TombstoneRecord(closed, 2, b"stone"))  # its key came back from a backup
    assert await sweep_closed_keys(store, keys, keys.dossier_ids()) == [closed]
    assert keys.dossier_ids() == [live]

"""The DossierStore contract, run on every backend: memory, SQLite and PostgreSQL.

The ``dossier_store`` fixture (tests/conftest.py) is parametrized over the three backends;
the database params carry ``@pytest.mark.db``. A few checks at the end are specific to the
piccolo adapter (SQLite pragmas, scrubbing after close, column lengths, migrations).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import store_row_count
from vault.errors import Conflict, DossierClosed, InvalidInput, NotFound
from vault.records import (
    SLOT_PASSPHRASE,
    SLOT_RECOVERY,
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeySlot,
    Rewrap,
    TombstoneRecord,
)
from vault.storage import MigrationError, PiccoloStore, engine_from_url, migrate, resolve_url
from vault.store import DossierStore

REPO_ROOT = Path(__file__).resolve().parents[2]


# -- record factories -----------------------------------------------------------------------


def new_id() -> str:
    return secrets.token_hex(16)


def sorted_ids(n: int) -> list[str]:
    return sorted(new_id() for _ in range(n))


def make_dossier(dossier_id: str | None = None) -> DossierRecord:
    return DossierRecord(
        dossier_id=dossier_id or new_id(),
        created_at=1_700_000_000,
        sign_public=secrets.token_bytes(32),
        box_public=secrets.token_bytes(32),
    )


def make_slot(name: str = SLOT_PASSPHRASE) -> KeySlot:
    return KeySlot(
        name=name,
        salt=secrets.token_bytes(16),
        opslimit=3,
        memlimit=256 * 1024 * 1024,
        wrapped=secrets.token_bytes(72),
        login_public=secrets.token_bytes(32),
    )


def make_item(dossier_id: str, item_id: str, revision: int = 1,
              key_ref: str = "section:allergies") -> ItemRecord:
    return ItemRecord(
        dossier_id=dossier_id,
        item_id=item_id,
        revision=revision,
        key_ref=key_ref,
        wrapped_key=secrets.token_bytes(72),
        ciphertext=secrets.token_bytes(100 + revision),
        created_at=1_700_000_000 + revision,
    )


def make_chunks(dossier_id: str, item_id: str, attachment_id: str,
                n: int = 3) -> list[ChunkRecord]:
    return [
        ChunkRecord(dossier_id=dossier_id, item_id=item_id, attachment_id=attachment_id,
                    index=i, blob=secrets.token_bytes(64 + i))
        for i in range(n)
    ]


def make_tombstone(dossier_id: str) -> TombstoneRecord:
    return TombstoneRecord(dossier_id=dossier_id, closed_at=1_800_000_000,
                           blob=secrets.token_bytes(96))


async def new_dossier(store: DossierStore) -> DossierRecord:
    dossier = make_dossier()
    await store.create(dossier, [make_slot(SLOT_PASSPHRASE), make_slot(SLOT_RECOVERY)],
                       b"sealed keyring v1")
    return dossier


# -- dossiers -------------------------------------------------------------------------------


async def test_create_then_read_back(dossier_store: DossierStore) -> None:
    dossier = make_dossier()
    slots = [make_slot(SLOT_PASSPHRASE), make_slot(SLOT_RECOVERY)]
    await dossier_store.create(dossier, slots, b"sealed keyring")

    assert await dossier_store.dossier(dossier.dossier_id) == dossier
    assert await dossier_store.slot(dossier.dossier_id, SLOT_PASSPHRASE) == slots[0]
    assert await dossier_store.slot(dossier.dossier_id, SLOT_RECOVERY) == slots[1]
    keyring = await dossier_store.keyring(dossier.dossier_id)
    assert (keyring.version, keyring.blob) == (1, b"sealed keyring")
    assert await dossier_store.items(dossier.dossier_id) == []
    assert await dossier_store.tombstone(dossier.dossier_id) is None
    # dossier + 2 slots + keyring
    assert await store_row_count(dossier_store, dossier.dossier_id) == 4


async def test_create_with_an_existing_id_conflicts(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    with pytest.raises(Conflict):
        await dossier_store.create(make_dossier(dossier.dossier_id), [make_slot()], b"other")
    assert await dossier_store.dossier(dossier.dossier_id) == dossier
    assert (await dossier_store.keyring(dossier.dossier_id)).blob == b"sealed keyring v1"


async def test_concurrent_creates_of_one_id_let_exactly_one_win(
        dossier_store: DossierStore) -> None:
    dossier_id = new_id()
    results = await asyncio.gather(
        *(dossier_store.create(make_dossier(dossier_id), [make_slot()], b"k") for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if r is not None), results
    assert await store_row_count(dossier_store, dossier_id) == 3


async def test_duplicate_slot_names_at_creation_keep_the_last(
        dossier_store: DossierStore) -> None:
    dossier = make_dossier()
    first, last = make_slot(SLOT_PASSPHRASE), make_slot(SLOT_PASSPHRASE)
    await dossier_store.create(dossier, [first, last], b"k")
    assert await dossier_store.slot(dossier.dossier_id, SLOT_PASSPHRASE) == last


async def test_unknown_dossier_is_not_found(dossier_store: DossierStore) -> None:
    unknown = new_id()
    calls: list[Any] = [
        dossier_store.dossier(unknown),
        dossier_store.slot(unknown, SLOT_PASSPHRASE),
        dossier_store.put_slots(unknown, [make_slot()]),
        dossier_store.keyring(unknown),
        dossier_store.put_keyring(unknown, b"k", 1),
        dossier_store.put_item(make_item(unknown, new_id())),
        dossier_store.items(unknown),
        dossier_store.revisions(unknown, new_id()),
        dossier_store.rewrap(unknown, []),
        dossier_store.delete_item(unknown, new_id()),
        dossier_store.chunks(unknown, new_id()),
        dossier_store.close(make_tombstone(unknown)),
        dossier_store.dossier("x" * 40),  # longer than any stored id: no match, no DB error
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    assert await dossier_store.tombstone(unknown) is None


# -- key slots and keyring ------------------------------------------------------------------


async def test_put_slots_replaces_named_slots_only(dossier_store: DossierStore) -> None:
    dossier = make_dossier()
    passphrase, recovery = make_slot(SLOT_PASSPHRASE), make_slot(SLOT_RECOVERY)
    await dossier_store.create(dossier, [passphrase, recovery], b"k")
    with pytest.raises(NotFound):
        await dossier_store.slot(dossier.dossier_id, "spare")

    new_passphrase, spare = make_slot(SLOT_PASSPHRASE), make_slot("spare")
    await dossier_store.put_slots(dossier.dossier_id, [new_passphrase, spare])

    assert await dossier_store.slot(dossier.dossier_id, SLOT_PASSPHRASE) == new_passphrase
    assert await dossier_store.slot(dossier.dossier_id, SLOT_RECOVERY) == recovery
    assert await dossier_store.slot(dossier.dossier_id, "spare") == spare
    assert await store_row_count(dossier_store, dossier.dossier_id) == 5


async def test_keyring_compare_and_swap(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id = dossier.dossier_id
    assert await dossier_store.put_keyring(dossier_id, b"v2", 1) == 2
    with pytest.raises(Conflict):
        await dossier_store.put_keyring(dossier_id, b"stale", 1)
    with pytest.raises(Conflict):
        await dossier_store.put_keyring(dossier_id, b"future", 7)
    keyring = await dossier_store.keyring(dossier_id)
    assert (keyring.version, keyring.blob) == (2, b"v2")
    assert await dossier_store.put_keyring(dossier_id, b"v3", 2) == 3
    assert (await dossier_store.keyring(dossier_id)).blob == b"v3"


async def test_concurrent_keyring_writers_let_exactly_one_win(
        dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    results = await asyncio.gather(
        *(dossier_store.put_keyring(dossier.dossier_id, f"w{i}".encode(), 1) for i in range(4)),
        return_exceptions=True,
    )
    assert results.count(2) == 1
    assert all(isinstance(r, Conflict) for r in results if r != 2), results
    assert (await dossier_store.keyring(dossier.dossier_id)).version == 2


# -- items ----------------------------------------------------------------------------------


async def test_revisions_oldest_first_and_latest_is_the_highest(
        dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id, item_id = dossier.dossier_id, new_id()
    r1, r3, r2 = (make_item(dossier_id, item_id, n) for n in (1, 3, 2))
    for item in (r1, r3, r2):  # an older revision arriving late is not the latest
        await dossier_store.put_item(item)

    assert await dossier_store.revisions(dossier_id, item_id) == [r1, r2, r3]
    assert await dossier_store.items(dossier_id) == [r3]
    with pytest.raises(NotFound):
        await dossier_store.revisions(dossier_id, new_id())


async def test_items_are_ordered_filtered_and_paginated(
        dossier_store: DossierStore, monkeypatch: pytest.MonkeyPatch) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id = dossier.dossier_id
    ids = sorted_ids(7)
    refs = ["section:allergies", "section:vaccinations", "mask:m1"]
    latest: list[ItemRecord] = []
    for n, item_id in enumerate(reversed(ids)):  # stored out of order
        await dossier_store.put_item(make_item(dossier_id, item_id, 1, refs[0]))
        item = make_item(dossier_id, item_id, 2, refs[n % 3])
        await dossier_store.put_item(item)
        latest.append(item)
    latest.sort(key=lambda i: i.item_id)

    assert await dossier_store.items(dossier_id) == latest
    # key_refs filters on the latest revision's key ref
    masked = [i for i in latest if i.key_ref == "mask:m1"]
    assert masked
    assert await dossier_store.items(dossier_id, key_refs=["mask:m1"]) == masked
    both = [i for i in latest if i.key_ref != refs[0]]
    assert await dossier_store.items(dossier_id, key_refs=[refs[1], refs[2], refs[2]]) == both
    assert await dossier_store.items(dossier_id, key_refs=[]) == []
    assert await dossier_store.items(dossier_id, key_refs=["nothing"]) == []
    # after / limit
    assert await dossier_store.items(dossier_id, after=ids[2]) == latest[3:]
    assert await dossier_store.items(dossier_id, after=ids[-1]) == []
    assert await dossier_store.items(dossier_id, after="") == latest
    assert await dossier_store.items(dossier_id, limit=2) == latest[:2]
    assert await dossier_store.items(dossier_id, after=ids[1], limit=3) == latest[2:5]
    assert await dossier_store.items(
        dossier_id, key_refs=[refs[1], refs[2]], after=both[0].item_id, limit=1,
    ) == both[1:2]
    # a full walk, page by page
    pages: list[ItemRecord] = []
    after: str | None = None
    while page := await dossier_store.items(dossier_id, after=after, limit=3):
        pages += page
        after = page[-1].item_id
    assert pages == latest
    # limit is capped at PAGE_MAX
    monkeypatch.setattr("vault.store.PAGE_MAX", 4)
    monkeypatch.setattr("vault.storage.piccolo_store.PAGE_MAX", 4)
    assert await dossier_store.items(dossier_id, limit=100) == latest[:4]


async def test_duplicate_revision_conflicts_and_writes_nothing(
        dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id, item_id = dossier.dossier_id, new_id()
    first_attachment, second_attachment = new_id(), new_id()
    first = make_item(dossier_id, item_id, 1)
    first_chunks = make_chunks(dossier_id, item_id, first_attachment)
    await dossier_store.put_item(first, first_chunks)
    before = await store_row_count(dossier_store, dossier_id)

    with pytest.raises(Conflict):
        await dossier_store.put_item(make_item(dossier_id, item_id, 1),
                                     make_chunks(dossier_id, item_id, second_attachment, 5))

    assert await store_row_count(dossier_store, dossier_id) == before
    assert await dossier_store.revisions(dossier_id, item_id) == [first]
    assert await dossier_store.chunks(dossier_id, first_attachment) == [
        c.blob for c in first_chunks]
    with pytest.raises(NotFound):
        await dossier_store.chunks(dossier_id, second_attachment)


async def test_concurrent_revisions_keep_a_single_latest(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id, item_id = dossier.dossier_id, new_id()
    await dossier_store.put_item(make_item(dossier_id, item_id, 1))
    revisions = [make_item(dossier_id, item_id, n) for n in range(2, 8)]
    await asyncio.gather(*(dossier_store.put_item(r) for r in revisions))

    assert [r.revision for r in await dossier_store.revisions(dossier_id, item_id)] == list(
        range(1, 8))
    assert await dossier_store.items(dossier_id) == [revisions[-1]]


async def test_rewrap_is_all_or_nothing(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id = dossier.dossier_id
    x, y = sorted_ids(2)
    x1, x2, y1 = make_item(dossier_id, x, 1), make_item(dossier_id, x, 2), make_item(dossier_id, y)
    for item in (x1, x2, y1):
        await dossier_store.put_item(item)

    with pytest.raises(NotFound):
        await dossier_store.rewrap(dossier_id, [
            Rewrap(item_id=x, revision=1, key_ref="mask:m1", wrapped_key=b"new x1"),
            Rewrap(item_id=y, revision=1, key_ref="mask:m1", wrapped_key=b"new y1"),
            Rewrap(item_id=y, revision=9, key_ref="mask:m1", wrapped_key=b"unknown"),
        ])
    assert await dossier_store.revisions(dossier_id, x) == [x1, x2]
    assert await dossier_store.revisions(dossier_id, y) == [y1]
    assert await dossier_store.items(dossier_id, key_refs=["mask:m1"]) == []

    await dossier_store.rewrap(dossier_id, [
        Rewrap(item_id=x, revision=1, key_ref="mask:m1", wrapped_key=b"new x1"),
        Rewrap(item_id=x, revision=2, key_ref="mask:m1", wrapped_key=b"new x2"),
    ])
    revs = await dossier_store.revisions(dossier_id, x)
    assert [(r.key_ref, r.wrapped_key) for r in revs] == [
        ("mask:m1", b"new x1"), ("mask:m1", b"new x2")]
    assert [r.ciphertext for r in revs] == [x1.ciphertext, x2.ciphertext]
    assert [i.item_id for i in await dossier_store.items(dossier_id, key_refs=["mask:m1"])] == [x]
    await dossier_store.rewrap(dossier_id, [])  # nothing to do


async def test_delete_item_removes_revisions_and_chunks(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id = dossier.dossier_id
    doomed, kept = new_id(), new_id()
    doomed_attachment, kept_attachment = new_id(), new_id()
    await dossier_store.put_item(make_item(dossier_id, doomed, 1),
                                 make_chunks(dossier_id, doomed, doomed_attachment, 4))
    await dossier_store.put_item(make_item(dossier_id, doomed, 2))
    kept_item = make_item(dossier_id, kept)
    kept_chunks = make_chunks(dossier_id, kept, kept_attachment, 2)
    await dossier_store.put_item(kept_item, kept_chunks)
    before = await store_row_count(dossier_store, dossier_id)

    await dossier_store.delete_item(dossier_id, doomed)

    assert await store_row_count(dossier_store, dossier_id) == before - 2 - 4
    with pytest.raises(NotFound):
        await dossier_store.revisions(dossier_id, doomed)
    with pytest.raises(NotFound):
        await dossier_store.chunks(dossier_id, doomed_attachment)
    with pytest.raises(NotFound):
        await dossier_store.delete_item(dossier_id, doomed)
    assert await dossier_store.items(dossier_id) == [kept_item]
    assert await dossier_store.chunks(dossier_id, kept_attachment) == [c.blob for c in kept_chunks]


async def test_chunks_come_back_in_index_order(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id, item_id, attachment_id = dossier.dossier_id, new_id(), new_id()
    chunks = make_chunks(dossier_id, item_id, attachment_id, 12)
    shuffled = chunks[7:] + chunks[:3] + chunks[3:7][::-1]
    await dossier_store.put_item(make_item(dossier_id, item_id), shuffled)
    assert await dossier_store.chunks(dossier_id, attachment_id) == [c.blob for c in chunks]
    with pytest.raises(NotFound):
        await dossier_store.chunks(dossier_id, new_id())


async def test_dossiers_do_not_see_each_other(dossier_store: DossierStore) -> None:
    a, b = await new_dossier(dossier_store), await new_dossier(dossier_store)
    item_id, attachment_id = new_id(), new_id()
    in_a = make_item(a.dossier_id, item_id)
    in_b = make_item(b.dossier_id, item_id)
    await dossier_store.put_item(in_a, make_chunks(a.dossier_id, item_id, attachment_id, 2))
    await dossier_store.put_item(in_b)  # same item id and revision: another dossier, no clash

    assert await dossier_store.items(a.dossier_id) == [in_a]
    assert await dossier_store.items(b.dossier_id) == [in_b]
    with pytest.raises(NotFound):
        await dossier_store.chunks(b.dossier_id, attachment_id)
    await dossier_store.delete_item(b.dossier_id, item_id)
    assert await dossier_store.items(a.dossier_id) == [in_a]
    assert len(await dossier_store.chunks(a.dossier_id, attachment_id)) == 2


# -- closing --------------------------------------------------------------------------------


async def test_close_leaves_only_the_tombstone(dossier_store: DossierStore) -> None:
    dossier, other = await new_dossier(dossier_store), await new_dossier(dossier_store)
    dossier_id, item_id, attachment_id = dossier.dossier_id, new_id(), new_id()
    await dossier_store.put_item(make_item(dossier_id, item_id, 1),
                                 make_chunks(dossier_id, item_id, attachment_id))
    await dossier_store.put_item(make_item(dossier_id, item_id, 2))
    await dossier_store.put_item(make_item(other.dossier_id, item_id))
    other_rows = await store_row_count(dossier_store, other.dossier_id)
    tombstone = make_tombstone(dossier_id)

    await dossier_store.close(tombstone)

    assert await store_row_count(dossier_store, dossier_id) == 0
    assert await dossier_store.tombstone(dossier_id) == tombstone
    calls: list[Any] = [
        dossier_store.dossier(dossier_id),
        dossier_store.slot(dossier_id, SLOT_PASSPHRASE),
        dossier_store.put_slots(dossier_id, [make_slot()]),
        dossier_store.keyring(dossier_id),
        dossier_store.put_keyring(dossier_id, b"k", 1),
        dossier_store.put_item(make_item(dossier_id, new_id())),
        dossier_store.items(dossier_id),
        dossier_store.revisions(dossier_id, item_id),
        dossier_store.rewrap(dossier_id, []),
        dossier_store.delete_item(dossier_id, item_id),
        dossier_store.chunks(dossier_id, attachment_id),
        dossier_store.close(make_tombstone(dossier_id)),
        dossier_store.create(make_dossier(dossier_id), [make_slot()], b"k"),
    ]
    for call in calls:
        with pytest.raises(DossierClosed):
            await call
    assert await store_row_count(dossier_store, dossier_id) == 0
    assert await dossier_store.tombstone(dossier_id) == tombstone
    # the other dossier is untouched
    assert await store_row_count(dossier_store, other.dossier_id) == other_rows
    assert await dossier_store.dossier(other.dossier_id) == other


async def test_writes_racing_close_leave_nothing_behind(dossier_store: DossierStore) -> None:
    dossier = await new_dossier(dossier_store)
    dossier_id = dossier.dossier_id

    async def write(n: int) -> None:
        item_id = new_id()
        await dossier_store.put_item(make_item(dossier_id, item_id),
                                     make_chunks(dossier_id, item_id, new_id(), 2 + n % 3))

    results = await asyncio.gather(
        *(write(n) for n in range(3)),
        dossier_store.close(make_tombstone(dossier_id)),
        *(write(n) for n in range(3, 6)),
        return_exceptions=True,
    )
    assert all(r is None or isinstance(r, DossierClosed) for r in results), results
    assert results[3] is None
    assert await store_row_count(dossier_store, dossier_id) == 0


# -- piccolo adapter specifics --------------------------------------------------------------


@pytest.mark.db
async def test_sqlite_connections_have_secure_delete_and_wal(sqlite_engine: Any) -> None:
    async def pragmas() -> tuple[Any, ...]:
        secure = await sqlite_engine.run_ddl("PRAGMA secure_delete")
        journal = await sqlite_engine.run_ddl("PRAGMA journal_mode")
        busy = await sqlite_engine.run_ddl("PRAGMA busy_timeout")
        return secure[0]["secure_delete"], journal[0]["journal_mode"], busy[0]["timeout"]

    assert await pragmas() == (1, "wal", 5000)  # a connection per query
    async with sqlite_engine.transaction():  # the transaction's connection
        assert await pragmas() == (1, "wal", 5000)
    connection = await sqlite_engine.get_connection()  # batches
    try:
        async with connection.execute("PRAGMA secure_delete") as cursor:
            assert (await cursor.fetchone())["secure_delete"] == 1
    finally:
        await connection.close()


@pytest.mark.db
async def test_sqlite_statements_go_alone_and_foreign_keys_hold(sqlite_engine: Any) -> None:
    """One statement is one trip to SQLite (no PRAGMA before each, as piccolo would send),
    and foreign keys are still enforced: set once per connection."""
    seen: list[str] = []
    sqlite_engine.on_statement = seen.append
    try:
        async with sqlite_engine.transaction():
            fk = await sqlite_engine.run_ddl("PRAGMA foreign_keys")
            await sqlite_engine.run_ddl("SELECT 1")
        await sqlite_engine.run_ddl("SELECT 2")  # a standalone query (pooled connection)
    finally:
        sqlite_engine.on_statement = None
    assert fk[0]["foreign_keys"] == 1
    statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT"))]
    assert statements == ["PRAGMA foreign_keys", "SELECT 1", "SELECT 2"], seen


@pytest.mark.db
async def test_sqlite_close_scrubs_the_files(sqlite_engine: Any,
                                              sqlite_database_url: str) -> None:
    store = PiccoloStore(sqlite_engine)
    dossier = await new_dossier(store)
    dossier_id, item_id = dossier.dossier_id, new_id()
    marker = b"CARNET-SCRUB-MARKER-" + secrets.token_hex(8).encode()
    item = make_item(dossier_id, item_id)
    await store.put_item(
        ItemRecord(dossier_id=dossier_id, item_id=item_id, revision=1, key_ref=item.key_ref,
                   wrapped_key=marker, ciphertext=marker * 500, created_at=1),
        [ChunkRecord(dossier_id=dossier_id, item_id=item_id, attachment_id=new_id(),
                     index=0, blob=marker * 4000)],
    )
    path = Path(resolve_url(sqlite_database_url).removeprefix("sqlite:///"))

    def on_disk() -> bytes:
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert marker in on_disk()
    await store.close(make_tombstone(dossier_id))
    assert marker not in on_disk()


@pytest.mark.db
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_close_scrub_runs_cleanly(backend: str, request: pytest.FixtureRequest,
                                        caplog: pytest.LogCaptureFixture) -> None:
    store = PiccoloStore(request.getfixturevalue(f"{backend}_engine"))
    dossier = await new_dossier(store)
    await store.put_item(make_item(dossier.dossier_id, new_id()))
    with caplog.at_level(logging.WARNING, logger="vault.storage.scrub"):
        await store.close(make_tombstone(dossier.dossier_id))
    assert caplog.records == []


@pytest.mark.db
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_values_too_long_for_their_column_are_invalid_input(
        backend: str, request: pytest.FixtureRequest) -> None:
    store = PiccoloStore(request.getfixturevalue(f"{backend}_engine"))
    with pytest.raises(InvalidInput):
        await store.create(make_dossier("d" * 33), [make_slot()], b"k")
    dossier = await new_dossier(store)
    with pytest.raises(InvalidInput):
        await store.put_slots(dossier.dossier_id, [make_slot("s" * 33)])
    with pytest.raises(InvalidInput):
        await store.put_item(make_item(dossier.dossier_id, "i" * 33))
    with pytest.raises(InvalidInput):
        await store.put_item(make_item(dossier.dossier_id, new_id(), key_ref="k" * 65))
    assert await store.items(dossier.dossier_id) == []


def test_engine_from_url_rejects_what_it_cannot_serve(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scheme"):
        engine_from_url("mysql://root@localhost/carnet")
    with pytest.raises(ValueError, match="in-memory"):
        engine_from_url("sqlite:///:memory:")
    with pytest.raises(ValueError, match="name its database"):
        engine_from_url("postgresql://postgres@127.0.0.1:5432/")
    nested = tmp_path / "a" / "b" / "carnet.sqlite"
    engine = engine_from_url(f"sqlite:///{nested}")
    assert engine.engine_type == "sqlite"
    assert nested.parent.is_dir()


def test_resolve_url_makes_sqlite_paths_absolute(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_url("sqlite:///var/x.sqlite") == f"sqlite:///{tmp_path / 'var' / 'x.sqlite'}"
    assert resolve_url("sqlite:////abs/x.sqlite") == "sqlite:////abs/x.sqlite"
    assert resolve_url("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db"


async def test_migrate_reports_a_failure() -> None:
    with pytest.raises(MigrationError, match="failed"):
        await migrate("mysql://root@localhost/carnet")


@pytest.mark.db
async def test_migration_cli_uses_the_environment_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {**os.environ, "CARNET_DATABASE_URL": url}
    for expected in ("Running 2 migrations", "No migrations need to be run"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vault.storage", "migrate", cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        assert proc.returncode == 0, output.decode()
        assert expected in output.decode()
    store = PiccoloStore(engine_from_url(url))
    dossier = await new_dossier(store)
    assert await store.dossier(dossier.dossier_id) == dossier

"""Attachments are write-once and bound to their item (issue 8 item 9, P5), on every store
(memory, SQLite, PostgreSQL: the ``dossier_store`` fixture of tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.vault.test_store_contract import make_chunks, make_item, new_dossier, new_id
from vault.errors import AttachmentTaken, Conflict, InvalidInput
from vault.records import ChunkRecord
from vault.store import DossierStore


async def test_chunks_for_a_taken_attachment_are_refused(dossier_store: DossierStore) -> None:
    dossier_id = (await new_dossier(dossier_store)).dossier_id
    owner, attachment_id = new_id(), new_id()
    chunks = make_chunks(dossier_id, owner, attachment_id, 2)
    await dossier_store.put_item(make_item(dossier_id, owner), chunks)
    intruder = new_id()
    for item_id, revision in ((intruder, 1), (owner, 2)):  # another item, or a later revision
        for index in (0, 2):  # replace a chunk or append one
            extra = ChunkRecord(dossier_id, item_id, attachment_id, index, b"junk")
            with pytest.raises(AttachmentTaken) as refused:
                await dossier_store.put_item(make_item(dossier_id, item_id, revision), [extra])
            assert isinstance(refused.value, Conflict)
    # All or nothing: the refused revisions were not stored, the attachment is intact.
    assert await dossier_store.chunks(dossier_id, attachment_id) == [c.blob for c in chunks]
    assert [r.revision for r in await dossier_store.revisions(dossier_id, owner)] == [1]
    with pytest.raises(LookupError):
        await dossier_store.revisions(dossier_id, intruder)
    # A later revision keeps the attachment by reference (no chunks), or adds a new one.
    await dossier_store.put_item(make_item(dossier_id, owner, 2))
    await dossier_store.put_item(make_item(dossier_id, owner, 3),
                                 make_chunks(dossier_id, owner, new_id(), 1))
    assert await dossier_store.chunks(dossier_id, attachment_id) == [c.blob for c in chunks]


async def test_a_chunk_must_name_its_item(dossier_store: DossierStore) -> None:
    dossier_id = (await new_dossier(dossier_store)).dossier_id
    item_id, other = new_id(), new_id()
    with pytest.raises(InvalidInput):
        await dossier_store.put_item(make_item(dossier_id, item_id),
                                     make_chunks(dossier_id, other, new_id(), 1))
    with pytest.raises(LookupError):
        await dossier_store.revisions(dossier_id, item_id)

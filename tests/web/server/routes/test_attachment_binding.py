"""A write grant cannot damage what it cannot read (issue 8 item 9, P5), with the real
clients against the in-process app on SQLite and PostgreSQL.

An attachment is written once, with the item revision that creates it, and belongs to that
item: chunks sent later for an attachment id that already has chunks are refused
(409 ``attachment_taken``), whoever sends them. The attack: a read+write grantee who learned
the id of the patient's attachment from a visible item adds a chunk under it with an item of
its own; before the fix the extra chunk made the patient's attachment unreadable. The
controls: the grantee attaches its own file, the patient adds attachments and edits items
(a new revision keeps its attachment by reference, without chunks).
"""

from __future__ import annotations

import pytest

from tests.web.server.routes.api_support import Harness, assert_error, new_id, put_item_body
from tests.web.server.routes.grant_world import close_all, give, open_as, patient, professional
from vault import NewAttachment, items
from vault.crypto import system_random
from vault.items import Author
from vault.records import ChunkRecord
from web import schemas
from web.client import ApiError
from web.client.writes import seal_for_grant, send_item

SCAN = b"%PDF-1.4 compte rendu " * 5000  # more than one chunk


async def test_grantee_cannot_add_chunks_to_the_patients_attachment(app: Harness) -> None:
    dossier, api = await patient(app)
    mine = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01",
                             attachment=NewAttachment("cr.pdf", "application/pdf", SCAN))
    assert mine.attachment is not None
    writer = await professional(app)
    opened = await open_as(app, writer, await give(app, dossier, api, writer, ["allergies"],
                                                   write=True))
    # The grantee sees the item, so it knows the attachment id.
    now = app.clock.now
    draft = items.draft("allergies", "allergy", "Amoxicilline", "2024-03-03", None,
                        Author.professional(writer.ps_id, "Dr Anne Leroy"))
    for index in (0, 1, 99):  # overwrite the first chunk, or add one in the middle or after
        record = seal_for_grant(opened, draft, created_at=now)
        chunk = ChunkRecord(dossier.dossier_id, record.item_id, mine.attachment.id, index,
                            system_random(64))
        with pytest.raises(ApiError) as refused:
            await send_item(writer.api, writer.identity, opened.text, record, now=now,
                            chunks=[chunk])
        assert (refused.value.status, refused.value.code) == (409, "attachment_taken")
        assert refused.value.detail
    # Nothing of the refused writes was stored, and the patient's attachment still opens.
    [listed] = [i for i in await dossier.list() if i.item_id == mine.item_id]
    assert await dossier.attachment(listed) == SCAN
    assert {i.item_id for i in await dossier.list()} == {mine.item_id}

    # Control: the grantee attaches chunks under an id of its own.
    record = seal_for_grant(opened, draft, created_at=now)
    own = new_id()
    await send_item(writer.api, writer.identity, opened.text, record, now=now,
                    chunks=[ChunkRecord(dossier.dossier_id, record.item_id, own, 0, b"x" * 40)])
    assert await app.services.store.chunks(dossier.dossier_id, own) == [b"x" * 40]
    await close_all(api, writer.api)


async def test_patient_attachments_survive_edits(app: Harness) -> None:
    dossier, api = await patient(app)
    first = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01",
                              attachment=NewAttachment("a.pdf", "application/pdf", b"A" * 70000))
    second = await dossier.add("allergies", "allergy", "Latex", "2024-03-02",
                               attachment=NewAttachment("b.pdf", "application/pdf", b"B" * 10))
    kept = await dossier.edit(first.item_id, title="Pénicilline (confirmée)")
    assert kept.attachment == first.attachment and kept.revision == 2
    replaced = await dossier.edit(second.item_id,
                                  attachment=NewAttachment("c.pdf", "application/pdf", b"C"))
    assert replaced.attachment is not None and second.attachment is not None
    assert replaced.attachment.id != second.attachment.id
    assert await dossier.attachment(kept) == b"A" * 70000
    assert await dossier.attachment(replaced) == b"C"
    assert await dossier.attachment(second) == b"B" * 10  # the older revision's, still there

    # Even the patient's own writes cannot add chunks to an existing attachment id, from
    # another item or from a new revision of the same one.
    assert first.attachment is not None
    for item_id, revision in ((None, 1), (first.item_id, 3)):
        body = put_item_body(item_id=item_id, revision=revision)
        body.chunks.append(schemas.ChunkBody(attachment_id=first.attachment.id, index=5,
                                             blob=b"junk"))
        assert_error(await app.call("POST", f"/dossiers/{dossier.dossier_id}/items",
                                    json=body, token=api.session), 409, "attachment_taken")
    assert await dossier.attachment(kept) == b"A" * 70000
    assert [r.revision for r in await app.services.store.revisions(dossier.dossier_id,
                                                                 first.item_id)] == [1, 2]
    await close_all(api)


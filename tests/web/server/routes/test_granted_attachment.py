"""A professional saves the attachment of an item their consent opens
(``POST /consent/attachment``, ``web.client.views.granted_attachment``), and only such an
attachment: never one of a masked item or of a section the grant does not carry, even with
its ids (issue 10, item 3). Real clients against the in-process app, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.web.server.routes.api_support import Harness
from tests.web.server.routes.grant_world import close_all, give, patient, professional
from vault import NewAttachment, NotFound
from web.client.consent import scan
from web.client.views import granted_attachment

SCAN = b"%PDF-1.4 bilan " * 6000  # more than one chunk


async def test_only_a_granted_unmasked_items_attachment(app: Harness) -> None:
    dossier, api = await patient(app)
    pdf = NewAttachment("bilan.pdf", "application/pdf", SCAN)
    shown = await dossier.add("exam_results", "lab_result", "Bilan", "2024-03-01",
                              attachment=pdf)
    hidden = await dossier.add("exam_results", "lab_result", "Privé", "2024-03-02",
                               attachment=NewAttachment("p.pdf", "application/pdf", b"secret"))
    other = await dossier.add("personal_notes", "document", "Notes", "2024-03-03",
                              attachment=NewAttachment("n.txt", "text/plain", b"notes"))
    await dossier.mask(hidden.item_id)
    doc = await professional(app)
    issued = await give(app, dossier, api, doc, ["exam_results"])
    got = await scan(doc.api, doc.identity, issued.text, now=app.clock.now)
    [item] = got.items
    assert item.item_id == shown.item_id
    assert await granted_attachment(doc.api, doc.identity, issued.text, item,
                                    now=app.clock.now) == SCAN
    # The patient's own items (their ids and attachment keys) asked for through the grant.
    for mine in (await dossier.get(hidden.item_id), await dossier.get(other.item_id)):
        with pytest.raises(NotFound):  # the server's 404 not_found
            await granted_attachment(doc.api, doc.identity, issued.text, mine,
                                     now=app.clock.now)
    await close_all(api, doc.api)

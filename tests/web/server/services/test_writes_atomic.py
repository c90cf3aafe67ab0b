"""WritesService (issue 9): a professional's write and its history event are one transaction,
and a write under a key an ended grant still carries is refused until the patient's client
rotated it (``rotation_owed``). Real client and server in process, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from consent import audit
from tests.web.server.routes.api_support import APP_BACKENDS, Harness, open_harness
from tests.web.server.routes.grant_world import (
    all_keys,
    close_all,
    give,
    open_as,
    opens,
    patient,
    professional,
    rows,
)
from vault import Author, Section, items
from vault.errors import StorageUnavailable
from web.client import ApiError
from web.client.rotation import sync_grants
from web.client.writes import seal_for_grant, send_item, write_item
from web.server.storage.piccolo.dossier import PiccoloAuditLog
from web.server.storage.ports import AuditHead


@pytest.fixture(params=APP_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue(f"{backend}_database_url"))


@pytest.fixture
async def app(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(backend, database_url, tmp_path) as harness:
        yield harness


async def _kinds(app: Harness, dossier_id: str) -> list[str]:
    blobs, _ = await app.services.consent.history(dossier_id)
    return [audit.decode_event(b).kind for b in blobs]


async def test_a_failed_history_append_stores_no_item(app: Harness,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dossier, api = await patient(app)
    b = await professional(app)
    grant_b = await give(app, dossier, api, b, ["allergies"], write=True)
    opened = await open_as(app, b, grant_b)
    before = await _kinds(app, dossier.dossier_id)

    async def no_head(self: PiccoloAuditLog, dossier_id: str) -> AuditHead | None:
        raise StorageUnavailable("the history cannot be written now")

    draft = items.draft("allergies", "allergy", "Latex", "2024-04-01",
                        author=Author.professional(b.ps_id))
    record = seal_for_grant(opened, draft, created_at=app.clock.now)
    monkeypatch.setattr(PiccoloAuditLog, "_head", no_head)
    with pytest.raises(ApiError) as refused:
        await send_item(b.api, b.identity, grant_b.text, record, now=app.clock.now)
    monkeypatch.undo()
    assert refused.value.status == 503
    assert await rows(dossier.dossier_id, record.item_id) == []  # no unlogged write
    assert await _kinds(app, dossier.dossier_id) == before
    # The retry (a new signed request) stores the item and logs it once.
    await send_item(b.api, b.identity, grant_b.text, record, now=app.clock.now)
    assert len(await rows(dossier.dossier_id, record.item_id)) == 1
    assert (await _kinds(app, dossier.dossier_id))[len(before):].count("item_written") == 1
    await close_all(api, b.api)


@pytest.mark.parametrize("ending", ["revoked", "expired"])
async def test_a_write_under_a_key_an_ended_grant_holds_waits_for_the_rotation(
        app: Harness, ending: str) -> None:
    """A crash between the revocation and the client's rotation (or no patient session since
    an expiry): B, with a read+write grant made before, writes under the key A also holds.
    Refused with rotation_owed; once the patient's client rotated, B's retry lands under a
    key A lacks."""
    dossier, api = await patient(app)
    a, b = await professional(app), await professional(app, "Dr Paul Martin")
    await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    grant_a = await give(app, dossier, api, a, ["allergies"], seconds=600)
    grant_b = await give(app, dossier, api, b, ["allergies"], write=True, seconds=86_400)
    keys_a = (await open_as(app, a, grant_a)).keys
    old_b = await open_as(app, b, grant_b)
    if ending == "revoked":  # the revocation only: the client crashed before rotating
        await api.call("POST", f"/dossiers/{dossier.dossier_id}/grants/{grant_a.grant_id}"
                               "/revoke")
    else:
        app.clock.advance(601)

    draft = items.draft("allergies", "allergy", "Latex", "2024-04-01",
                        author=Author.professional(b.ps_id))
    record = seal_for_grant(old_b, draft, created_at=app.clock.now)
    assert record.key_ref in keys_a.refs  # the key A holds
    with pytest.raises(ApiError) as refused:
        await send_item(b.api, b.identity, grant_b.text, record, now=app.clock.now)
    assert (refused.value.status, refused.value.code) == (409, "rotation_owed")
    assert await rows(dossier.dossier_id, record.item_id) == []

    await sync_grants(dossier, api)  # the patient's next session
    _, written = await write_item(b.api, b.identity, grant_b.text, "allergies", "allergy",
                                  "Latex", "2024-04-01", now=app.clock.now, opened=old_b)
    (stored,) = await rows(dossier.dossier_id, written.item_id)
    assert stored.key_ref == dossier.ring.current(Section.ALLERGIES).ref
    assert not opens(stored, all_keys(keys_a))
    await close_all(api, a.api, b.api)

"""``Grants.replace_grant`` (issue 8, P5: a grant re-sealed after a rotation) on every
service storage (memory, SQLite, PostgreSQL): the same contract as ``test_contract.py``."""

from __future__ import annotations

import dataclasses

from tests.web.server.storage.conftest import Storage
from tests.web.server.storage.test_contract import grant, new_id


async def test_replace_grant_swaps_blob_and_refs_of_a_live_grant_only(
        service_storage: Storage) -> None:
    db = service_storage.db
    dossier_id = new_id()
    g = grant(dossier_id)
    await db.put_grant(g)
    resealed = dataclasses.replace(g, key_refs=(new_id(),), blob=b"resealed")
    assert await db.replace_grant(dataclasses.replace(resealed, dossier_id=new_id())) is False
    assert await db.replace_grant(resealed) is True
    found = await db.grant(g.grant_id)
    assert found is not None
    assert (found.key_refs, found.blob) == (resealed.key_refs, b"resealed")
    assert (found.recipient_id, found.expires_at, found.revoked_at) == (
        g.recipient_id, g.expires_at, None)
    assert [x.blob for x in await db.grants_of(dossier_id)] == [b"resealed"]
    assert await db.revoke_grant(dossier_id, g.grant_id, 5)
    assert await db.replace_grant(dataclasses.replace(resealed, blob=b"again")) is False
    found = await db.grant(g.grant_id)
    assert found is not None and found.blob == b"resealed"
    assert await db.replace_grant(grant(dossier_id)) is False  # unknown id

"""Issue 8, item 4 (P5): after an expiry or a revocation, the next write by anyone uses a key
no ex-grantee ever held.

The attacks: keys were rotated after a revocation but not after an expiry (an expired
grantee's keys opened items written later), and a remaining read+write grantee kept writing
under the old key, which the revoked one could open. Now the patient's client rotates the
sections an ended grant holds the current key of (at its next session or before its next
write) and re-seals the new version to the grantees that remain (grant version 2); the server
refuses a write under a superseded version (409 ``stale_key``) and the professional's client
scans again and retries. Real client, real server (in process, the test's clock), SQLite and
PostgreSQL.
"""

from __future__ import annotations

import base64

import pytest

from consent import grant
from tests.web.server.routes.api_support import Harness, assert_error
from tests.web.server.routes.grant_world import (
    all_keys,
    close_all,
    give,
    open_as,
    opens,
    patient,
    professional,
    readable,
    rows,
)
from vault import Author, Section, items
from vault.crypto import system_random
from web import schemas
from web.client import ApiError
from web.client.consent import revoke_grant
from web.client.writes import seal_for_grant, send_item, write_item


async def test_after_an_expiry_the_next_write_is_under_a_key_the_expired_grantee_lacks(
        app: Harness) -> None:
    dossier, api = await patient(app)
    a, b = await professional(app), await professional(app, "Dr Paul Martin")
    await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    grant_a = await give(app, dossier, api, a, ["allergies"], seconds=600)
    grant_b = await give(app, dossier, api, b, ["allergies"], write=True, seconds=86_400)
    keys_a = (await open_as(app, a, grant_a)).keys
    old_b = await open_as(app, b, grant_b)

    app.clock.advance(601)  # A's grant expires; the patient's next write notices
    later = await dossier.add("allergies", "allergy", "Latex", "2024-04-01")
    (record,) = await rows(dossier.dossier_id, later.item_id)
    assert record.key_ref == dossier.ring.current(Section.ALLERGIES).ref
    assert record.key_ref not in keys_a.refs
    assert not opens(record, all_keys(keys_a))  # A's keys, whatever the ref, open nothing

    # B's grant was re-sealed (version 2, next generation, same token) with the new version.
    new_b = await open_as(app, b, grant_b)
    assert new_b.keys.current[Section.ALLERGIES] == record.key_ref
    assert {i.title for i in readable(new_b, await rows(dossier.dossier_id))} == {
        "Pénicilline", "Latex"}
    # B writing with the keys it opened before the expiry is refused as stale...
    draft = items.draft("allergies", "allergy", "Arachide", "2024-05-01",
                        author=Author.professional(b.ps_id))
    with pytest.raises(ApiError) as refused:
        await send_item(b.api, b.identity, grant_b.text,
                        seal_for_grant(old_b, draft, created_at=app.clock.now),
                        now=app.clock.now)
    assert (refused.value.status, refused.value.code) == (409, "stale_key")
    # ...and its client re-fetches the re-sealed grant and retries under the new version.
    _, written = await write_item(b.api, b.identity, grant_b.text, "allergies", "allergy",
                                  "Arachide", "2024-05-01", now=app.clock.now, opened=old_b)
    (by_b,) = await rows(dossier.dossier_id, written.item_id)
    assert by_b.key_ref == dossier.ring.current(Section.ALLERGIES).ref
    assert not opens(by_b, all_keys(keys_a))
    assert "Arachide" in {i.title for i in await dossier.list()}
    await close_all(api, a.api, b.api)


async def test_after_a_revocation_the_remaining_writer_is_refused_the_old_key_then_retries(
        app: Harness) -> None:
    dossier, api = await patient(app)
    a, b = await professional(app), await professional(app, "Dr Paul Martin")
    first = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.add("current_treatments", "prescription", "Ibuprofène", "2024-03-02")
    grant_a = await give(app, dossier, api, a, ["allergies"])
    grant_b = await give(app, dossier, api, b, ["allergies", "current_treatments"], write=True)
    keys_a = (await open_as(app, a, grant_a)).keys
    old_b = await open_as(app, b, grant_b)

    await revoke_grant(dossier, api, grant_a.grant_id)  # B remains
    assert dossier.ring.current(Section.ALLERGIES).ref not in keys_a.refs

    # B's next write under the old version is refused...
    draft = items.draft("allergies", "allergy", "Latex", "2024-04-01",
                        author=Author.professional(b.ps_id))
    with pytest.raises(ApiError) as refused:
        await send_item(b.api, b.identity, grant_b.text,
                        seal_for_grant(old_b, draft, created_at=app.clock.now),
                        now=app.clock.now)
    assert (refused.value.status, refused.value.code) == (409, "stale_key")
    # ...B re-fetches the re-sealed grant and writes under the new version...
    opened, written = await write_item(b.api, b.identity, grant_b.text, "allergies",
                                       "allergy", "Latex", "2024-04-01", now=app.clock.now,
                                       opened=old_b)
    (record,) = await rows(dossier.dossier_id, written.item_id)
    assert record.key_ref == dossier.ring.current(Section.ALLERGIES).ref
    assert record.key_ref in opened.keys.refs and record.key_ref not in old_b.keys.refs
    # ...which A cannot open, whatever key of its grant it tries.
    assert not opens(record, all_keys(keys_a))
    with pytest.raises(ApiError) as scan_refused:
        await open_as(app, a, grant_a)
    assert scan_refused.value.status == 403

    # Control: B reads everything it should, old and new, in both sections.
    seen = {i.title for i in readable(opened, await rows(dossier.dossier_id))}
    assert seen == {"Pénicilline", "Ibuprofène", "Latex"}
    assert {i.title for i in await dossier.list()} == seen
    assert (await dossier.get(first.item_id)).title == "Pénicilline"
    await close_all(api, a.api, b.api)


async def test_a_resealed_grant_keeps_its_token_and_the_server_checks_it(
        app: Harness) -> None:
    dossier, api = await patient(app)
    a, b = await professional(app), await professional(app, "Dr Paul Martin")
    grant_a = await give(app, dossier, api, a, ["allergies"])
    grant_b = await give(app, dossier, api, b, ["allergies"], write=True)
    await revoke_grant(dossier, api, grant_a.grant_id)
    listed = {g.grant_id: grant.SignedGrant.decode(g.grant).core
              for g in (await api.get(f"/dossiers/{dossier.dossier_id}/grants",
                                      schemas.GrantList)).grants}
    core = listed[grant_b.grant_id]
    assert (core.version, core.generation) == (grant.VERSION_RESEALED, 1)
    assert core.current_refs == (dossier.ring.current(Section.ALLERGIES).ref,)
    # Uploading the same generation again is a conflict; a re-seal cannot widen the grant.
    def resealed(sections: frozenset[Section], generation: int) -> str:
        signed = grant.issue(
            ring=dossier.ring, dossier_id=dossier.dossier_id, recipient_id=core.recipient_id,
            recipient_sign_public=core.recipient_sign_public,
            recipient_box_public=core.recipient_box_public, sections=sections,
            write=core.write, issued_at=core.issued_at, expires_at=core.expires_at,
            grant_id=core.grant_id, rng=system_random, version=grant.VERSION_RESEALED,
            generation=generation)
        return base64.b64encode(signed.encode()).decode()

    path = f"/dossiers/{dossier.dossier_id}/grants"
    r = await app.call("POST", path, json={"grant": resealed(core.sections, 1)},
                       token=api.session)
    assert_error(r, 409, "conflict")
    r = await app.call("POST", path, json={"grant": resealed(
        frozenset({Section.ALLERGIES, Section.VACCINATIONS}), 2)}, token=api.session)
    assert_error(r, 403, "forbidden")
    # Nor revive a revoked one.
    revoked = grant.reseal(listed[grant_a.grant_id], ring=dossier.ring, rng=system_random)
    r = await app.call("POST", path, json={"grant": base64.b64encode(revoked.encode()).decode()},
                       token=api.session)
    assert_error(r, 403, "token_revoked")
    await close_all(api, a.api, b.api)

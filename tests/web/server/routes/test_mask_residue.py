"""Issue 8, item 3 (P2): masking cannot be undone by the wraps it replaced.

The attack: the database (its WAL, a dead PostgreSQL row, a backup) still holds a masked
item's pre-masking wrap and ciphertext; a grant on its section issued after masking carried
every version of the section key, so that old wrap opened. Now masking re-encrypts the item
under a fresh key wrapped by the mask key and rotates the section with every older version
retired: no key a later grant carries opens anything the item ever had. Real client, real
server (in process), SQLite and PostgreSQL.
"""

from __future__ import annotations

from tests.web.server.routes.api_support import Harness
from tests.web.server.routes.grant_world import (
    all_keys,
    close_all,
    give,
    item_key_with,
    open_as,
    opens,
    opens_ciphertext,
    patient,
    professional,
    readable,
    rows,
)
from vault import Section


async def test_a_grant_issued_after_masking_opens_no_wrap_the_item_ever_had(
        app: Harness) -> None:
    dossier, api = await patient(app)
    doctor = await professional(app)  # holds a grant from before masking
    pharmacist = await professional(app, "Pharmacie Centrale", "pharmacien")
    secret = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.edit(secret.item_id, title="Pénicilline (confirmée)")  # two revisions
    visible = await dossier.add("allergies", "allergy", "Latex", "2024-04-01")
    await dossier.edit(visible.item_id, title="Latex (gants)")
    other = await dossier.add("current_treatments", "prescription", "Ibuprofène", "2024-05-01")
    before = await give(app, dossier, api, doctor, ["allergies"])
    old = await open_as(app, doctor, before)
    assert {i.title for i in readable(old, await rows(dossier.dossier_id))} >= {
        "Pénicilline (confirmée)", "Latex (gants)"}

    # Everything the database holds of the item before masking (the attacker keeps it).
    captured = await rows(dossier.dossier_id, secret.item_id)
    assert len(captured) == 2

    await dossier.mask(secret.item_id)
    current = await rows(dossier.dossier_id, secret.item_id)
    assert {r.ciphertext for r in current}.isdisjoint(r.ciphertext for r in captured)

    after = await give(app, dossier, api, pharmacist, ["allergies", "current_treatments"])
    new = await open_as(app, pharmacist, after)
    new_keys = all_keys(new.keys)
    # No key of the new grant opens any captured wrap or ciphertext, nor the current ones.
    for record in captured + current:
        assert not opens(record, new_keys), (record.item_id, record.revision)
    # Nor does the old grant open the re-encrypted ciphertext, even with the item key it can
    # still unwrap from the captured pre-masking wrap (what it legitimately held).
    old_item_keys = [item_key_with(r, old.keys.keys[Section.ALLERGIES], Section.ALLERGIES)
                     for r in captured]
    for record in current:
        assert not opens(record, all_keys(old.keys))
        assert not opens_ciphertext(record, old_item_keys)

    # Control: the unmasked items of the section (every revision rewrapped under the new
    # version) and of the other section still open with the new grant, and the patient
    # still reads everything.
    titles = {i.title for i in readable(new, await rows(dossier.dossier_id))}
    assert titles == {"Latex (gants)", "Latex", "Ibuprofène"}
    new_items = [r for r in await rows(dossier.dossier_id) if r.item_id != secret.item_id]
    assert all(r.key_ref in new.keys.refs for r in new_items)
    scanned = await open_as(app, pharmacist, after)
    assert scanned.keys.refs == new.keys.refs
    assert {(i.title, i.masked) for i in await dossier.list()} == {
        ("Pénicilline (confirmée)", True), ("Latex (gants)", False), ("Ibuprofène", False)}
    assert [i.title for i in await dossier.history(secret.item_id)] == [
        "Pénicilline", "Pénicilline (confirmée)"]
    assert other.item_id in {r.item_id for r in new_items}
    await close_all(api, doctor.api, pharmacist.api)


async def test_the_grant_from_before_masking_is_resealed_and_still_reads_the_rest(
        app: Harness) -> None:
    dossier, api = await patient(app)
    doctor = await professional(app)
    secret = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.add("allergies", "allergy", "Latex", "2024-04-01")
    issued = await give(app, dossier, api, doctor, ["allergies"], write=True)
    await open_as(app, doctor, issued)

    await dossier.mask(secret.item_id)
    # The next write (or session) re-seals the new version to the grantee who remains.
    await dossier.add("allergies", "allergy", "Arachide", "2024-06-01")
    again = await open_as(app, doctor, issued)
    assert again.keys.current[Section.ALLERGIES] == dossier.ring.current(Section.ALLERGIES).ref
    assert not dossier.ring.retired(Section.ALLERGIES) & set(again.keys.refs)
    seen = readable(again, await rows(dossier.dossier_id))
    assert {i.title for i in seen} == {"Latex", "Arachide"}
    # Unmasking puts it back under the current version: the grantee reads it again.
    await dossier.unmask(secret.item_id)
    assert "Pénicilline" in {i.title for i in readable(again, await rows(dossier.dossier_id))}
    await close_all(api, doctor.api)

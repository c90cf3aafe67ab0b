"""The batch decrypt path (``vault.itembox.open_records``, issue 14 item 3): a listing opens
what it did one item at a time, masked items included, and one bad item hides no other."""

from __future__ import annotations

import dataclasses

from vault import Dossier, MemoryStore
from vault.itembox import open_record, open_records
from vault.keyring import KeyLookup
from vault.store import all_items


async def test_a_batch_opens_what_one_by_one_opens_and_isolates_bad_items(
        dossier: Dossier) -> None:
    kept = await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01",
                             {"reaction": "urticaire", "grade": 2.5})
    masked = await dossier.add("exam_results", "lab_result", "Bilan", "2024-02-01",
                               {"text": "résultat " * 20})
    other = await dossier.add("personal_notes", "note", "Note", "2024-03-01")
    await dossier.mask(masked.item_id)
    records = await all_items(dossier._store, dossier.dossier_id)
    one_by_one = {r.item_id: open_record(r, dossier.ring.lookup(r.key_ref)) for r in records}
    assert one_by_one[masked.item_id].masked and not one_by_one[kept.item_id].masked

    def lookup(ref: str) -> KeyLookup | None:
        return dossier.ring.lookup(ref)

    found, unreadable = open_records(records, lookup)
    assert {i.item_id: i for i in found} == one_by_one and unreadable == []

    # A tampered ciphertext, and a wrap moved to another item's place: both unreadable,
    # the rest still opens.
    by_id = {r.item_id: r for r in records}
    flipped = by_id[kept.item_id].ciphertext[:-1] + bytes([by_id[kept.item_id].ciphertext[-1] ^ 1])
    hostile = [dataclasses.replace(by_id[kept.item_id], ciphertext=flipped),
               dataclasses.replace(by_id[other.item_id],
                                   wrapped_key=by_id[masked.item_id].wrapped_key),
               by_id[masked.item_id]]
    found, unreadable = open_records(hostile, lookup)
    assert [i.item_id for i in found] == [masked.item_id]
    assert sorted(unreadable) == sorted([kept.item_id, other.item_id])

    # A key the caller does not hold: left out (a grant), or unreadable (the patient's own).
    def only_mask_unknown(ref: str) -> KeyLookup | None:
        return None if ref == dossier.ring.mask_ref else dossier.ring.lookup(ref)

    found, unreadable = open_records(records, only_mask_unknown)
    assert masked.item_id not in {i.item_id for i in found} and unreadable == []
    found, unreadable = open_records(records, only_mask_unknown, unknown_unreadable=True)
    assert unreadable == [masked.item_id]
    assert {i.item_id for i in found} == {kept.item_id, other.item_id}


async def test_a_listing_reports_the_item_it_could_not_open(dossier: Dossier,
                                                            memory_store: MemoryStore) -> None:
    good = await dossier.add("allergies", "allergy", "Iode", "2021-01-01")
    bad = await dossier.add("allergies", "allergy", "Latex", "2022-01-01")
    store = memory_store
    record = (await store.revisions(dossier.dossier_id, bad.item_id))[-1]
    # Another item's ciphertext under this item's wrap: the associated data differs.
    good_record = (await store.revisions(dossier.dossier_id, good.item_id))[-1]
    store._items[dossier.dossier_id][bad.item_id][-1] = dataclasses.replace(
        record, ciphertext=good_record.ciphertext)
    listed = await dossier.list()
    assert [i.item_id for i in listed] == [good.item_id]
    assert dossier.unreadable == [bad.item_id]

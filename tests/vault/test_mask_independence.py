"""A section mask and item masks are independent (issue 10 item 2): unmasking a section
restores exactly the item masks set before, on every store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import msgspec
import pytest

from tests.support import Clock
from tests.vault.conftest import PASSPHRASE
from vault import Dossier, NotAllowed, Section, keyring
from vault.crypto import system_random
from vault.store import DossierStore


async def _masked_ids(d: Dossier) -> set[str]:
    return {i.item_id for i in await d.list() if i.masked}


async def test_unmasking_a_section_keeps_the_items_masked_on_their_own(
        dossier_store: DossierStore, clock: Clock) -> None:
    d, _ = await Dossier.create(dossier_store, PASSPHRASE, clock=clock)
    own = await d.add("medical_history", "condition", "VIH", "2021-01-01")
    other = await d.add("medical_history", "condition", "Asthme", "2019-01-01")
    elsewhere = await d.add("allergies", "allergy", "Latex", "2020-01-01")
    await d.mask(own.item_id)
    assert await d.mask_section("medical_history") == 1  # the one not masked yet
    assert await _masked_ids(d) == {own.item_id, other.item_id}
    # Unmasking a section never masked, then the masked one: the item mask stays.
    assert await d.unmask_section("allergies") == 0
    assert await d.unmask_section("medical_history") == 1
    assert await _masked_ids(d) == {own.item_id}
    for record in await dossier_store.revisions(d.dossier_id, own.item_id):
        assert record.key_ref == d.ring.mask_ref
    # Another session reads the same from the stored keyring; the item unmasks on its own.
    again = await Dossier.unlock(dossier_store, d.dossier_id, PASSPHRASE, clock=clock)
    assert again.ring.masked_items == {own.item_id}
    await again.unmask(own.item_id)
    assert await _masked_ids(again) == set()
    assert elsewhere.item_id not in again.ring.masked_items


async def test_an_item_masked_inside_a_masked_section_stays_masked_after_it(
        dossier_store: DossierStore, clock: Clock) -> None:
    d, _ = await Dossier.create(dossier_store, PASSPHRASE, clock=clock)
    first = await d.add("personal_notes", "note", "Journal", "2025-01-01")
    await d.mask_section("personal_notes")
    later = await d.add("personal_notes", "note", "Secret", "2025-01-02")
    with pytest.raises(NotAllowed):  # the whole section is masked
        await d.unmask(later.item_id)
    await d.mask(later.item_id)  # recorded, though already under the mask key
    assert later.item_id in d.ring.masked_items
    edited = await d.edit(later.item_id, title="Secret (2)")
    assert edited.masked
    assert await d.unmask_section("personal_notes") == 1
    assert await _masked_ids(d) == {later.item_id}
    assert not (await d.get(first.item_id)).masked
    # Masking the section again and unmasking it: the same item mask, nothing more.
    await d.mask_section("personal_notes")
    await d.unmask_section("personal_notes")
    assert await _masked_ids(d) == {later.item_id}


async def test_item_masks_from_before_the_record_survive_a_section_round_trip(
        dossier_store: DossierStore, clock: Clock) -> None:
    """A keyring from before ``masked_items``: its masked items are found by their key
    when the section is masked, and recorded then."""
    d, _ = await Dossier.create(dossier_store, PASSPHRASE, clock=clock)
    old = await d.add("care_history", "consultation_report", "Psy", "2023-01-01")
    plain = await d.add("care_history", "consultation_report", "ORL", "2023-02-01")
    await d.mask(old.item_id)
    await d._save_ring(d.ring.with_items_masked(frozenset({old.item_id}), False))  # old format
    await d.mask_section("care_history")
    assert old.item_id in d.ring.masked_items
    await d.unmask_section("care_history")
    assert await _masked_ids(d) == {old.item_id}
    assert not (await d.get(plain.item_id)).masked


def test_keyring_masked_items_round_trip_and_old_keyrings_decode() -> None:
    ring = keyring.Keyring.new(system_random)
    plain = keyring.encode(ring)
    assert b"masked_items" not in plain  # absent while empty: the older bytes, unchanged
    assert keyring.decode(plain).masked_items == frozenset()
    marked = ring.with_items_masked(frozenset({"a" * 32, "b" * 32}), True)
    assert keyring.decode(keyring.encode(marked)).masked_items == {"a" * 32, "b" * 32}
    # An older keyring (no such field) decodes, with no item mask recorded.
    fields = msgspec.msgpack.decode(plain[1:])
    assert "masked_items" not in fields
    assert keyring.decode(plain[:1] + msgspec.msgpack.encode(fields)).masked_items == set()
    assert keyring.encode(marked.with_items_masked(frozenset({"a" * 32, "b" * 32}),
                                                   False)) == plain
    assert Section.ALLERGIES not in marked.masked_sections

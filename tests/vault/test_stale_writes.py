"""Stale writes are refused, not merged silently (issue 9 item 2, P16), on every store
(memory, SQLite, PostgreSQL: the ``dossier_store`` fixture of tests/conftest.py).

First the store's own checks (a write names the keyring version and the revision it was
based on), then two devices of one patient (two ``Dossier`` objects over one store) racing,
interleaved deterministically by ``tests.vault.racing.RacingStore``."""

from __future__ import annotations

from typing import cast

import pytest

from tests.support import Clock
from tests.vault.conftest import PASSPHRASE
from tests.vault.racing import RacingStore
from tests.vault.test_store_contract import make_item, new_dossier, new_id
from vault import Dossier, NotAllowed, Section
from vault.errors import (
    Conflict,
    InvalidInput,
    ItemGone,
    NotFound,
    StaleKeyring,
    StaleRevision,
)
from vault.records import Rewrap
from vault.store import DossierStore


# ----------------------------------------------------------------------------- the store
async def test_item_writes_based_on_an_older_keyring_or_revision_are_refused(
        dossier_store: DossierStore) -> None:
    d = (await new_dossier(dossier_store)).dossier_id
    item_id = new_id()
    await dossier_store.put_item(make_item(d, item_id), keyring_version=1, base_revision=None)
    assert await dossier_store.put_keyring(d, b"keyring v2", 1) == 2
    # Based on keyring 1, now 2: refused, nothing written.
    with pytest.raises(StaleKeyring):
        await dossier_store.put_item(make_item(d, item_id, 2), keyring_version=1,
                                     base_revision=1)
    with pytest.raises(StaleKeyring):
        await dossier_store.put_item(make_item(d, new_id()), keyring_version=1,
                                     base_revision=None)
    await dossier_store.put_item(make_item(d, item_id, 2), keyring_version=2, base_revision=1)
    # Based on revision 1 while 2 is the latest (changed on another device): refused.
    with pytest.raises(StaleRevision):
        await dossier_store.put_item(make_item(d, item_id, 3), keyring_version=2,
                                     base_revision=1)
    with pytest.raises(StaleRevision):  # the same revision number written meanwhile
        await dossier_store.put_item(make_item(d, item_id, 2), keyring_version=2,
                                     base_revision=1)
    # A new item whose id exists, a revision that does not follow its base: refused.
    with pytest.raises(Conflict):
        await dossier_store.put_item(make_item(d, item_id), keyring_version=2,
                                     base_revision=None)
    with pytest.raises(InvalidInput):
        await dossier_store.put_item(make_item(d, item_id, 4), keyring_version=2,
                                     base_revision=2)
    assert [r.revision for r in await dossier_store.revisions(d, item_id)] == [1, 2]
    # Deleted on another device: an edit based on it is refused, the item does not return.
    await dossier_store.delete_item(d, item_id, keyring_version=2, base_revision=2)
    with pytest.raises(ItemGone):
        await dossier_store.put_item(make_item(d, item_id, 3), keyring_version=2,
                                     base_revision=2)
    with pytest.raises(NotFound):
        await dossier_store.revisions(d, item_id)


async def test_deletions_and_rewraps_based_on_older_state_are_refused(
        dossier_store: DossierStore) -> None:
    d = (await new_dossier(dossier_store)).dossier_id
    item_id = new_id()
    await dossier_store.put_item(make_item(d, item_id), keyring_version=1, base_revision=None)
    await dossier_store.put_item(make_item(d, item_id, 2), keyring_version=1, base_revision=1)
    change = Rewrap(item_id, 1, "mask-ref", b"w" * 72)
    await dossier_store.put_keyring(d, b"keyring v2", 1)
    with pytest.raises(StaleKeyring):
        await dossier_store.rewrap(d, [change], keyring_version=1)
    with pytest.raises(StaleKeyring):
        await dossier_store.delete_item(d, item_id, keyring_version=1, base_revision=2)
    with pytest.raises(StaleRevision):
        await dossier_store.delete_item(d, item_id, keyring_version=2, base_revision=1)
    assert [r.key_ref for r in await dossier_store.revisions(d, item_id)] == [
        "section:allergies"] * 2
    await dossier_store.rewrap(d, [change], keyring_version=2)
    assert (await dossier_store.revisions(d, item_id))[0].key_ref == "mask-ref"
    await dossier_store.delete_item(d, item_id, keyring_version=2, base_revision=2)
    with pytest.raises(ItemGone):
        await dossier_store.delete_item(d, item_id, keyring_version=2, base_revision=2)
    with pytest.raises(NotFound):  # unchecked (no base): as before
        await dossier_store.delete_item(d, item_id)


async def test_a_stale_keyring_swap_is_a_stale_keyring_and_a_conflict(
        dossier_store: DossierStore) -> None:
    d = (await new_dossier(dossier_store)).dossier_id
    await dossier_store.put_keyring(d, b"v2", 1)
    with pytest.raises(StaleKeyring) as refused:
        await dossier_store.put_keyring(d, b"v2 from another device", 1)
    assert isinstance(refused.value, Conflict) and refused.value.code == "stale_keyring"
    assert (await dossier_store.keyring(d)).blob == b"v2"


async def test_unchecked_writes_keep_their_old_rules(dossier_store: DossierStore) -> None:
    """A professional's write names no keyring version (the server checks its key against
    the grant instead): the store's checks are those from before."""
    d = (await new_dossier(dossier_store)).dossier_id
    item_id = new_id()
    await dossier_store.put_keyring(d, b"v2", 1)
    await dossier_store.put_item(make_item(d, item_id))
    with pytest.raises(Conflict):
        await dossier_store.put_item(make_item(d, item_id))
    await dossier_store.rewrap(d, [Rewrap(item_id, 1, "other-ref", b"w" * 72)])
    await dossier_store.delete_item(d, item_id)


# ----------------------------------------------------------------------------- two devices
async def _devices(store: DossierStore, clock: Clock) -> tuple[Dossier, Dossier, RacingStore]:
    """Device A, and device B (unlocked now, so its keyring is what A's was) over a racing
    wrapper of the same store."""
    a, _ = await Dossier.create(store, PASSPHRASE, clock=clock)
    racing = RacingStore(store)
    b = await Dossier.unlock(cast(DossierStore, racing), a.dossier_id, PASSPHRASE, clock=clock)
    return a, b, racing


async def test_mask_vs_edit_lands_masked_with_the_edit(dossier_store: DossierStore,
                                                       clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    x = await a.add("medical_history", "condition", "VIH", "2021-01-01")
    await b.refresh()
    racing.race = lambda: a.mask(x.item_id)  # A masks X between B's read and B's write
    edited = await b.edit(x.item_id, title="VIH (suivi)")
    assert [type(e) for e in racing.refusals] == [StaleKeyring]  # B's first write refused
    assert edited.masked and edited.revision == 2
    got = await a.get(x.item_id)
    assert got.title == "VIH (suivi)" and got.masked
    for record in await dossier_store.revisions(a.dossier_id, x.item_id):
        assert record.key_ref == a.ring.mask_ref  # no revision under a section key


async def test_delete_vs_edit_tells_the_editor_and_the_item_stays_deleted(
        dossier_store: DossierStore, clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    x = await a.add("allergies", "allergy", "Latex", "2024-01-01")
    racing.race = lambda: a.delete(x.item_id)
    with pytest.raises(ItemGone, match="deleted on another device"):
        await b.edit(x.item_id, title="Latex (confirmé)")
    assert [type(e) for e in racing.refusals] == [ItemGone]
    with pytest.raises(NotFound):
        await dossier_store.revisions(a.dossier_id, x.item_id)
    # Based on what the patient saw: the edit and the deletion say so without writing.
    with pytest.raises(ItemGone):
        await b.edit(x.item_id, title="again", base_revision=1)
    with pytest.raises(ItemGone):
        await b.delete(x.item_id, base_revision=1)


async def test_edit_vs_edit_and_delete_vs_edit_merge_nothing(dossier_store: DossierStore,
                                                             clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    x = await a.add("allergies", "allergy", "Latex", "2024-01-01")
    racing.race = lambda: a.edit(x.item_id, title="from A")
    with pytest.raises(StaleRevision, match="changed on another device"):
        await b.edit(x.item_id, title="from B")
    assert [type(e) for e in racing.refusals] == [StaleRevision]
    assert [i.title for i in await a.history(x.item_id)] == ["Latex", "from A"]
    racing.race = lambda: a.edit(x.item_id, title="from A again")
    with pytest.raises(StaleRevision):
        await b.delete(x.item_id)
    assert (await a.get(x.item_id)).title == "from A again"
    with pytest.raises(StaleRevision):  # B saw revision 1: the item moved on since
        await b.edit(x.item_id, title="from B", base_revision=1)


async def test_stale_add_to_a_section_masked_meanwhile_lands_masked(
        dossier_store: DossierStore, clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    racing.race = lambda: _mask_section(a, "personal_notes")
    added = await b.add("personal_notes", "note", "Journal", "2025-01-01")
    assert [type(e) for e in racing.refusals] == [StaleKeyring]
    assert added.masked
    (record,) = await dossier_store.revisions(a.dossier_id, added.item_id)
    assert record.key_ref == a.ring.mask_ref


async def _mask_section(d: Dossier, section: str) -> None:
    await d.mask_section(section)


async def test_stale_write_after_a_rotation_uses_the_new_key(dossier_store: DossierStore,
                                                             clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    held = set(a.ring.section_keys(Section.ALLERGIES))  # what a revoked grant carried
    racing.race = lambda: a.rotate_now(frozenset({Section.ALLERGIES}))
    added = await b.add("allergies", "allergy", "Arachide", "2025-01-01")
    assert [type(e) for e in racing.refusals] == [StaleKeyring]
    (record,) = await dossier_store.revisions(a.dossier_id, added.item_id)
    assert record.key_ref == a.ring.current(Section.ALLERGIES).ref
    assert record.key_ref not in held
    # B rotated nothing more itself: A's rotation stands (one new version, not two).
    assert len(a.ring.all_section_keys(Section.ALLERGIES)) == len(held) + 1


async def test_a_stale_unmask_cannot_lift_a_section_mask(dossier_store: DossierStore,
                                                         clock: Clock) -> None:
    a, b, racing = await _devices(dossier_store, clock)
    x = await a.add("personal_notes", "note", "Journal", "2025-01-01")
    await a.mask(x.item_id)
    await b.refresh()
    racing.race = lambda: _mask_section(a, "personal_notes")
    with pytest.raises(NotAllowed):  # B reloads the keyring: the section is masked now
        await b.unmask(x.item_id)
    assert StaleKeyring in [type(e) for e in racing.refusals]
    assert (await a.get(x.item_id)).masked


async def test_a_keyring_that_keeps_moving_gives_up_after_a_few_attempts(
        dossier_store: DossierStore, clock: Clock) -> None:
    a, b, _ = await _devices(dossier_store, clock)

    class Busy(RacingStore):
        async def put_item(self, *args: object, **kwargs: object) -> None:
            await a.rotate_now(frozenset({Section.ALLERGIES}))  # before every attempt
            await self.inner.put_item(*args, **kwargs)

    busy = Busy(dossier_store)
    b._store = cast(DossierStore, busy)
    with pytest.raises(StaleKeyring):
        await b.add("allergies", "allergy", "Arachide", "2025-01-01")
    assert await a.list() == []

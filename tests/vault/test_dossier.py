"""The dossier as a patient uses it: items, revisions, attachments, masking, recovery, closure."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from tests.conftest import store_row_count
from tests.support import Clock
from tests.vault.conftest import PASSPHRASE
from vault import (
    Dossier,
    InvalidInput,
    KeyLookup,
    LimitExceeded,
    MemoryStore,
    NewAttachment,
    NotAllowed,
    Section,
    UnlockFailed,
    envelope,
    itembox,
    open_archive,
    tombstone,
)
from vault import dossier as dossier_mod
from vault.crypto import system_random
from vault.errors import DecryptionFailed, DossierClosed, WeakParameters
from vault.items import Author
from vault.records import SLOT_PASSPHRASE
from vault.store import DossierStore


async def test_add_list_get_and_own_marker(dossier: Dossier) -> None:
    a = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01",
                          {"substance": "penicillin", "reaction": "urticaria"})
    b = await dossier.add(Section.BLOOD_GROUP, "blood_group", "A+", "2020-01-01", {"abo": "A"})
    listed = await dossier.list()
    assert {i.item_id for i in listed} == {a.item_id, b.item_id}
    assert [i.item_id for i in await dossier.list("allergies")] == [a.item_id]
    got = await dossier.get(a.item_id)
    assert got.title == "Pénicilline" and got.body["reaction"] == "urticaria"
    assert got.own and got.author == Author.patient() and got.revision == 1


async def test_professional_author_is_not_own(dossier: Dossier) -> None:
    item = await dossier.add("care_history", "consultation_report", "Consultation", "2025-02-02",
                             {"text": "RAS"}, author=Author.professional("810000000001"))
    assert not (await dossier.get(item.item_id)).own
    with pytest.raises(NotAllowed):
        await dossier.edit(item.item_id, title="changed")


async def test_edit_keeps_old_revisions(dossier: Dossier) -> None:
    item = await dossier.add("medical_history", "condition", "Asthme", "2019-05-05")
    await dossier.edit(item.item_id, title="Asthme allergique")
    await dossier.edit(item.item_id, body={"severity": "mild"})
    history = await dossier.history(item.item_id)
    assert [h.revision for h in history] == [1, 2, 3]
    assert [h.title for h in history] == ["Asthme", "Asthme allergique", "Asthme allergique"]
    assert (await dossier.get(item.item_id)).body == {"severity": "mild"}
    assert (await dossier.get(item.item_id, revision=1)).title == "Asthme"
    assert len(await dossier.list()) == 1


async def test_delete_removes_every_revision_and_attachment(dossier: Dossier,
                                                            memory_store: MemoryStore) -> None:
    item = await dossier.add("exam_results", "lab_result", "NFS", "2025-01-01",
                             attachment=NewAttachment("nfs.pdf", "application/pdf", b"%PDF" * 10))
    await dossier.edit(item.item_id, title="NFS (complète)")
    before = await memory_store.row_count(dossier.dossier_id)
    await dossier.delete(item.item_id)
    assert await memory_store.row_count(dossier.dossier_id) == before - 3  # 2 revisions + 1 chunk
    assert await dossier.list() == []


@pytest.mark.parametrize("size", [0, 1, 64 * 1024, 64 * 1024 + 1, 200_000])
async def test_attachment_roundtrip_in_chunks(dossier: Dossier, size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    item = await dossier.add("exam_results", "imaging", "IRM", "2025-01-01",
                             attachment=NewAttachment("irm.png", "image/png", data))
    assert item.attachment is not None
    assert item.attachment.chunks == max(1, -(-size // (64 * 1024)))
    assert await dossier.attachment(await dossier.get(item.item_id)) == data
    # The attachment survives a revision that does not replace it.
    await dossier.edit(item.item_id, title="IRM lombaire")
    assert await dossier.attachment(await dossier.get(item.item_id)) == data


async def test_attachment_chunks_cannot_be_reordered_or_dropped(
        dossier: Dossier, memory_store: MemoryStore) -> None:
    data = bytes(range(256)) * 600  # 3 chunks
    item = await dossier.add("exam_results", "imaging", "Scanner", "2025-01-01",
                             attachment=NewAttachment("s.png", "image/png", data))
    assert item.attachment is not None
    blobs = await memory_store.chunks(dossier.dossier_id, item.attachment.id)
    from vault import attachments
    for bad in (blobs[:-1], [blobs[1], blobs[0], blobs[2]], [blobs[0], blobs[1], blobs[1]]):
        with pytest.raises(DecryptionFailed):
            attachments.open_(item.attachment, bad, dossier_id=dossier.dossier_id)
    with pytest.raises(DecryptionFailed):
        attachments.open_(item.attachment, blobs, dossier_id="0" * 32)


# ----------------------------------------------------------------------------- masking (P2)
async def test_masked_item_cannot_be_opened_with_any_section_key(
        dossier: Dossier, memory_store: MemoryStore) -> None:
    item = await dossier.add("medical_history", "condition", "VIH", "2021-01-01",
                             {"note": "confidentiel"})
    await dossier.edit(item.item_id, body={"note": "suivi"})
    await dossier.mask(item.item_id)
    ring = dossier.ring
    grantable = {ref: key for s in Section for ref, key in ring.section_keys(s).items()}
    assert ring.mask_ref not in grantable and ring.mask_key not in grantable.values()
    for record in await memory_store.revisions(dossier.dossier_id, item.item_id):
        assert record.key_ref == ring.mask_ref
        for (ref, key), section in itertools.product(grantable.items(), Section):
            lookup = KeyLookup(ref, key, section)
            with pytest.raises(DecryptionFailed):
                itembox.unwrap_item_key(record, lookup, section)
    # The patient still reads it, marked as masked.
    got = await dossier.get(item.item_id)
    assert got.masked and got.body == {"note": "suivi"}
    await dossier.unmask(item.item_id)
    assert not (await dossier.get(item.item_id)).masked
    for record in await memory_store.revisions(dossier.dossier_id, item.item_id):
        assert record.key_ref == ring.current(Section.MEDICAL_HISTORY).ref


async def test_mask_section_masks_existing_and_future_items(dossier: Dossier) -> None:
    first = await dossier.add("personal_notes", "note", "Journal", "2025-01-01")
    other = await dossier.add("allergies", "allergy", "Arachide", "2025-01-01")
    assert await dossier.mask_section("personal_notes") == 1
    later = await dossier.add("personal_notes", "note", "Encore", "2025-01-02")
    assert (await dossier.get(first.item_id)).masked and later.masked
    assert not (await dossier.get(other.item_id)).masked
    with pytest.raises(NotAllowed):
        await dossier.unmask(first.item_id)
    # Editing a masked item keeps it masked.
    edited = await dossier.edit(later.item_id, title="Encore (2)")
    assert edited.masked
    assert await dossier.unmask_section("personal_notes") == 2
    assert not any(i.masked for i in await dossier.list())


async def test_item_moved_to_other_section_dossier_or_revision_fails(
        dossier: Dossier, memory_store: MemoryStore, clock: Clock) -> None:
    item = await dossier.add("allergies", "allergy", "Latex", "2025-01-01")
    (record,) = await memory_store.revisions(dossier.dossier_id, item.item_id)
    ring = dossier.ring
    allergies = ring.current(Section.ALLERGIES)
    item_key = itembox.unwrap_item_key(record, allergies, Section.ALLERGIES)
    # Another section: even a client holding both keys cannot open it there.
    other = ring.current(Section.PERSONAL_NOTES)
    moved = replace(record, key_ref=other.ref)
    with pytest.raises(DecryptionFailed):
        itembox.unwrap_item_key(moved, other, Section.PERSONAL_NOTES)
    with pytest.raises(DecryptionFailed):
        itembox.open_item_with_key(record, item_key, Section.PERSONAL_NOTES)
    # Another revision number or another dossier.
    for changed in (replace(record, revision=2), replace(record, dossier_id="ab" * 16),
                    replace(record, item_id="cd" * 16)):
        with pytest.raises(DecryptionFailed):
            itembox.unwrap_item_key(changed, allergies, Section.ALLERGIES)
        with pytest.raises(DecryptionFailed):
            itembox.open_item_with_key(changed, item_key, Section.ALLERGIES)
    # Put into another dossier's store: the other patient's keyring cannot open it.
    other_dossier, _ = await Dossier.create(memory_store, "another one", clock=clock)
    await memory_store.put_item(replace(record, dossier_id=other_dossier.dossier_id))
    with pytest.raises(LookupError):
        await other_dossier.get(record.item_id)


# ----------------------------------------------------------------------------- recovery (P10)
async def test_unlock_change_passphrase_and_recover(created: tuple[Dossier, str],
                                                    memory_store: MemoryStore,
                                                    clock: Clock) -> None:
    dossier, code = created
    item = await dossier.add("blood_group", "blood_group", "O-", "2020-01-01")
    again = await Dossier.unlock(memory_store, dossier.dossier_id, PASSPHRASE, clock=clock)
    assert (await again.get(item.item_id)).title == "O-"
    # NFKC: a composed and a decomposed é are the same passphrase.
    await again.change_passphrase("caf\u00e9 au lait 2025")
    reopened = await Dossier.unlock(memory_store, dossier.dossier_id, "cafe\u0301 au lait 2025",
                                    clock=clock)
    assert (await reopened.get(item.item_id)).title == "O-"
    with pytest.raises(UnlockFailed):
        await Dossier.unlock(memory_store, dossier.dossier_id, PASSPHRASE, clock=clock)
    # Lost passphrase: the recovery code sets a new one.
    recovered = await Dossier.recover(memory_store, dossier.dossier_id, code.lower(),
                                      "brand new passphrase", clock=clock)
    assert (await recovered.get(item.item_id)).title == "O-"
    await Dossier.unlock(memory_store, dossier.dossier_id, "brand new passphrase", clock=clock)


async def test_wrong_secrets_fail_with_one_opaque_error(created: tuple[Dossier, str],
                                                        memory_store: MemoryStore,
                                                        clock: Clock) -> None:
    dossier, code = created
    _, other_code = await Dossier.create(memory_store, "other patient", clock=clock)
    errors = []
    for attempt in ("wrong passphrase", "", PASSPHRASE + " "):
        with pytest.raises(UnlockFailed) as info:
            await Dossier.unlock(memory_store, dossier.dossier_id, attempt, clock=clock)
        errors.append(str(info.value))
    with pytest.raises(UnlockFailed) as info:  # a real code, but another dossier's
        await Dossier.recover(memory_store, dossier.dossier_id, other_code, "x", clock=clock)
    errors.append(str(info.value))
    assert len(set(errors)) == 1
    assert "passphrase or recovery code" in errors[0]
    # A mistyped code is caught by its checksum before any key work.
    typo = ("Z" if code[0] != "Z" else "Y") + code[1:]
    with pytest.raises(InvalidInput, match="typing mistake"):
        await Dossier.recover(memory_store, dossier.dossier_id, typo, "x", clock=clock)


async def test_new_recovery_code_replaces_old(created: tuple[Dossier, str],
                                              memory_store: MemoryStore, clock: Clock) -> None:
    dossier, code = created
    new_code = await dossier.new_recovery_code()
    assert new_code != code
    with pytest.raises(UnlockFailed):
        await Dossier.recover(memory_store, dossier.dossier_id, code, "p", clock=clock)
    await Dossier.recover(memory_store, dossier.dossier_id, new_code, "p", clock=clock)


async def test_lowered_kdf_parameters_are_refused(dossier: Dossier, memory_store: MemoryStore,
                                                  clock: Clock) -> None:
    slot = await memory_store.slot(dossier.dossier_id, SLOT_PASSPHRASE)
    await memory_store.put_slots(dossier.dossier_id, [replace(slot, memlimit=8 * 1024 * 1024)])
    with pytest.raises(WeakParameters):
        await Dossier.unlock(memory_store, dossier.dossier_id, PASSPHRASE, clock=clock)


async def test_recovery_code_shape(created: tuple[Dossier, str]) -> None:
    _, code = created
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)


# ----------------------------------------------------------------------------- closure (P8)
async def test_close_shreds_everything_but_a_signed_tombstone(
        created: tuple[Dossier, str], memory_store: MemoryStore, clock: Clock) -> None:
    dossier, code = created
    await dossier.add("allergies", "allergy", "Iode", "2024-01-01", {"k": "v"},
                      attachment=NewAttachment("a.pdf", "application/pdf", b"x" * 70_000))
    masked = await dossier.add("personal_notes", "note", "Secret", "2024-01-02")
    await dossier.mask(masked.item_id)
    await dossier.edit(masked.item_id, title="Secret (2)")
    archive = await dossier.export_archive()
    clock.advance(60)
    stone = await dossier.close()
    assert await memory_store.row_count(dossier.dossier_id) == 0
    record = await memory_store.tombstone(dossier.dossier_id)
    assert record is not None
    decoded = tombstone.decode(record.blob)
    assert decoded == stone and decoded.verify() and decoded.closed_at == clock.now
    assert not replace(decoded, closed_at=decoded.closed_at + 1).verify()
    with pytest.raises(DossierClosed):
        await Dossier.unlock(memory_store, dossier.dossier_id, PASSPHRASE, clock=clock)
    with pytest.raises(NotAllowed):
        await dossier.list()
    # The archive still opens, with the passphrase or the code, and imports into a new dossier.
    contents = open_archive(archive, passphrase=PASSPHRASE)
    assert open_archive(archive, recovery_code=code).entries == contents.entries
    assert len(contents.entries) == 3
    fresh, _ = await Dossier.create(memory_store, "new life", clock=clock)
    assert await fresh.import_archive(contents) == 3
    items = {i.title: i for i in await fresh.list()}
    assert set(items) == {"Iode", "Secret (2)"}
    assert items["Secret (2)"].masked and not items["Iode"].masked
    assert await fresh.attachment(items["Iode"]) == b"x" * 70_000
    assert len(await fresh.history(items["Secret (2)"].item_id)) == 2
    with pytest.raises(UnlockFailed):
        open_archive(archive, passphrase="wrong")


async def test_closed_id_cannot_be_reused(dossier: Dossier, memory_store: MemoryStore,
                                          clock: Clock) -> None:
    record = await memory_store.dossier(dossier.dossier_id)
    await dossier.close()
    with pytest.raises(DossierClosed):
        await memory_store.create(record, [], b"")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("args", "error", "words"), [
    (("nowhere", "note", "t", "2024-01-01"), InvalidInput, "unknown section"),
    (("allergies", "prescription", "t", "2024-01-01"), InvalidInput, "not accepted"),
    (("allergies", "allergy", "   ", "2024-01-01"), InvalidInput, "must not be empty"),
    (("allergies", "allergy", "x" * 201, "2024-01-01"), LimitExceeded, "longer than"),
    (("allergies", "allergy", 42, "2024-01-01"), InvalidInput, "must be text"),
    (("allergies", "allergy", "t", "01/02/2024"), InvalidInput, "ISO date"),
    (("allergies", "allergy", "t", "2024-01-01", ["not", "a", "dict"]), InvalidInput, "object"),
    (("allergies", "allergy", "t", "2024-01-01", {"b": "x" * 300_000}), LimitExceeded, "KiB"),
    (("allergies", "allergy", "bad\x00title", "2024-01-01"), InvalidInput, "control"),
])
async def test_bad_input_is_refused_and_nothing_is_written(
        dossier: Dossier, memory_store: MemoryStore, args: tuple[object, ...],
        error: type[Exception], words: str) -> None:
    before = await memory_store.row_count(dossier.dossier_id)
    with pytest.raises(error, match=words):
        await dossier.add(*args)
    assert await memory_store.row_count(dossier.dossier_id) == before


async def test_bad_attachments_are_refused_and_nothing_is_written(
        dossier: Dossier, memory_store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    before = await memory_store.row_count(dossier.dossier_id)
    with pytest.raises(InvalidInput, match="attachment type"):
        await dossier.add("exam_results", "imaging", "x", "2024-01-01",
                          attachment=NewAttachment("x.exe", "application/x-msdownload", b"MZ"))
    monkeypatch.setattr(dossier_mod, "ATTACHMENT_MAX_BYTES", 1000)
    with pytest.raises(LimitExceeded):
        await dossier.add("exam_results", "imaging", "x", "2024-01-01",
                          attachment=NewAttachment("x.png", "image/png", b"x" * 1001))
    assert await memory_store.row_count(dossier.dossier_id) == before


async def test_tampered_ciphertext_in_store_fails_closed(dossier: Dossier,
                                                         memory_store: MemoryStore) -> None:
    item = await dossier.add("allergies", "allergy", "Aspirine", "2024-01-01")
    (record,) = await memory_store.revisions(dossier.dossier_id, item.item_id)
    flipped = bytearray(record.ciphertext)
    flipped[len(envelope.VERSION.to_bytes(1, "big")) + 30] ^= 1
    memory_store._items[dossier.dossier_id][item.item_id] = [
        replace(record, ciphertext=bytes(flipped))]
    with pytest.raises(DecryptionFailed):
        await dossier.get(item.item_id)


async def test_whole_life_on_every_backend(dossier_store: DossierStore, clock: Clock) -> None:
    """Create, write, mask, export and close on memory, SQLite and PostgreSQL alike."""
    dossier, code = await Dossier.create(dossier_store, PASSPHRASE, clock=clock)
    a = await dossier.add("allergies", "allergy", "Pollen", "2024-05-01",
                          attachment=NewAttachment("p.png", "image/png", b"\x89PNG" * 40_000))
    b = await dossier.add("personal_notes", "note", "Privé", "2024-05-02")
    await dossier.edit(b.item_id, title="Privé (2)")
    await dossier.mask(b.item_id)
    again = await Dossier.unlock(dossier_store, dossier.dossier_id, PASSPHRASE, clock=clock)
    listed = {i.item_id: i for i in await again.list()}
    assert listed[b.item_id].masked and listed[b.item_id].revision == 2
    assert await again.attachment(listed[a.item_id]) == b"\x89PNG" * 40_000
    archive = await again.export_archive()
    stone = await again.close()
    assert await store_row_count(dossier_store, dossier.dossier_id) == 0
    record = await dossier_store.tombstone(dossier.dossier_id)
    assert record is not None and tombstone.decode(record.blob) == stone and stone.verify()
    with pytest.raises(DossierClosed):
        await Dossier.unlock(dossier_store, dossier.dossier_id, PASSPHRASE, clock=clock)
    assert len(open_archive(archive, recovery_code=code).entries) == 3


async def test_one_unreadable_item_does_not_hide_the_others(dossier: Dossier,
                                                            memory_store: MemoryStore) -> None:
    good = await dossier.add("allergies", "allergy", "Lactose", "2024-01-01")
    bad = await dossier.add("allergies", "allergy", "Gluten", "2024-01-01")
    (record,) = await memory_store.revisions(dossier.dossier_id, bad.item_id)
    memory_store._items[dossier.dossier_id][bad.item_id] = [
        replace(record, ciphertext=record.ciphertext[:-1] + bytes([record.ciphertext[-1] ^ 1]))]
    assert [i.item_id for i in await dossier.list()] == [good.item_id]
    assert dossier.unreadable == [bad.item_id]


async def test_every_page_of_items_is_read(dossier: Dossier,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from vault import store as store_mod

    monkeypatch.setattr(store_mod, "PAGE_MAX", 2)
    added = {(await dossier.add("allergies", "allergy", f"A{i}", "2024-01-01")).item_id
             for i in range(5)}
    assert {i.item_id for i in await dossier.list()} == added
    records = await store_mod.all_items(dossier._store, dossier.dossier_id)
    assert {r.item_id for r in records} == added


# ----------------------------------------------------------------------------- masking residue
async def test_masking_re_encrypts_and_retires_every_older_section_key(
        dossier: Dossier, memory_store: MemoryStore) -> None:
    """Issue 8 (P2): the pre-masking wraps and ciphertexts (a WAL, a dead row) open with no
    key a later grant carries, and the re-encrypted item opens with no section key at all."""
    item = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.edit(item.item_id, title="Pénicilline (2)")
    kept = await dossier.add("allergies", "allergy", "Latex", "2024-03-02")
    before = await memory_store.revisions(dossier.dossier_id, item.item_id)
    old_refs = set(dossier.ring.all_section_keys(Section.ALLERGIES))

    await dossier.mask(item.item_id)
    ring = dossier.ring
    assert ring.retired(Section.ALLERGIES) == old_refs
    grantable = ring.section_keys(Section.ALLERGIES)
    assert set(grantable) == {ring.current(Section.ALLERGIES).ref}
    after = await memory_store.revisions(dossier.dossier_id, item.item_id)
    assert {r.ciphertext for r in after}.isdisjoint(r.ciphertext for r in before)
    for record in before + after:
        for key in grantable.values():
            for purpose in ("item-key", "item-key-masked"):
                with pytest.raises(DecryptionFailed):
                    envelope.open_(key, record.wrapped_key, itembox.item_ad(
                        purpose, record.dossier_id, Section.ALLERGIES, record.item_id,
                        record.revision))
    # The old item keys (what a grant from before masking may unwrap) open nothing now.
    for old, new in zip(before, after, strict=True):
        old_key = itembox.unwrap_item_key(old, ring.lookup(old.key_ref), Section.ALLERGIES)
        with pytest.raises(DecryptionFailed):
            itembox.open_item_with_key(new, old_key, Section.ALLERGIES)
    # The unmasked item moved to the new version; the patient reads everything.
    for record in await memory_store.revisions(dossier.dossier_id, kept.item_id):
        assert record.key_ref == ring.current(Section.ALLERGIES).ref
    assert [i.title for i in await dossier.history(item.item_id)] == [
        "Pénicilline", "Pénicilline (2)"]
    assert (await dossier.get(item.item_id)).masked
    # Editing the masked item never wraps its new key under a section key.
    await dossier.edit(item.item_id, title="Pénicilline (3)")
    latest = (await memory_store.revisions(dossier.dossier_id, item.item_id))[-1]
    assert latest.key_ref == ring.mask_ref
    await dossier.mask(item.item_id)  # masking a masked item changes nothing
    assert dossier.ring.retired(Section.ALLERGIES) == old_refs


async def test_finish_rotations_rewraps_what_an_interrupted_masking_left(
        dossier: Dossier, memory_store: MemoryStore) -> None:
    kept = await dossier.add("allergies", "allergy", "Latex", "2024-03-02")
    ring = dossier.ring.rotate(Section.ALLERGIES, system_random, retire=True)
    await dossier._save_ring(ring)  # the keyring write of a masking, then a crash
    assert await dossier.finish_rotations() == 1
    (record,) = await memory_store.revisions(dossier.dossier_id, kept.item_id)
    assert record.key_ref == dossier.ring.current(Section.ALLERGIES).ref
    assert await dossier.finish_rotations() == 0  # idempotent


async def test_rotate_now_and_the_before_write_hook(dossier: Dossier) -> None:
    old = dossier.ring.current(Section.ALLERGIES).ref
    await dossier.rotate_now(frozenset({Section.ALLERGIES}))
    assert dossier.ring.current(Section.ALLERGIES).ref != old
    assert old in dossier.ring.section_keys(Section.ALLERGIES)  # not retired: still grantable
    calls: list[int] = []

    async def hook() -> None:
        calls.append(1)
    dossier.before_write = hook
    await dossier.add("allergies", "allergy", "Arachide", "2024-03-03")
    assert calls == [1]

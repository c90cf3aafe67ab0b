"""The keyring's emergency record (``vault.keyring.EmergencyRecord``, ``Dossier.
keep_emergency``): what the patient's client issued for emergency access, sealed with the
keys, so that re-sealing after a rotation follows it and not the server (``web.client.
emergency_sync``)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support import Clock
from tests.vault.conftest import PASSPHRASE
from vault import Dossier, FormatError, MemoryStore, keyring
from vault.crypto import system_random
from vault.errors import RolledBack
from vault.keyring import EmergencyRecord, Keyring

CARD = "ab" * 16


def test_the_record_round_trips_and_is_absent_from_an_older_keyrings_bytes() -> None:
    ring = Keyring.new(system_random)
    assert ring.emergency is None
    assert b"\xa9emergency" not in keyring.encode(ring)  # older keyrings: the same bytes
    assert keyring.decode(keyring.encode(ring)).emergency is None
    record = EmergencyRecord().with_card(CARD, 2_000).with_break_glass(b"\x07" * 32)
    again = keyring.decode(keyring.encode(ring.with_emergency(record)))
    assert again.emergency == record
    empty = keyring.decode(keyring.encode(ring.with_emergency(EmergencyRecord())))
    assert empty.emergency == EmergencyRecord()  # tracked, nothing issued: not None


def test_cards_are_encoded_in_order_whatever_the_order_they_were_made_in() -> None:
    ring = Keyring.new(system_random)
    one = EmergencyRecord().with_card("02" * 16, 5).with_card("01" * 16, 6)
    two = EmergencyRecord().with_card("01" * 16, 6).with_card("02" * 16, 5)
    assert keyring.encode(ring.with_emergency(one)) == keyring.encode(ring.with_emergency(two))


@pytest.mark.parametrize("record", [
    EmergencyRecord(cards={"not hex at all, 32 characters!!": 1}),
    EmergencyRecord(cards={"ab" * 8: 1}),
    EmergencyRecord(cards={CARD: -1}),
    EmergencyRecord(break_glass=b"\x01" * 31),
])
def test_a_malformed_record_is_refused(record: EmergencyRecord) -> None:
    ring = Keyring.new(system_random).with_emergency(record)
    with pytest.raises(FormatError):
        keyring.decode(keyring.encode(ring))


def test_revoked_and_expired_cards_are_not_active() -> None:
    record = (EmergencyRecord().with_card(CARD, 100).with_card("cd" * 16, 50)
              .without_cards(frozenset({CARD})))
    assert record.active(10) == {"cd" * 16: 50}
    assert record.active(50) == {} and record.pruned(50).cards == {}


async def test_a_new_dossier_records_from_the_start_and_another_device_sees_it(
        memory_store: MemoryStore, clock: Clock) -> None:
    d, _ = await Dossier.create(memory_store, PASSPHRASE, clock=clock)
    assert d.ring.emergency == EmergencyRecord()
    await d.keep_emergency(lambda r: (r or EmergencyRecord()).with_card(CARD, 99))
    again = await Dossier.unlock(memory_store, d.dossier_id, PASSPHRASE, clock=clock)
    assert again.ring.emergency == EmergencyRecord(cards={CARD: 99})


async def test_a_change_made_on_a_stale_keyring_is_applied_again_to_the_other_devices(
        memory_store: MemoryStore, clock: Clock) -> None:
    """Two devices: one records a card while the other turned break-glass on meanwhile; the
    second change is made again on the reloaded keyring, and both stand."""
    d, _ = await Dossier.create(memory_store, PASSPHRASE, clock=clock)
    other = await Dossier.unlock(memory_store, d.dossier_id, PASSPHRASE, clock=clock)
    await other.keep_emergency(lambda r: (r or EmergencyRecord()).with_break_glass(b"\x05" * 32))
    await d.keep_emergency(lambda r: (r or EmergencyRecord()).with_card(CARD, 99))
    last = await Dossier.unlock(memory_store, d.dossier_id, PASSPHRASE, clock=clock)
    assert last.ring.emergency == EmergencyRecord(cards={CARD: 99}, break_glass=b"\x05" * 32)


async def test_an_unchanged_record_writes_no_keyring(memory_store: MemoryStore,
                                                     clock: Clock) -> None:
    d, _ = await Dossier.create(memory_store, PASSPHRASE, clock=clock)
    before = (await memory_store.keyring(d.dossier_id)).version
    await d.keep_emergency(lambda r: r or EmergencyRecord())
    assert (await memory_store.keyring(d.dossier_id)).version == before
    assert dataclasses.replace(d.ring.emergency or EmergencyRecord()) == EmergencyRecord()


async def test_a_keyring_rolled_back_is_refused_in_the_session_and_at_the_next_unlock(
        memory_store: MemoryStore, clock: Clock) -> None:
    """A server (a restored backup, or an operator who wants a revoked card back in the
    record) answers an older keyring: refused by ``refresh`` and, with the version a client
    kept, by the next unlock, before anything is read or written with it."""
    d, _ = await Dossier.create(memory_store, PASSPHRASE, clock=clock)
    await d.keep_emergency(lambda r: (r or EmergencyRecord()).with_card(CARD, 99))
    old = memory_store._keyrings[d.dossier_id]
    await d.keep_emergency(lambda r: (r or EmergencyRecord()).without_cards(frozenset({CARD})))
    seen = d.ring_version
    assert seen == old.version + 1
    memory_store._keyrings[d.dossier_id] = old  # the operator's rollback
    with pytest.raises(RolledBack):
        await d.refresh()
    assert d.ring.emergency == EmergencyRecord() and d.ring_version == seen  # unchanged
    with pytest.raises(RolledBack):
        await Dossier.open_with_master(memory_store, d.dossier_id, d._master, clock=clock,
                                       floor=seen)
    # without a floor (a device that never saw the dossier) it opens: trust on first use
    first = await Dossier.open_with_master(memory_store, d.dossier_id, d._master, clock=clock)
    assert first.ring_version == old.version

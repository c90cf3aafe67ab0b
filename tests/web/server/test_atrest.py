"""The server at-rest layer (P8): its byte format, and the decorators that seal what makes a
dossier openable under a key kept outside the database (memory stores here; the attack
against real databases and backups is ``test_closure_backup.py``)."""

from __future__ import annotations

import copy
import dataclasses
import secrets
from pathlib import Path

import pytest

from vault.crypto import system_random
from vault.errors import DecryptionFailed, DossierClosed, NotFound
from vault.records import DossierRecord, ItemRecord, KeySlot, TombstoneRecord
from vault.store import MemoryStore
from web.server import atrest
from web.server.keyfiles import FileKeys
from web.server.keystore import DossierKeys, MemoryKeys
from web.server.storage import MemoryEmergencyStore, MemoryServiceDb, StoredCard, StoredGrant
from web.server.storage.ports import StoredDeposit
from web.server.storage.sealed import SealedDossierStore
from web.server.storage.sealed_service import SealedEmergencyStore, SealedServiceDb


def new_id() -> str:
    return secrets.token_hex(16)


# ----------------------------------------------------------------------------- format
def test_seal_opens_only_in_its_place() -> None:
    key, other = secrets.token_bytes(32), secrets.token_bytes(32)
    d = new_id()
    sealed = atrest.seal(key, d, "grant", "g1", b"value", system_random)
    assert sealed[0] == atrest.VERSION
    assert len(sealed) == len(b"value") + atrest.OVERHEAD
    assert atrest.open_(key, d, "grant", "g1", sealed) == b"value"
    for args in ((other, d, "grant", "g1"), (key, new_id(), "grant", "g1"),
                 (key, d, "deposit", "g1"), (key, d, "grant", "g2")):
        with pytest.raises(DecryptionFailed):
            atrest.open_(*args, sealed)
    for bad in (sealed[:-1], b"\x02" + sealed[1:], sealed[:atrest.OVERHEAD - 1], b""):
        with pytest.raises(DecryptionFailed):
            atrest.open_(key, d, "grant", "g1", bad)
    with pytest.raises(ValueError, match="purpose"):
        atrest.seal(key, d, "nonsense", "", b"", system_random)


def test_known_answer() -> None:
    """The bytes docs/formats.md describes (fixed key and nonce)."""
    key = bytes(range(32))
    nonce = bytes(range(100, 124))
    sealed = atrest.seal(key, "d" * 32, "slot.wrapped", "passphrase", b"master",
                         lambda n: nonce[:n])
    assert sealed[:25] == b"\x01" + nonce
    from vault.crypto import aead_encrypt, associated_data

    ad = associated_data("rest", "d" * 32, "slot.wrapped", "passphrase", b"\x01")
    assert sealed[25:] == aead_encrypt(key, b"master", ad, nonce)


# ----------------------------------------------------------------------------- dossier store
@pytest.fixture(params=["memory", "file"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> DossierKeys:
    if request.param == "memory":
        return MemoryKeys(system_random)
    return FileKeys(tmp_path / "keys", system_random)


def _slot(name: str) -> KeySlot:
    return KeySlot(name=name, salt=secrets.token_bytes(16), opslimit=3,
                   memlimit=64 * 1024 * 1024, wrapped=secrets.token_bytes(72),
                   login_public=secrets.token_bytes(32))


def _record(dossier_id: str) -> DossierRecord:
    return DossierRecord(dossier_id=dossier_id, created_at=1, sign_public=secrets.token_bytes(32),
                         box_public=secrets.token_bytes(32))


def _item(dossier_id: str) -> ItemRecord:
    return ItemRecord(dossier_id=dossier_id, item_id=new_id(), revision=1, key_ref=new_id(),
                      wrapped_key=secrets.token_bytes(72), ciphertext=secrets.token_bytes(99),
                      created_at=1)


async def _created(keys: DossierKeys) -> tuple[MemoryStore, SealedDossierStore, str,
                                               list[KeySlot]]:
    inner = MemoryStore()
    store = SealedDossierStore(inner, keys, system_random)
    dossier_id = new_id()
    slots = [_slot("passphrase"), _slot("recovery")]
    await store.create(_record(dossier_id), slots, b"keyring")
    await store.put_item(_item(dossier_id))
    return inner, store, dossier_id, slots


async def test_slots_are_sealed_in_the_store_and_open_through_the_layer(
        keys: DossierKeys) -> None:
    inner, store, d, slots = await _created(keys)
    for s in slots:
        raw = await inner.slot(d, s.name)
        assert raw.salt == s.salt and raw.opslimit == s.opslimit  # the public part stays
        assert s.wrapped not in raw.wrapped and s.login_public not in raw.login_public
        assert await store.slot(d, s.name) == s
    new = _slot("passphrase")
    await store.put_slots(d, [new])
    assert await store.slot(d, "passphrase") == new
    assert (await inner.slot(d, "passphrase")).wrapped != new.wrapped
    assert len(await store.items(d)) == 1


async def test_without_its_key_a_dossier_is_closed_everywhere(keys: DossierKeys) -> None:
    inner, store, d, _ = await _created(keys)
    backup = copy.deepcopy(inner)  # "a copy of the database taken before closure"
    await store.close(TombstoneRecord(d, 2, b"stone"))
    assert await keys.key(d) is None
    restored = SealedDossierStore(backup, keys, system_random)  # "... restored after it"
    assert await backup.dossier(d)  # the rows are all back
    with pytest.raises(NotFound):  # as for a slot that does not exist: login says nothing
        await restored.slot(d, "passphrase")
    for call in (restored.dossier(d), restored.keyring(d), restored.items(d),
                 restored.put_keyring(d, b"x", 1), restored.put_slots(d, [_slot("recovery")]),
                 restored.put_item(_item(d)), restored.close(TombstoneRecord(d, 3, b"x"))):
        with pytest.raises(DossierClosed):
            await call
    unknown = new_id()
    with pytest.raises(NotFound):  # a dossier that never existed is still unknown
        await restored.dossier(unknown)
    with pytest.raises(NotFound):
        await restored.items(unknown)


async def test_a_tombstoned_dossier_keeps_no_key(keys: DossierKeys) -> None:
    inner, store, d, _ = await _created(keys)
    await inner.close(TombstoneRecord(d, 2, b"stone"))  # a closure interrupted before destroy
    assert await keys.key(d) is not None
    with pytest.raises(DossierClosed):
        await store.dossier(d)  # finishes it
    assert await keys.key(d) is None
    with pytest.raises(DossierClosed):  # and a tombstoned id never gets a key again
        await store.create(_record(d), [_slot("passphrase")], b"k")
    assert await keys.key(d) is None


async def test_an_altered_slot_does_not_open(keys: DossierKeys) -> None:
    inner, store, d, _ = await _created(keys)
    other_inner, _, other, _ = await _created(keys)
    moved = await other_inner.slot(other, "passphrase")
    await inner.put_slots(d, [moved])  # someone with database access swaps a slot in
    with pytest.raises(NotFound):
        await store.slot(d, "passphrase")


# ----------------------------------------------------------------------------- service ports
def _grant(dossier_id: str) -> StoredGrant:
    return StoredGrant(grant_id=new_id(), dossier_id=dossier_id, recipient_id="810001234567",
                       recipient_fpr=new_id(), key_refs=(new_id(),), write=False, issued_at=1,
                       expires_at=2_000_000_000, revoked_at=None,
                       blob=secrets.token_bytes(300))


def _card(dossier_id: str) -> StoredCard:
    return StoredCard(card_id=new_id(), dossier_id=dossier_id,
                      server_share=secrets.token_bytes(32), passcode_hash=secrets.token_bytes(32),
                      package=secrets.token_bytes(200), key_refs=(new_id(),), attempts=0,
                      created_at=1, expires_at=2_000_000_000, revoked_at=None)


async def test_service_blobs_are_sealed_and_refused_without_the_key() -> None:
    keys = MemoryKeys(system_random)
    raw_cards = MemoryEmergencyStore()
    raw_db = MemoryServiceDb(raw_cards)
    db = SealedServiceDb(raw_db, keys, system_random)
    cards = SealedEmergencyStore(raw_cards, keys, system_random)
    d = new_id()
    with pytest.raises(DossierClosed):  # no key, no write
        await db.put_grant(_grant(d))
    await keys.create(d)
    g, c = _grant(d), _card(d)
    deposit = StoredDeposit(deposit_id=new_id(), dossier_id=d, ps_id="810001234567", at=1,
                            blob=secrets.token_bytes(120), signature=secrets.token_bytes(64))
    await db.put_grant(g)
    assert await db.put_audit(d, 0, b"event-0", b"h0")
    assert await db.put_audit(d, 1, b"event-1", b"h1")
    assert await db.put_deposit(deposit)
    await cards.put_card(c)
    await cards.put_break_glass(d, b"package", ("ref",), 1)

    assert await db.grant(g.grant_id) == g and await db.grants_of(d) == [g]
    assert await db.audit_events(d) == [b"event-0", b"event-1"]
    assert await db.deposits_of(d) == [deposit]
    assert await cards.card(c.card_id) == c and await cards.cards_of(d) == [c]
    assert await cards.break_glass(d) == (b"package", ("ref",))
    assert await db.audit_head(d) == (1, b"h1")  # everything else passes through
    assert await db.revoke_grant(d, g.grant_id, 5)

    stored = await raw_db.grant(g.grant_id)
    raw_card = await raw_cards.card(c.card_id)
    raw_bg = await raw_cards.break_glass(d)
    assert stored is not None and raw_card is not None and raw_bg is not None
    assert g.blob not in stored.blob
    assert c.server_share not in raw_card.server_share and c.package not in raw_card.package
    assert b"package" not in raw_bg[0]
    assert b"event-0" not in b"".join(await raw_db.audit_events(d))
    assert deposit.blob not in b"".join(x.blob for x in await raw_db.deposits_of(d))

    await keys.destroy(d)  # closure, then the rows come back from a backup
    assert await db.grant(g.grant_id) is None  # the token does not scan
    assert await cards.card(c.card_id) is None  # the card does not open
    for call in (db.grants_of(d), db.audit_events(d), db.deposits_of(d), cards.cards_of(d),
                 cards.break_glass(d), db.put_audit(d, 2, b"e", b"h"),
                 cards.put_card(_card(d))):
        with pytest.raises(DossierClosed):
            await call
    assert await db.grants_of(new_id()) == []  # a dossier with no rows still reads empty


async def test_altered_values_are_refused_or_left_to_the_clients_check() -> None:
    keys = MemoryKeys(system_random)
    raw_cards = MemoryEmergencyStore()
    raw_db = MemoryServiceDb(raw_cards)
    db = SealedServiceDb(raw_db, keys, system_random)
    d = new_id()
    await keys.create(d)
    g = _grant(d)
    await db.put_grant(g)
    stored = await raw_db.grant(g.grant_id)
    assert stored is not None
    # someone with database access writes rows of their own, around the layer
    forged = dataclasses.replace(stored, grant_id=new_id(),
                                 blob=stored.blob[:-1] + bytes([stored.blob[-1] ^ 1]))
    await raw_db.put_grant(forged)
    assert await db.grant(forged.grant_id) is None  # refused: the token does not scan
    await db.put_audit(d, 0, b"event-0", b"h0")
    await raw_db.put_audit(d, 1, b"not sealed", b"h1")
    # handed over as stored: the patient's client's chain check rejects it and says so
    assert await db.audit_events(d) == [b"event-0", b"not sealed"]


async def test_a_blob_moved_to_another_row_does_not_open() -> None:
    keys = MemoryKeys(system_random)
    raw_cards = MemoryEmergencyStore()
    cards = SealedEmergencyStore(raw_cards, keys, system_random)
    d = new_id()
    await keys.create(d)
    first, second = _card(d), _card(d)
    await cards.put_card(first)
    stored = await raw_cards.card(first.card_id)
    assert stored is not None
    # the first card's sealed share and package under the second card's id
    await raw_cards.put_card(dataclasses.replace(stored, card_id=second.card_id))
    assert await cards.card(second.card_id) is None
    assert await cards.card(first.card_id) == first

"""The server's storage ports, one contract on every backend: memory, SQLite, PostgreSQL.

``service_storage`` (conftest.py beside this file) gives a ServiceDb and an EmergencyStore
on each backend; the database params carry ``@pytest.mark.db``. The databases are shared
by the session, so every test makes its own fresh ids. The last tests are specific to the
piccolo adapters: only a unique-constraint violation reads as "another writer won", and a
database that cannot be used raises StorageUnavailable.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from typing import Any

import pytest
from piccolo.querystring import QueryString

from tests.web.server.storage.conftest import Storage
from vault.errors import Conflict, StorageUnavailable
from web.server.storage import (
    Beneficiary,
    Professional,
    Session,
    StoredCard,
    StoredCode,
    StoredDeposit,
    StoredGrant,
)
from web.server.storage import tables as web_tables
from web.server.storage.piccolo import identity as piccolo_identity
from web.server.storage.ports import UNREAD


def new_id(n: int = 16) -> str:
    return secrets.token_hex(n)


def new_ps_id() -> str:
    return "8" + "".join(secrets.choice("0123456789") for _ in range(11))


def beneficiary(nir_hash: str | None = None, **kw: Any) -> Beneficiary:
    values: dict[str, Any] = dict(nir_hash=nir_hash or new_id(32), last_name="Martin",
                                  first_name="Camille", birth_date="1985-05-01",
                                  address="1 rue de la Paix", email="c@example.org",
                                  dossier_id=None)
    values.update(kw)
    return Beneficiary(**values)


def professional(ps_id: str | None = None, **kw: Any) -> Professional:
    values: dict[str, Any] = dict(ps_id=ps_id or new_ps_id(), name="Pharmacie du Parc",
                                  profession="pharmacien", specialty="", city="Lyon",
                                  email="", box_public=secrets.token_bytes(32),
                                  sign_public=secrets.token_bytes(32), status="pending",
                                  roles=(), created_at=1_700_000_000)
    values.update(kw)
    return Professional(**values)


def grant(dossier_id: str, issued_at: int = 1_700_000_000) -> StoredGrant:
    return StoredGrant(grant_id=new_id(), dossier_id=dossier_id, recipient_id=new_ps_id(),
                       recipient_fpr=new_id(), key_refs=("section:allergies", "item:x"),
                       write=True, issued_at=issued_at, expires_at=issued_at + 86400,
                       revoked_at=None, blob=secrets.token_bytes(120))


def deposit(dossier_id: str, deposit_id: str | None = None) -> StoredDeposit:
    return StoredDeposit(deposit_id=deposit_id or new_id(), dossier_id=dossier_id,
                         ps_id=new_ps_id(), at=1_700_000_000, blob=secrets.token_bytes(80),
                         signature=secrets.token_bytes(64))


def card(dossier_id: str, created_at: int = 1_700_000_000) -> StoredCard:
    return StoredCard(card_id=new_id(), dossier_id=dossier_id,
                      server_share=secrets.token_bytes(32),
                      passcode_hash=secrets.token_bytes(32), package=secrets.token_bytes(90),
                      key_refs=("section:allergies",), attempts=3, created_at=created_at,
                      expires_at=created_at + 86400, revoked_at=7)


# -- accounts, sessions, nonces ------------------------------------------------------------


async def test_accounts(service_storage: Storage) -> None:
    db = service_storage.db
    login, dossier_id = new_id(32), new_id()
    assert await db.dossier_for_login(login) is None
    await db.create_account(login, dossier_id, 1)
    assert await db.dossier_for_login(login) == dossier_id
    await db.delete_account(dossier_id)
    assert await db.dossier_for_login(login) is None


async def test_sessions_and_purge(service_storage: Storage) -> None:
    db = service_storage.db
    subject = new_id()
    live = Session(sid=new_id(32), kind="patient", subject=subject, roles=(), expires_at=200)
    other = Session(sid=new_id(32), kind="professional", subject=subject,
                    roles=("pharmacist", "emergency"), expires_at=200)
    old = Session(sid=new_id(32), kind="patient", subject=new_id(), roles=(), expires_at=50)
    for s in (live, other, old):
        await db.create_session(s)
    assert await db.session(other.sid) == other
    assert await db.session(new_id(32)) is None
    await db.delete_session(live.sid)
    assert await db.session(live.sid) is None
    await db.purge(100)
    assert await db.session(old.sid) is None
    assert await db.session(other.sid) == other
    await db.delete_sessions_of(subject)
    assert await db.session(other.sid) is None


async def test_nonces_are_single_use_until_purged(service_storage: Storage) -> None:
    db = service_storage.db
    nonce = new_id(32)
    assert await db.use_nonce(nonce, 100) is True
    assert await db.use_nonce(nonce, 100) is False
    await db.purge(101)
    assert await db.use_nonce(nonce, 300) is True


async def test_a_nonce_used_concurrently_is_accepted_once(service_storage: Storage) -> None:
    db = service_storage.db
    nonce = new_id(32)
    results = await asyncio.gather(*(db.use_nonce(nonce, 100) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]


# -- registry and codes --------------------------------------------------------------------


async def test_registry_upsert_keeps_the_dossier_link(service_storage: Storage) -> None:
    db = service_storage.db
    b = beneficiary()
    assert await db.upsert_beneficiary(b) is True
    dossier_id = new_id()
    await db.link_dossier(b.nir_hash, dossier_id)
    assert await db.upsert_beneficiary(beneficiary(b.nir_hash, email="new@example.org")) is False
    found = await db.beneficiary(b.nir_hash)
    assert found is not None and found.email == "new@example.org"
    assert found.dossier_id == dossier_id
    assert await db.beneficiary_of_dossier(dossier_id) == found
    await db.unlink_dossier(dossier_id)
    assert await db.beneficiary_of_dossier(dossier_id) is None
    assert await db.beneficiary(new_id(32)) is None


async def test_registry_lists(service_storage: Storage) -> None:
    db = service_storage.db
    first, second, linked = beneficiary(), beneficiary(), beneficiary()
    for b in (first, second, linked):
        await db.upsert_beneficiary(b)
    await db.link_dossier(linked.nir_hash, new_id())
    named = await db.beneficiaries([second.nir_hash, first.nir_hash, new_id(32)])
    assert [b.nir_hash for b in named] == [first.nir_hash, second.nir_hash]  # insertion order
    assert await db.beneficiaries([]) == []
    unlinked = [b.nir_hash for b in await db.beneficiaries(None)]
    assert first.nir_hash in unlinked and second.nir_hash in unlinked
    assert linked.nir_hash not in unlinked
    assert unlinked.index(first.nir_hash) < unlinked.index(second.nir_hash)


async def test_codes_replace_count_and_take(service_storage: Storage) -> None:
    db = service_storage.db
    nir_hash = new_id(32)
    old = StoredCode(nir_hash=nir_hash, code_hash=b"o" * 32, channel="post", created_at=1,
                     expires_at=1000, attempts=0)
    new = StoredCode(nir_hash=nir_hash, code_hash=b"n" * 32, channel="email", created_at=2,
                     expires_at=2000, attempts=0)
    await db.put_code(old)
    await db.put_code(new)
    assert await db.code(nir_hash) == new
    await db.count_attempt(nir_hash)
    await db.count_attempt(nir_hash)
    found = await db.code(nir_hash)
    assert found is not None and found.attempts == 2
    assert await db.take_code(nir_hash, old.code_hash) is False
    assert await db.take_code(nir_hash, new.code_hash) is True
    assert await db.take_code(nir_hash, new.code_hash) is False
    assert await db.code(nir_hash) is None


async def test_code_attempts_are_taken_up_to_the_limit(service_storage: Storage) -> None:
    db = service_storage.db
    nir_hash = new_id(32)
    assert await db.take_attempt(nir_hash, 5) is None
    await db.put_code(StoredCode(nir_hash=nir_hash, code_hash=b"c" * 32, channel="email",
                                 created_at=1, expires_at=1000, attempts=0))
    seen = [await db.take_attempt(nir_hash, 2) for _ in range(3)]
    assert seen == [0, 1, 2]  # the third: not counted
    found = await db.code(nir_hash)
    assert found is not None and found.attempts == 2
    await db.refund_attempt(nir_hash)
    await db.refund_attempt(nir_hash)
    await db.refund_attempt(nir_hash)  # never below zero
    found = await db.code(nir_hash)
    assert found is not None and found.attempts == 0


async def test_concurrent_code_attempts_never_pass_the_limit(service_storage: Storage) -> None:
    db = service_storage.db
    nir_hash = new_id(32)
    await db.put_code(StoredCode(nir_hash=nir_hash, code_hash=b"c" * 32, channel="email",
                                 created_at=1, expires_at=1000, attempts=0))
    taken = await asyncio.gather(*(db.take_attempt(nir_hash, 5) for _ in range(25)))
    assert sorted(t for t in taken if t is not None and t < 5) == [0, 1, 2, 3, 4]
    found = await db.code(nir_hash)
    assert found is not None and found.attempts == 5


# -- directory -------------------------------------------------------------------------------


async def test_directory_status_and_listing(service_storage: Storage) -> None:
    db = service_storage.db
    p = professional()
    await db.register_professional(p)
    assert await db.professional(p.ps_id) == p
    assert await db.professional(new_ps_id()) is None
    assert await db.set_professional_status(new_ps_id(), "approved", ["pharmacist"]) is False
    assert await db.set_professional_status(p.ps_id, "approved", ["pharmacist", "emergency"],
                                            b"sig") is True
    found = await db.professional(p.ps_id)
    assert found is not None
    assert (found.status, found.roles, found.countersignature) == (
        "approved", ("pharmacist", "emergency"), b"sig")
    listed = await db.professionals("approved", limit=10_000)
    assert p.ps_id in [x.ps_id for x in listed]
    assert [x.ps_id for x in listed] == sorted(x.ps_id for x in listed)
    after = await db.professionals(after=p.ps_id, limit=10_000)
    assert all(x.ps_id > p.ps_id for x in after)
    assert len(await db.professionals(limit=1)) == 1


async def test_directory_search(service_storage: Storage) -> None:
    db = service_storage.db
    tag = secrets.token_hex(4)
    names = [f"Zeta {tag}", f"alpha {tag}", f"Mid {tag}"]
    pros = [professional(name=n, city="Brest" if i else "Nantes") for i, n in enumerate(names)]
    for p in pros:
        await db.register_professional(p)
        await db.set_professional_status(p.ps_id, "approved", ["pharmacist"])
    pending = professional(name=f"Pending {tag}")
    await db.register_professional(pending)
    found = await db.search_professionals(tag.upper(), "", "")
    assert sorted(x.name for x in found) == sorted(names)
    assert found[0].name in (f"Mid {tag}", f"Zeta {tag}", f"alpha {tag}")
    by_id = await db.search_professionals(pros[0].ps_id, "", "")
    assert [x.ps_id for x in by_id] == [pros[0].ps_id]
    in_brest = await db.search_professionals(tag, "PHARMACIEN", "brest")
    assert {x.ps_id for x in in_brest} == {pros[1].ps_id, pros[2].ps_id}
    assert await db.search_professionals(tag, "médecin", "") == []
    assert len(await db.search_professionals(tag, "", "", limit=2)) == 2


# -- grants and the audit chain ----------------------------------------------------------------


async def test_grants(service_storage: Storage) -> None:
    db = service_storage.db
    dossier_id = new_id()
    late, early = grant(dossier_id, 2_000), grant(dossier_id, 1_000)
    await db.put_grant(late)
    await db.put_grant(early)
    assert await db.grant(early.grant_id) == early
    with pytest.raises(Conflict):
        await db.put_grant(early)
    assert await db.grant(new_id()) is None
    assert [g.grant_id for g in await db.grants_of(dossier_id)] == [early.grant_id,
                                                                    late.grant_id]
    assert await db.revoke_grant(new_id(), early.grant_id, 5) is False
    assert await db.revoke_grant(dossier_id, early.grant_id, 5) is True
    assert await db.revoke_grant(dossier_id, early.grant_id, 9) is True
    found = await db.grant(early.grant_id)
    assert found is not None and found.revoked_at == 5  # the first revocation stays


async def test_audit_chain_appends_once_per_seq(service_storage: Storage) -> None:
    db = service_storage.db
    dossier_id = new_id()
    assert await db.audit_head(dossier_id) is None
    assert await db.audit_events(dossier_id) == []
    assert await db.put_audit(dossier_id, 0, b"e0", b"h0") is True
    assert await db.put_audit(dossier_id, 0, b"other", b"hx") is False  # a concurrent writer
    assert await db.put_audit(dossier_id, 1, b"e1", b"h1") is True
    assert await db.audit_head(dossier_id) == (1, b"h1")
    assert await db.audit_events(dossier_id) == [b"e0", b"e1"]


# -- deposits and blocks -------------------------------------------------------------------------


async def test_deposits(service_storage: Storage) -> None:
    db = service_storage.db
    dossier_id = new_id()
    ids = sorted(new_id() for _ in range(3))
    for deposit_id in reversed(ids):
        assert await db.put_deposit(deposit(dossier_id, deposit_id)) is True
    assert await db.put_deposit(deposit(dossier_id, ids[0])) is False
    assert await db.count_deposits(dossier_id) == 3
    assert [d.deposit_id for d in await db.deposits_of(dossier_id)] == ids
    assert [d.deposit_id for d in await db.deposits_of(dossier_id, after=ids[0], limit=1)] == [
        ids[1]]
    assert await db.delete_deposit(new_id(), ids[0]) is False
    assert await db.delete_deposit(dossier_id, ids[0]) is True
    assert await db.delete_deposit(dossier_id, ids[0]) is False
    assert await db.count_deposits(dossier_id) == 2


async def test_blocks(service_storage: Storage) -> None:
    db = service_storage.db
    dossier_id, a, b = new_id(), new_ps_id(), new_ps_id()
    assert await db.block(dossier_id, a, 20) is True
    assert await db.block(dossier_id, a, 30) is False
    assert await db.block(dossier_id, b, 10) is True
    assert await db.is_blocked(dossier_id, a) and not await db.is_blocked(new_id(), a)
    assert await db.blocks_of(dossier_id) == [(b, 10), (a, 20)]
    assert await db.unblock(dossier_id, a) is True
    assert await db.unblock(dossier_id, a) is False
    assert await db.blocks_of(dossier_id) == [(b, 10)]


# -- cards and break-glass ------------------------------------------------------------------------


async def test_cards(service_storage: Storage) -> None:
    cards = service_storage.cards
    dossier_id = new_id()
    late, early = card(dossier_id, 2_000), card(dossier_id, 1_000)
    await cards.put_card(late)
    await cards.put_card(early)
    with pytest.raises(Conflict):
        await cards.put_card(early)
    found = await cards.card(early.card_id)
    assert found is not None
    assert (found.attempts, found.revoked_at) == (0, None)  # a new card starts clean
    assert found.package == early.package and found.key_refs == early.key_refs
    assert await cards.card(new_id()) is None
    assert [c.card_id for c in await cards.cards_of(dossier_id)] == [early.card_id,
                                                                     late.card_id]
    await cards.count_attempt(early.card_id)
    found = await cards.card(early.card_id)
    assert found is not None and found.attempts == 1
    assert await cards.revoke_card(new_id(), early.card_id, 5) is False
    assert await cards.revoke_card(dossier_id, early.card_id, 5) is True
    found = await cards.card(early.card_id)
    assert found is not None and found.revoked_at == 5


async def test_card_attempts_are_taken_up_to_the_limit(service_storage: Storage) -> None:
    cards = service_storage.cards
    assert await cards.take_attempt(new_id(), 5) is None
    c = card(new_id())
    await cards.put_card(c)
    taken = await asyncio.gather(*(cards.take_attempt(c.card_id, 5) for _ in range(25)))
    assert sorted(t for t in taken if t is not None and t < 5) == [0, 1, 2, 3, 4]
    found = await cards.card(c.card_id)
    assert found is not None and found.attempts == 5
    await cards.refund_attempt(c.card_id)
    found = await cards.card(c.card_id)
    assert found is not None and found.attempts == 4


async def test_break_glass(service_storage: Storage) -> None:
    cards = service_storage.cards
    dossier_id = new_id()
    assert await cards.break_glass(dossier_id) is None
    await cards.put_break_glass(dossier_id, b"p1", ("section:allergies",), 1)
    await cards.put_break_glass(dossier_id, b"p2", ("section:allergies", "section:blood"), 2)
    assert await cards.break_glass(dossier_id) == (b"p2", ("section:allergies",
                                                          "section:blood"))
    await cards.disable_break_glass(dossier_id)
    assert await cards.break_glass(dossier_id) is None


async def test_forget_dossier_drops_only_that_dossier(service_storage: Storage) -> None:
    db, cards = service_storage.db, service_storage.cards
    gone, kept = new_id(), new_id()
    for d in (gone, kept):
        await db.put_grant(grant(d))
        await db.put_audit(d, 0, b"e", b"h")
        await db.put_deposit(deposit(d))
        await db.block(d, new_ps_id(), 1)
        await cards.put_card(card(d))
        await cards.put_break_glass(d, b"p", ("section:allergies",), 1)
    await db.forget_dossier(gone)
    assert await db.grants_of(gone) == [] and await db.audit_events(gone) == []
    assert await db.count_deposits(gone) == 0 and await db.blocks_of(gone) == []
    assert await cards.cards_of(gone) == [] and await cards.break_glass(gone) is None
    assert len(await db.grants_of(kept)) == 1 and await db.audit_events(kept) == [b"e"]
    assert await db.count_deposits(kept) == 1 and len(await db.blocks_of(kept)) == 1
    assert len(await cards.cards_of(kept)) == 1 and await cards.break_glass(kept) is not None


async def test_ping(service_storage: Storage) -> None:
    await service_storage.db.ping()


# -- piccolo adapters: what a database error means ----------------------------------------------


def _locked() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database is locked")
    exc.sqlite_errorcode = 5  # SQLITE_BUSY, as sqlite3 sets it
    return exc


@pytest.mark.parametrize("backend_error", ["programming", "unavailable"])
async def test_only_a_unique_violation_means_another_writer_won(
        service_storage: Storage, backend_error: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if service_storage.backend == "memory":
        pytest.skip("the fakes have no database errors")
    db = service_storage.db
    error: Exception = RuntimeError("bug") if backend_error == "programming" else _locked()

    def failing_insert(*_: Any, **__: Any) -> Any:
        raise error

    for table in (web_tables.NonceRow, web_tables.AuditRow, web_tables.DepositRow):
        monkeypatch.setattr(table, "insert", failing_insert)
    # On SQLite a nonce is inserted by the group-committing writer (issue 14), not by piccolo.
    monkeypatch.setattr(piccolo_identity, "insert_nonce", failing_insert)
    expected: type[Exception] = (RuntimeError if backend_error == "programming"
                                 else StorageUnavailable)
    # Before the fix, each of these answered False: "replayed", "history busy", "taken".
    with pytest.raises(expected):
        await db.use_nonce(new_id(32), 100)
    with pytest.raises(expected):
        await db.put_audit(new_id(), 0, b"e", b"h")
    with pytest.raises(expected):
        await db.put_deposit(deposit(new_id()))


class _NothingYet:
    """``Table.exists().where(...)`` answering False: the pre-check a racing writer passed."""

    def where(self, *_: Any) -> _NothingYet:
        return self

    def __await__(self) -> Any:
        async def no() -> bool:
            return False
        return no().__await__()


async def test_a_real_unique_violation_is_still_a_lost_race(
        service_storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    if service_storage.backend == "memory":
        pytest.skip("the fakes have no unique indexes")
    db = service_storage.db
    nonce, taken = new_id(32), deposit(new_id())
    assert await db.use_nonce(nonce, 100) is True
    assert await db.put_deposit(taken) is True
    for table in (web_tables.NonceRow, web_tables.DepositRow):
        monkeypatch.setattr(table, "exists", lambda: _NothingYet())
    # Only the unique index stands between the two writers now.
    assert await db.use_nonce(nonce, 100) is False
    assert await db.put_deposit(taken) is False


async def test_a_scan_racing_the_closure_is_not_logged_after_it(
        service_storage: Storage) -> None:
    """The scan's write (nonce + event) reads the dossier's tombstone under the write lock:
    a dossier closed between the scan's read and its write gets no event after its closure
    (an attack review found one appended, at seq head + 1, on the closed dossier's history)
    and the request's nonce is not kept either (the job is undone whole)."""
    if service_storage.backend == "memory":
        pytest.skip("the fakes keep no tombstones beside the history")
    from vault.errors import DossierClosed

    db, dossier_id = service_storage.db, new_id()
    seq = await db.append_audit_once(dossier_id, lambda head: (b"e0", b"h0"), nonce=new_id(32),
                                     expires_at=10**10, last=None)
    assert seq == 0
    # The closure commits (its tombstone) between the scan's read and its write.
    await service_storage.engine.run_querystring(QueryString(
        "INSERT INTO carnet_tombstone (dossier_id, closed_at, blob) VALUES ({}, 1, {})",
        dossier_id, b"t"))
    nonce = new_id(32)
    with pytest.raises(DossierClosed):
        await db.append_audit_once(dossier_id, lambda head: (b"e1", b"h1"), nonce=nonce,
                                   expires_at=10**10, last=(0, b"h0"))
    for last in (UNREAD, (0, b"h0")):  # every other append, serialized or after a read head
        with pytest.raises(DossierClosed):
            await db.append_audit(dossier_id, lambda head: (b"e2", b"h2"), last=last)
    assert await db.audit_events(dossier_id) == [b"e0"]
    assert await db.use_nonce(nonce, 10**10)  # not spent by the refused write


async def test_a_hot_read_inside_a_transaction_sees_its_writes(
        service_storage: Storage) -> None:
    """SQLite's hot reads use a connection of their own (``vault.storage.hot``), which cannot
    see a piccolo transaction's uncommitted rows: inside one, they read through it."""
    if service_storage.backend == "memory":
        pytest.skip("the fakes have no transactions")
    db, sid = service_storage.db, new_id(32)
    async with service_storage.engine.transaction():
        await db.create_session(Session(sid=sid, kind="patient", subject=new_id(),
                                        roles=(), expires_at=10**10))
        found = await db.signed_in(sid)
        assert found is not None and found[0].sid == sid
    assert await db.signed_in(sid) is not None  # and after the commit, on its own connection

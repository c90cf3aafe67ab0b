"""Issue 14, items 1 and 6: one consent scan (``POST /consent/scan``) runs at most six SQL
statements, ``BEGIN`` and ``COMMIT`` included, and its nonce and history event commit in one
transaction (one commit, one fsync), on SQLite and PostgreSQL. The statements are counted
through the engine's own hook, ``on_statement`` (SQLite's trace callback on every pooled
connection; asyncpg's query logger on every connection of the pool), so a later change that
adds a query to the scan fails here.

The patient's e-mail goes after the answer (``Notifier.background``): that work is held back
while the scan is counted, then run, so it neither blurs the count nor is lost.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Coroutine
from typing import Any, Final

from consent import audit
from tests.web.server.routes.api_support import Harness
from tests.web.server.routes.grant_world import give, patient, professional
from web.client.consent import Presented, present
from web.server.storage.consultation import PortConsultations
from web.server.storage.memory import MemoryServiceDb
from web.server.storage.ports import Session

SCAN_BUDGET: Final = 6


def _shape(statement: str) -> str:
    """A statement's opening words, whitespace collapsed: SQLite's trace expands the bound
    values, which a failure message must not print."""
    return re.sub(r"\s+", " ", statement).strip()[:60]


async def _counted_scan(app: Harness) -> tuple[list[str], Presented, str]:
    """A professional's scan of a two-item grant: (its statements, what it answered, the
    dossier id)."""
    dossier, api = await patient(app)
    pro = await professional(app)
    await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.add("allergies", "allergy", "Latex", "2024-04-01")
    await dossier.add("current_treatments", "medication", "Metformine", "2024-04-02")  # not granted
    issued = await give(app, dossier, api, pro, ["allergies"])
    await app.services.notifier.drain()

    engine, notifier = app.services.engine, app.services.notifier
    held: list[Coroutine[Any, Any, None]] = []
    seen: list[str] = []
    engine.on_statement = seen.append
    notifier.background = held.append  # type: ignore[method-assign,assignment]
    try:
        presented = await present(pro.api, pro.identity, issued.text, now=app.clock.now)
        await asyncio.sleep(0.05)  # asyncpg hands logged queries over soon after, not during
        during = list(seen)
    finally:
        engine.on_statement = None
        del notifier.background
    for work in held:  # the e-mail, after the count
        await work
    return during, presented, dossier.dossier_id


async def test_one_scan_runs_at_most_six_statements_with_one_commit(app: Harness) -> None:
    statements, presented, dossier_id = await _counted_scan(app)
    shapes = [_shape(s) for s in statements]
    listing = "\n".join(shapes)
    assert len(statements) <= SCAN_BUDGET, f"{len(statements)} statements:\n{listing}"

    begins = [i for i, s in enumerate(shapes) if s.upper().startswith("BEGIN")]
    commits = [i for i, s in enumerate(shapes) if s.upper().startswith("COMMIT")]
    writes = [i for i, s in enumerate(shapes) if s.upper().startswith(("INSERT", "UPDATE",
                                                                         "DELETE"))]
    # One write transaction: the nonce, then the event, then one commit.
    assert len(begins) == 1 and len(commits) == 1, listing
    assert len(writes) == 2, listing
    assert begins[0] < writes[0] < writes[1] < commits[0], listing
    assert "carnet_nonce" in shapes[writes[0]] and "carnet_audit" in shapes[writes[1]], listing
    assert commits[0] == len(shapes) - 1, listing  # nothing after the commit

    # What was answered and logged is what the scan always answered and logged.
    assert len(presented.items) == 2
    events = [audit.decode_event(b) for b in await app.services.db.audit_events(dossier_id)]
    last = events[-1]
    assert last.kind == "token_scanned" and last.detail["items"] == 2
    assert last.detail["sections"] == "allergies"
    assert [e.seq for e in events] == list(range(len(events)))


async def test_an_append_after_a_stale_head_lands_once_after_the_real_one(
        app: Harness) -> None:
    """The scan's append names the head it read (``last``); if another event took the next
    seq meanwhile, the unique (dossier, seq) index refuses it, everything of that attempt
    (the nonce with it) rolls back, and it is appended once, after the real head."""
    dossier, _ = await patient(app)
    d = dossier.dossier_id
    consent, db = app.services.consent, app.services.db
    stale = await db.audit_head(d)
    await consent.record(d, "section_read", "patient", {"n": 1})  # takes stale's next seq
    runs: list[int] = []

    async def along() -> None:
        runs.append(1)
        assert await db.use_nonce(f"stale-head-{d}", 2_000_000_000)

    entry = consent._entry("section_read", "patient", {"n": 2}, None, b"")
    seq = await db.append_audit(d, entry, along=along, last=stale)
    assert seq == (0 if stale is None else stale[0] + 1) + 1
    assert len(runs) == 2  # the refused attempt's nonce was rolled back, then written again
    assert not await db.use_nonce(f"stale-head-{d}", 2_000_000_000)
    events = [audit.decode_event(b) for b in await db.audit_events(d)]
    assert [e.seq for e in events] == list(range(len(events)))
    assert [e.detail.get("n") for e in events[-2:]] == [1, 2]
    # And the whole chain verifies against the server-signed head.
    blobs, head = await consent.history(d)
    audit.verify_chain([audit.decode_event(b) for b in blobs], audit.SignedHead.decode(head),
                       consent.server_public, last_seen=None, dossier_id=d)


async def test_the_one_statement_read_is_the_ports_read(app: Harness) -> None:
    """``PiccoloConsultations`` (one statement) reads exactly what the ports' calls read
    (``PortConsultations``, the fakes' implementation): latest revisions only, only under
    the grant's refs, by item id; the block; the head; an unknown grant; a closed dossier."""
    dossier, api = await patient(app)
    pro, other = await professional(app), await professional(app, "Dr Paul Martin")
    first = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    await dossier.add("allergies", "allergy", "Latex", "2024-04-01")
    await dossier.add("current_treatments", "medication", "Metformine", "2024-04-02")
    await dossier.edit(first.item_id, title="Pénicilline G")  # a second revision
    issued = await give(app, dossier, api, pro, ["allergies"])
    grant_id = issued.grant_id
    fast = app.services.consent._consultations
    ports = PortConsultations(app.services.db, app.services.store)

    for ps_id in (pro.ps_id, other.ps_id):
        one, many = await fast.consultation(grant_id, ps_id), await ports.consultation(
            grant_id, ps_id)
        assert one == many and one is not None
        assert [i.item_id for i in one.items] == sorted(i.item_id for i in one.items)
        assert len(one.items) == 2 and one.head is not None and not one.blocked
        bare = await fast.consultation(grant_id, ps_id, items=False)  # a token check's read
        assert bare == await ports.consultation(grant_id, ps_id, items=False)
        assert bare is not None and bare.items == () and bare.grant == one.grant
        assert (bare.dossier, bare.head, bare.blocked) == (one.dossier, one.head, one.blocked)
    await app.services.db.block(dossier.dossier_id, other.ps_id, app.clock.now)
    one = await fast.consultation(grant_id, other.ps_id)
    assert one == await ports.consultation(grant_id, other.ps_id)
    assert one is not None and one.blocked
    assert await fast.consultation("0" * 32, pro.ps_id) is None
    assert await ports.consultation("0" * 32, pro.ps_id) is None
    assert {r.revision for r in one.items if r.item_id == first.item_id} == {2}
    await dossier.close()  # the grant goes with the dossier: an unknown grant either way
    assert await fast.consultation(grant_id, pro.ps_id) is None
    assert await ports.consultation(grant_id, pro.ps_id) is None


async def test_signed_in_is_the_session_with_the_entry_as_it_is_now(app: Harness) -> None:
    """``Sessions.signed_in`` (the guard's one read) answers what ``session`` and
    ``professional`` answer, on the database and in the fake; an entry changed after login
    is read as it is now; a patient's session has no entry."""
    pro = await professional(app)
    fake = MemoryServiceDb()
    entry = await app.services.db.professional(pro.ps_id)
    assert entry is not None
    await fake.register_professional(entry)
    sid = secrets.token_hex(16)
    for db in (app.services.db, fake):
        s = Session(sid=sid, kind="professional", subject=pro.ps_id, roles=(),
                    expires_at=app.clock.now + 60)
        await db.create_session(s)
        assert await db.signed_in(sid) == (s, await db.professional(pro.ps_id))
        await db.set_professional_status(pro.ps_id, "blocked", [])
        found = await db.signed_in(sid)
        assert found is not None and found[1] is not None and found[1].status == "blocked"
        patient_sid = secrets.token_hex(16)
        p = Session(sid=patient_sid, kind="patient", subject=pro.ps_id, roles=(),
                    expires_at=app.clock.now + 60)
        await db.create_session(p)
        assert await db.signed_in(patient_sid) == (p, None)
        assert await db.signed_in(secrets.token_hex(16)) is None
        sid = secrets.token_hex(16)

"""The history check against a server that forges events (issue 8, items 5 and 12), through a
real server on SQLite and PostgreSQL.

The attacker holds the running server and its database: after the patient verified the
history once, it appends a professional's event the professional never made — (a) with no
signature, (b) signed by a key absent from the directory, (c) a copy of a genuine signed
request (same nonce), (d) signed by its own key after swapping the professional's directory
entry (which the authority's countersignature no longer covers) — and each time the
patient's client refuses the history with a clear reason. The control: a real consultation
(scan and write) verifies.

Free text (who opened a card, the break-glass reason) is sealed to the patient by the client
that sends it: a canary in each is nowhere in the raw database, nor in the event bytes the
server serves; the patient's history shows both.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from typing import Any

import nacl.signing
import pytest

from consent import audit
from consent.errors import ChainBroken
from consent.request import request_detail, sign_request
from tests.e2e.conftest import Server
from tests.e2e.db import query
from tests.e2e.test_consent import World, _pro, _world, now
from tests.e2e.test_journey import database_dump
from vault import Dossier
from web import schemas
from web.client import Api
from web.client.consent import issue_grant, scan
from web.client.emergency import allow_break_glass, break_glass, issue_card, open_card, service_key
from web.client.history import history
from web.client.writes import write_item
from web.nir import nir_key


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def _number(server: Server, n: int) -> int:
    return n + (0 if server.engine == "sqlite" else 50)


def _sql(server: Server, sql: str) -> str:
    """``?`` placeholders for SQLite, ``$n`` for PostgreSQL."""
    if server.engine == "sqlite":
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))


class Attacker:
    """The server's operator editing its database: appends forged events after the head the
    patient saw, and takes them back out."""

    def __init__(self, server: Server, dossier_id: str, head: audit.ChainHead,
                 last: audit.Event) -> None:
        self.server, self.dossier_id, self.head, self.last = server, dossier_id, head, last

    def event(self, **kw: Any) -> audit.Event:
        return audit.Event(seq=self.head.seq + 1, at=self.last.at + 1, **kw)

    async def append(self, event: audit.Event) -> None:
        new = audit.append(self.head, event)
        await query(self.server, _sql(self.server, "INSERT INTO carnet_audit (dossier_id, seq, "
                                                   "blob, hash) VALUES (?, ?, ?, ?)"),
                    self.dossier_id, event.seq, audit.encode_event(event), new.hash)

    async def undo(self) -> None:
        await query(self.server, _sql(self.server, "DELETE FROM carnet_audit WHERE dossier_id "
                                                   "= ? AND seq > ?"),
                    self.dossier_id, self.head.seq)


def forged_scan(attacker: Attacker, actor: str, key: nacl.signing.SigningKey,
                grant_id: str) -> audit.Event:
    """A ``token_scanned`` event with a request signature that checks under ``key``."""
    nonce, at, body = secrets.token_bytes(16), attacker.last.at, b'{"token": "x"}'
    detail = {**request_detail("POST", "/consent/scan", body, nonce, at),
              "grant": grant_id, "items": 2, "sections": "allergies"}
    return attacker.event(kind="token_scanned", actor=actor, detail=detail,
                          request_signature=sign_request("POST", "/consent/scan", body, nonce,
                                                         at, key),
                          actor_public=key.verify_key.encode())


async def _verify(w: World, pins: tuple[bytes, audit.ChainHead], authority: bytes
                  ) -> audit.ChainHead:
    key, seen = pins
    return (await history(w.dossier, w.patient_api, server_public=key, last_seen=seen,
                          authority_public=authority)).head


async def _refused(w: World, pins: tuple[bytes, audit.ChainHead], authority: bytes) -> ChainBroken:
    with pytest.raises(ChainBroken) as info:
        await _verify(w, pins, authority)
    return info.value


async def _consultation(w: World, authority: bytes) -> str:
    """The control: the patient grants, the doctor scans and writes."""
    d = w.dossier
    await d.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    issued = await issue_grant(d, w.patient_api, w.doctor.ps_id, ["allergies"], seconds=3600,
                               write=True, now=now(), authority_public=authority)
    async with Api(w.server.direct_url) as api:
        await w.doctor.login(api)
        seen = await scan(api, w.doctor, issued.text, now=now())
        assert [i.title for i in seen.items] == ["Pénicilline"]
        await write_item(api, w.doctor, issued.text, "allergies", "allergy", "Arachide",
                         "2025-01-01", now=now())
    return issued.grant_id


async def _forgeries(server: Server) -> None:
    w = await _world(server, 90 + _number(server, 1))
    authority = server.authority().verify_key.encode()
    grant_id = await _consultation(w, authority)

    # The patient verifies once: the real consultation is accepted.
    first = await history(w.dossier, w.patient_api, server_public=None, last_seen=None,
                          authority_public=authority)
    kinds = [e.kind for e in first.events]
    assert "token_scanned" in kinds and "item_written" in kinds
    pins = (first.server_public, first.head)
    doctor = f"ps:{w.doctor.ps_id}"
    attacker = Attacker(server, w.dossier.dossier_id, first.head, first.events[-1])
    genuine = next(e for e in first.events if e.kind == "token_scanned")
    stranger = nacl.signing.SigningKey.generate()

    cases: list[tuple[str, audit.Event, str]] = [
        # (a) no signature at all, whatever the kind
        ("a", attacker.event(kind="token_scanned", actor=doctor,
                             detail={"grant": grant_id, "items": 2, "sections": "allergies"}),
         "bad_signature"),
        ("a2", attacker.event(kind="login", actor=doctor), "bad_signature"),
        # (b) a valid signature by a key absent from the directory
        ("b", forged_scan(attacker, doctor, stranger, grant_id), "unknown_actor"),
        # (c) a copy of the doctor's genuine signed request (same nonce)
        ("c", replace(genuine, seq=attacker.head.seq + 1, at=attacker.last.at + 1),
         "replayed"),
        # a professional's kind of event claimed by nobody who signs
        ("e", attacker.event(kind="token_scanned", actor="patient", detail={}),
         "unknown_actor"),
    ]
    for name, event, expected in cases:
        await attacker.append(event)
        broken = await _refused(w, pins, authority)
        assert broken.reason == expected, (name, broken.reason, str(broken))
        assert expected in str(broken) and f"event {event.seq}" in str(broken)
        await attacker.undo()
        assert await _verify(w, pins, authority) == first.head  # back to the genuine log

    # (d) the doctor's directory entry swapped for the attacker's key (the authority's
    # countersignature no longer covers it), and an event signed with that key.
    (original,) = await query(server, _sql(server, "SELECT sign_public, countersignature FROM "
                                                   "carnet_professional WHERE ps_id = ?"),
                              w.doctor.ps_id)
    swap = _sql(server, "UPDATE carnet_professional SET sign_public = ?, countersignature = ? "
                        "WHERE ps_id = ?")
    bogus = stranger.sign(b"not the authority's countersignature").signature
    await query(server, swap, stranger.verify_key.encode(), bogus, w.doctor.ps_id)
    await attacker.append(forged_scan(attacker, doctor, stranger, grant_id))
    broken = await _refused(w, pins, authority)
    assert broken.reason == "unknown_actor", str(broken)
    await attacker.undo()
    await query(server, swap, bytes(original[0]), bytes(original[1]), w.doctor.ps_id)
    assert await _verify(w, pins, authority) == first.head
    await w.patient_api.aclose()


def test_forged_professional_events_fail_the_history_check(server: Server) -> None:
    run(_forgeries(server))


# ------------------------------------------------------------------ sealed free text (12)
WHO = "Pompiers canari-WHO-5c1e"
REASON = "patient inconscient canari-REASON-9b7d"
LEGACY = "ancien client canari-LEGACY-2f4a"


def _encodings(text: str) -> list[bytes]:
    raw = text.encode("utf-8")
    return [raw, text.encode("utf-16-le"), raw.hex().encode()]


async def _sealed_story(server: Server) -> Dossier:
    n = 92 + _number(server, 1)
    w = await _world(server, n)
    d = w.dossier
    authority = server.authority().verify_key.encode()
    await d.add("blood_group", "blood_group", "O-", "2000-01-01")
    card = await issue_card(d, w.patient_api, days=30)
    async with Api(server.direct_url) as anyone:
        assert len(await open_card(anyone, card.text, card.passcode, who=WHO)) == 1
        # An older client sending ``who`` in plaintext: the server seals it at once.
        await anyone.send("POST", f"/emergency/cards/{card.card_id}/open",
                          schemas.CardOpenRequest(passcode=card.passcode, who=LEGACY),
                          schemas.EmergencyBody, auth=False)
    operator = Api(server.direct_url, session=server.operator_token_file.read_text().strip())
    samu = await _pro(server, operator, f"8600000{n:05d}", ["emergency"])
    await operator.aclose()
    await allow_break_glass(d, w.patient_api, await service_key(w.patient_api))
    secret = bytes.fromhex((server.dev_keys / "emergency.key").read_text().strip())
    async with Api(server.direct_url) as api:
        await samu.login(api)
        assert await break_glass(api, samu, secret, _nir(n), REASON, now=now())

    # Nowhere in the raw database, nor in what the server serves as the history.
    dump = database_dump(server)
    body = await w.patient_api.get(f"/dossiers/{d.dossier_id}/history", schemas.HistoryBody)
    served = b"".join(body.events)
    for text in (WHO, REASON, LEGACY):
        for encoded in _encodings(text):
            assert encoded not in dump, text
            assert encoded not in served, text
    # The patient's client opens them.
    h = await history(d, w.patient_api, server_public=None, last_seen=None,
                      authority_public=authority)
    shown = [audit.readable_detail(e, d.ring.box_secret) for e in h.events]
    assert {"result": "opened", "by": WHO, "items": 1} in shown
    assert any(s.get("by") == LEGACY for s in shown)
    glass = next(s for e, s in zip(h.events, shown, strict=True)
                 if e.kind == "emergency_access")
    assert glass["reason"] == REASON and glass["result"] == "opened"
    raw = next(e for e in h.events if e.kind == "emergency_access")
    assert "reason" not in raw.detail and "reason_sealed" in raw.detail
    await w.patient_api.aclose()
    return d


def _nir(n: int) -> str:
    """The NIR ``tests.e2e.test_consent._world(server, n)`` registers."""
    body = f"1700575{n:06d}"
    return body + nir_key(body)


def test_break_glass_reason_and_card_who_are_sealed_to_the_patient(server: Server) -> None:
    run(_sealed_story(server))

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
import json
import os
import secrets
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import nacl.signing
import pytest

from consent import audit, note
from consent.errors import ChainBroken
from consent.request import request_detail, sign_request
from tests.e2e.conftest import REPO, Server
from tests.e2e.db import query
from tests.e2e.test_consent import World, _pro, _world, now
from tests.e2e.test_journey import database_dump
from vault import Dossier
from web import schemas
from web.client import Api, login
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
    # (d2) the same with another professional's genuine key and countersignature (the
    # authority signed that entry, not this one), the event signed by that professional.
    (theirs,) = await query(server, _sql(server, "SELECT sign_public, countersignature FROM "
                                                 "carnet_professional WHERE ps_id = ?"),
                            w.other.ps_id)
    await query(server, swap, bytes(theirs[0]), bytes(theirs[1]), w.doctor.ps_id)
    await attacker.append(forged_scan(attacker, doctor, w.other.signing_key, grant_id))
    broken = await _refused(w, pins, authority)
    assert broken.reason == "unknown_actor", str(broken)
    await query(server, swap, bytes(original[0]), bytes(original[1]), w.doctor.ps_id)
    # (d3) the server answers the doctor's lookup with the other's genuine entry.
    assert w.patient_api.session is not None
    async with Api(server.direct_url, session=w.patient_api.session,
                   transport=Redirect(f"/professionals/{w.doctor.ps_id}",
                                      f"/professionals/{w.other.ps_id}")) as lying:
        with pytest.raises(ChainBroken) as info:
            await history(w.dossier, lying, server_public=pins[0], last_seen=pins[1],
                          authority_public=authority)
    assert info.value.reason == "unknown_actor", str(info.value)
    await attacker.undo()
    assert await _verify(w, pins, authority) == first.head
    await w.patient_api.aclose()


class Redirect(httpx.AsyncBaseTransport):
    """A server that answers one path with what another path gives."""

    def __init__(self, path: str, instead: str) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._path, self._instead = path, instead

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self._path:
            request.url = request.url.copy_with(path=self._instead)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


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
    shown = [note.readable_detail(e, d.ring.box_secret) for e in h.events]
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


# ------------------------------------------------------------------ through the CLI
def _cli_nir(server: Server) -> str:
    body = f"2800575{37 if server.engine == 'sqlite' else 38:06d}"
    return body + nir_key(body)


async def _genuine_scan(server: Server, nir: str, passphrase: str
                        ) -> tuple[str, audit.ChainHead, audit.Event, audit.Event]:
    """What the attacker reads from the server: the dossier, the chain head, the last event
    and the doctor's genuine scan."""
    async with Api(server.direct_url) as api:
        d = await login(api, nir, passphrase, clock=now)
        body = await api.get(f"/dossiers/{d.dossier_id}/history", schemas.HistoryBody)
    events = [audit.decode_event(b) for b in body.events]
    head = audit.SignedHead.decode(body.head).head
    return (d.dossier_id, head, events[-1],
            next(e for e in events if e.kind == "token_scanned"))


def test_patient_history_command_refuses_forged_events(server: Server, tmp_path: Path) -> None:
    nir = _cli_nir(server)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Blanc,Jeanne,1980-05-01,1 rue Basse,\n")
    server.operator("load-registry", str(csv_path))
    envs = {}
    for ps_id, home, roles in (("810000000077", "ph77", ["pharmacist"]),
                               ("820000000077", "doc77", [])):
        envs[home] = {"CARNET_PASSPHRASE": f"secret of {ps_id}"}
        server.cli_json("pro", "register", "--id", ps_id, "--name", f"Dr {ps_id[-2:]}",
                        "--profession", "médecin", home=home, env=envs[home])
        server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1980-05-01", home="ph77", env=envs["ph77"])["code"]
    pat = {"CARNET_PASSPHRASE": "jeanne passphrase"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="jeanne", env=pat)
    server.cli_json("patient", "add", "allergies", "allergy", "Iode", "--date", "2023-01-01",
                    home="jeanne", env=pat)
    granted = server.cli_json("patient", "grant", "--to", "820000000077", "--section",
                              "allergies", home="jeanne", env=pat)
    server.cli_json("pro", "scan", "--text", granted["token"], home="doc77", env=envs["doc77"])
    card_png = tmp_path / "card.png"
    card = server.cli_json("patient", "card", "--out", str(card_png), home="jeanne", env=pat)
    server.cli_json("emergency", "open", "--image", str(card_png), "--who", WHO, home="samu",
                    env={"CARNET_CARD_PASSCODE": card["passcode"]})

    # The patient checks once: the history verifies and shows who opened the card.
    shown = server.cli_json("patient", "history", home="jeanne", env=pat)
    assert shown["verified"] is True
    opened = [e for e in shown["events"] if e["kind"] == "card_used"]
    assert [e["detail"].get("by") for e in opened] == [WHO]
    text = subprocess.run(  # as a person reads it (no --json)
        [sys.executable, "-m", "web.cli", "--server", server.url, "--home",
         str(server.homes / "jeanne"), "patient", "history"], cwd=REPO, capture_output=True,
        text=True, timeout=120, check=True, stdin=subprocess.DEVNULL,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}, **pat})
    # In sentences (web.client.history_text), with the name the opener gave, unsealed here.
    assert f"a ouvert votre résumé d'urgence. Nom donné : « {WHO} »." in text.stdout \
        or f"opened your emergency summary. Name given: “{WHO}”." in text.stdout, text.stdout
    assert "every professional's entry signed by them" in text.stdout
    assert WHO.encode() not in database_dump(server)

    dossier_id, head, last, genuine = asyncio.run(_genuine_scan(server, nir,
                                                                "jeanne passphrase"))
    attacker = Attacker(server, dossier_id, head, last)
    for event, expected in (
            (attacker.event(kind="token_scanned", actor=genuine.actor,
                            detail={"grant": granted["grant_id"], "items": 1}),
             "bad_signature"),
            (replace(genuine, seq=head.seq + 1, at=last.at + 1), "replayed")):
        asyncio.run(attacker.append(event))
        broken = server.cli("patient", "history", home="jeanne", env=pat, check=False)
        assert broken.returncode == 2, broken.stdout
        assert f"does not verify: {expected}: event {head.seq + 1}" in broken.stderr
        assert json.loads(broken.stdout)["error"]["code"] == "audit_chain_broken"
        asyncio.run(attacker.undo())
    server.cli("patient", "history", home="jeanne", env=pat)  # the genuine log, again

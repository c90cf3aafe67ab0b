"""Professional writes, deposits and blocks end to end against a real server (SQLite and
PostgreSQL), through the Python client and the CLI."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consent import audit
from tests.e2e.conftest import Server, Smtp, body_of
from tests.e2e.db import query
from vault import items
from vault.dossier import Dossier, seal_item
from vault.errors import Conflict, NotAllowed, NotFound
from vault.items import Author
from vault.keyring import KeyLookup
from vault.sections import Section
from web import schemas
from web.client import Api, ApiError, ProfessionalIdentity, activate
from web.client.consent import issue_grant, verified_history
from web.client.directory import approve
from web.client.writes import (
    block,
    blocks,
    deposit,
    file_deposits,
    open_grant,
    pending_deposits,
    seal_for_grant,
    send_item,
    unblock,
    write_item,
)
from web.nir import nir_key


def now() -> int:
    return int(time.time())


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@dataclass
class Cast:
    """The professionals of this module's server, registered and signed in once (the server
    rate-limits registrations and logins per address)."""

    pharmacist: ProfessionalIdentity
    doctor: ProfessionalIdentity
    lab: ProfessionalIdentity
    sessions: dict[str, str]


async def _pro(server: Server, operator: Api, ps_id: str, name: str, profession: str,
               roles: list[str]) -> ProfessionalIdentity:
    pro = ProfessionalIdentity.new(ps_id)
    async with Api(server.direct_url) as api:
        await pro.register(api, name=name, profession=profession)
    await approve(operator, ps_id, roles, server.authority())
    return pro


async def _cast(server: Server) -> Cast:
    async with Api(server.direct_url,
                   session=server.operator_token_file.read_text().strip()) as operator:
        pharmacist = await _pro(server, operator, "810000000001", "Pharmacie Centrale",
                                "pharmacien", ["pharmacist"])
        doctor = await _pro(server, operator, "840000000001", "Dr Anne Leroy", "médecin", [])
        lab = await _pro(server, operator, "850000000001", "Laboratoire Bio+", "biologiste",
                         [])
    sessions = {}
    for pro in (pharmacist, doctor, lab):
        async with Api(server.direct_url) as api:
            sessions[pro.ps_id] = (await pro.login(api)).session
    return Cast(pharmacist, doctor, lab, sessions)


@pytest.fixture(scope="module")
def cast(server: Server) -> Cast:
    return run(_cast(server))


@dataclass
class World:
    server: Server
    cast: Cast
    nir: str
    email: str
    dossier: Dossier
    patient_api: Api
    authority: bytes

    @property
    def doctor(self) -> ProfessionalIdentity:
        return self.cast.doctor

    @property
    def lab(self) -> ProfessionalIdentity:
        return self.cast.lab

    def pro_api(self, who: ProfessionalIdentity) -> Api:
        return Api(self.server.direct_url, session=self.cast.sessions[who.ps_id])

    async def grant(self, sections: list[str], *, write: bool, seconds: int = 3600) -> Any:
        return await issue_grant(self.dossier, self.patient_api, self.doctor.ps_id, sections,
                                 seconds=seconds, write=write, now=now(),
                                 authority_public=self.authority)

    async def close(self) -> None:
        await self.patient_api.aclose()


async def _world(server: Server, cast: Cast, n: int) -> World:
    body = f"1850675{n:06d}"
    nir = body + nir_key(body)
    email = f"patient{n}.{server.engine}@example.org"
    async with Api(server.direct_url,
                   session=server.operator_token_file.read_text().strip()) as operator:
        await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
            csv=f"nir,last_name,first_name,birth_date,address,email\n{nir},Martin,Zoé,"
                f"1985-06-01,2 rue Neuve,{email}\n"), schemas.RegistryLoadResult)
    async with Api(server.direct_url, session=cast.sessions[cast.pharmacist.ps_id]) as api:
        code = await cast.pharmacist.start_activation(api, nir, "1985-06-01")
    patient_api = Api(server.direct_url)
    dossier, _ = await activate(patient_api, nir, code.code, "zoé passphrase", clock=now)
    return World(server, cast, nir, email, dossier, patient_api,
                 server.authority().verify_key.encode())


def _number(server: Server, n: int) -> int:
    return n + (0 if server.engine == "sqlite" else 50)


def _sql(server: Server, sql: str) -> str:
    """``?`` placeholders for SQLite, ``$n`` (bytea where needed) for PostgreSQL."""
    if server.engine == "sqlite":
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))


# ------------------------------------------------------------------------------ writes
async def _write_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 1))
    d = w.dossier
    await d.add("current_treatments", "medication", "Ventoline", "2024-01-10")
    issued = await w.grant(["current_treatments", "allergies"], write=True)
    api = w.pro_api(w.doctor)
    opened, written = await write_item(api, w.doctor, issued.text, "current_treatments",
                                       "prescription", "Amoxicilline 1 g", "2025-02-03",
                                       {"dose": "1 g x 3 / jour", "days": 6},
                                       name="Dr Anne Leroy", now=now())
    assert opened.write and opened.dossier.dossier_id == d.dossier_id
    # Wrapped under the grant's CURRENT key of the section.
    (record,) = await d._store.revisions(d.dossier_id, written.item_id)
    assert record.key_ref == opened.keys.current[Section.CURRENT_TREATMENTS]

    # The patient reads it, authored by the doctor (not their own: they cannot edit it).
    got = await d.get(written.item_id)
    assert got.title == "Amoxicilline 1 g" and got.body["days"] == 6
    assert got.author == Author.professional(w.doctor.ps_id, "Dr Anne Leroy")
    assert not got.own
    listed = await d.list("current_treatments")
    assert {i.title for i in listed} == {"Ventoline", "Amoxicilline 1 g"}
    with pytest.raises(NotAllowed):
        await d.edit(written.item_id, title="changed")
    # The doctor sees it at the next scan too.
    again = await open_grant(api, w.doctor, issued.text, now=now())
    assert again.dossier.dossier_id == d.dossier_id

    # A section outside the grant: the client has no key for it.
    with pytest.raises(NotAllowed):
        await write_item(api, w.doctor, issued.text, "medical_history", "condition", "HTA",
                         "2025-01-01", now=now(), opened=opened)
    # The same item id again: refused (professionals only add new items).
    with pytest.raises(Conflict):
        await send_item(api, w.doctor, issued.text, record, now=now())
    await api.aclose()

    events, _, _ = await verified_history(d, w.patient_api, server_public=None, last_seen=None)
    wrote = [e for e in events if e.kind == "item_written"]
    assert len(wrote) == 1
    assert wrote[0].actor == f"ps:{w.doctor.ps_id}" and wrote[0].signed_request
    assert wrote[0].detail["item"] == written.item_id
    assert wrote[0].detail["grant"] == issued.grant_id
    assert "section" not in wrote[0].detail  # the server never learns a ref's section
    await w.close()


def test_write_grant_lets_the_doctor_add_a_prescription(server: Server, cast: Cast) -> None:
    run(_write_story(server, cast))


async def _read_only_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 2))
    d = w.dossier
    issued = await w.grant(["current_treatments"], write=False)
    api = w.pro_api(w.doctor)
    opened = await open_grant(api, w.doctor, issued.text, now=now())
    assert not opened.write
    draft = items.draft("current_treatments", "prescription", "Doliprane", "2025-02-03",
                        author=Author.professional(w.doctor.ps_id))
    record = seal_for_grant(opened, draft, created_at=now())
    with pytest.raises(ApiError) as refused:
        await send_item(api, w.doctor, issued.text, record, now=now())
    assert refused.value.status == 403 and refused.value.code == "write_not_granted"
    await api.aclose()
    assert await d.list() == []
    await w.close()


def test_read_only_grant_refuses_writes(server: Server, cast: Cast) -> None:
    run(_read_only_story(server, cast))


async def _key_outside_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 3))
    d = w.dossier
    issued = await w.grant(["current_treatments"], write=True)
    api = w.pro_api(w.doctor)
    draft = items.draft("allergies", "allergy", "Arachide", "2025-02-03",
                        author=Author.professional(w.doctor.ps_id))
    plaintext = items.encode(draft, created_at=now())
    # A real key of the dossier the grant does not carry (allergies), and an invented one.
    outside = [d.ring.current(Section.ALLERGIES),
               KeyLookup(secrets.token_hex(16), secrets.token_bytes(32), Section.ALLERGIES)]
    for wrapping in outside:
        record = seal_item(plaintext, dossier_id=d.dossier_id, item_id=secrets.token_hex(16),
                           revision=1, created_at=now(), wrapping=wrapping,
                           section=Section.ALLERGIES, rng=secrets.token_bytes)
        with pytest.raises(ApiError) as refused:
            await send_item(api, w.doctor, issued.text, record, now=now())
        assert refused.value.status == 403 and refused.value.code == "key_not_granted"
    await api.aclose()
    assert await d.list() == []
    await w.close()


def test_key_ref_outside_the_grant_is_refused(server: Server, cast: Cast) -> None:
    run(_key_outside_story(server, cast))


# ------------------------------------------------------------------------------ deposits
async def _deposit_story(server: Server, cast: Cast, smtp: Smtp) -> None:
    w = await _world(server, cast, _number(server, 4))
    d = w.dossier
    api = w.pro_api(w.lab)
    done = await deposit(api, w.lab, w.nir, "exam_results", "lab_result", "NFS",
                         "2025-03-01", {"hb": 13.5}, name="Laboratoire Bio+", now=now())
    await api.aclose()
    assert done.dossier_id == d.dossier_id
    mail = smtp.wait_for(w.email, contains="déposé")
    assert "NFS" not in body_of(mail)  # never medical content in an e-mail
    # The server holds only the sealed blob.
    (row,) = await query(server, _sql(server, "SELECT blob FROM carnet_deposit WHERE "
                                              "deposit_id = ?"), done.deposit_id)
    assert b"NFS" not in bytes(row[0])

    filing = await file_deposits(d, w.patient_api, authority_public=w.authority)
    assert filing.rejected == []
    [(deposit_id, item)] = filing.filed
    assert deposit_id == done.deposit_id
    got = await d.get(item.item_id)
    assert got.section == Section.EXAM_RESULTS and got.title == "NFS"
    assert got.body == {"hb": 13.5}
    assert got.author == Author.professional(w.lab.ps_id, "Laboratoire Bio+") and not got.own
    assert await pending_deposits(d, w.patient_api) == []

    events, _, _ = await verified_history(d, w.patient_api, server_public=None, last_seen=None)
    (dep,) = [e for e in events if e.kind == "item_deposited"]
    assert dep.actor == f"ps:{w.lab.ps_id}" and dep.signed_request
    assert dep.actor_public == w.lab.signing_key.verify_key.encode()
    await w.close()


def test_deposit_arrives_verifies_and_is_filed(server: Server, cast: Cast, smtp: Smtp) -> None:
    run(_deposit_story(server, cast, smtp))


async def _tampered_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 5))
    d = w.dossier
    api = w.pro_api(w.lab)
    done = await deposit(api, w.lab, w.nir, "exam_results", "lab_result", "Glycémie",
                         "2025-03-02", now=now())
    await api.aclose()
    (row,) = await query(server, _sql(server, "SELECT blob FROM carnet_deposit WHERE "
                                              "deposit_id = ?"), done.deposit_id)
    blob = bytearray(bytes(row[0]))
    blob[40] ^= 0x01
    update = ("UPDATE carnet_deposit SET blob = $1::bytea WHERE deposit_id = $2"
              if server.engine == "postgres" else
              "UPDATE carnet_deposit SET blob = ? WHERE deposit_id = ?")
    await query(server, update, bytes(blob), done.deposit_id)

    filing = await file_deposits(d, w.patient_api, authority_public=w.authority)
    assert filing.filed == []
    [rejected] = filing.rejected
    assert rejected.deposit_id == done.deposit_id and rejected.ps_id == w.lab.ps_id
    assert "signature" in rejected.reason
    # Left in place, nothing filed.
    assert [p.deposit_id for p in await pending_deposits(d, w.patient_api)] == [done.deposit_id]
    assert await d.list() == []
    await w.close()


def test_tampered_deposit_is_rejected_and_left(server: Server, cast: Cast) -> None:
    run(_tampered_story(server, cast))


# ------------------------------------------------------------------------------ blocks
async def _block_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 6))
    d = w.dossier
    await d.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    issued = await w.grant(["allergies", "current_treatments"], write=True)
    api = w.pro_api(w.doctor)
    opened = await open_grant(api, w.doctor, issued.text, now=now())
    old_refs = set(opened.keys.refs)

    result = await block(d, w.patient_api, w.doctor.ps_id)
    assert result.revoked == [issued.grant_id]
    # Rotated at once (issue 8, P5), not merely marked for the next write.
    for section in (Section.ALLERGIES, Section.CURRENT_TREATMENTS):
        assert d.ring.current(section).ref not in old_refs
    assert [b.ps_id for b in await blocks(d, w.patient_api)] == [w.doctor.ps_id]

    # Scans and writes are refused as blocked (not merely revoked).
    with pytest.raises(ApiError) as scan_refused:
        await open_grant(api, w.doctor, issued.text, now=now())
    assert scan_refused.value.status == 403 and scan_refused.value.code == "professional_blocked"
    draft = items.draft("current_treatments", "prescription", "Ibuprofène", "2025-04-01",
                        author=Author.professional(w.doctor.ps_id))
    with pytest.raises(ApiError) as write_refused:
        await send_item(api, w.doctor, issued.text,
                        seal_for_grant(opened, draft, created_at=now()), now=now())
    assert write_refused.value.status == 403
    assert write_refused.value.code == "professional_blocked"

    # The next write rotates the section key: the blocked doctor's keys do not open it.
    later = await d.add("allergies", "allergy", "Latex", "2025-04-02")
    (record,) = await d._store.revisions(d.dossier_id, later.item_id)
    assert record.key_ref not in old_refs

    # A blocked professional can still deposit (as in the DMP).
    done = await deposit(api, w.doctor, w.nir, "care_history", "consultation_report",
                         "Compte rendu", "2025-04-03", name="Dr Anne Leroy", now=now())
    await api.aclose()
    filing = await file_deposits(d, w.patient_api, authority_public=w.authority)
    assert [dep for dep, _ in filing.filed] == [done.deposit_id] and filing.rejected == []

    # Blocking someone unknown is a 404; unblocking lifts the block, not the revocation.
    with pytest.raises(NotFound):
        await block(d, w.patient_api, "899999999999")
    await unblock(d, w.patient_api, w.doctor.ps_id)
    assert await blocks(d, w.patient_api) == []
    api = w.pro_api(w.doctor)
    with pytest.raises(ApiError) as revoked:
        await open_grant(api, w.doctor, issued.text, now=now())
    assert revoked.value.code == "token_revoked"
    await api.aclose()

    # The history: grant, scan, block (with the revocation), deposit, unblock; every
    # professional entry carries its own request signature, checked by verify_chain.
    events, _, _ = await verified_history(d, w.patient_api, server_public=None, last_seen=None)
    # (the patient's own items aside): the refused scans and writes are there too, and the
    # deposit filed.
    kinds = [e.kind for e in events if e.kind != "item_added"]
    assert kinds == ["grant_issued", "token_scanned", "grant_revoked", "professional_blocked",
                     "token_refused", "token_refused", "item_deposited", "deposit_filed",
                     "professional_blocked", "token_refused"]
    assert [e.detail["result"] for e in events if e.kind == "token_refused"] == [
        "blocked", "blocked", "revoked"]
    blocked, unblocked = [e for e in events if e.kind == "professional_blocked"]
    assert blocked.actor == "patient" and blocked.detail["professional"] == w.doctor.ps_id
    assert blocked.detail["blocked"] == 1 and blocked.detail["grants_revoked"] == 1
    assert unblocked.detail["blocked"] == 0
    for e in events:
        if e.actor.startswith("ps:"):
            assert e.signed_request
            assert e.actor_public == w.doctor.signing_key.verify_key.encode()
    await w.close()


def test_blocking_refuses_scans_and_writes_but_not_deposits(server: Server, cast: Cast) -> None:
    run(_block_story(server, cast))


async def _history_story(server: Server, cast: Cast) -> None:
    w = await _world(server, cast, _number(server, 7))
    d = w.dossier
    issued = await w.grant(["current_treatments"], write=True)
    api = w.pro_api(w.doctor)
    await write_item(api, w.doctor, issued.text, "current_treatments", "prescription",
                     "Kardégic 75", "2025-05-01", now=now())
    await api.aclose()
    api = w.pro_api(w.lab)
    await deposit(api, w.lab, w.nir, "exam_results", "lab_result", "Créatinine", "2025-05-02",
                  now=now())
    await api.aclose()
    await block(d, w.patient_api, w.doctor.ps_id)

    body = await w.patient_api.get(f"/dossiers/{d.dossier_id}/history", schemas.HistoryBody)
    events = [audit.decode_event(b) for b in body.events]
    head = audit.SignedHead.decode(body.head)
    audit.verify_chain(events, head, body.server_public, last_seen=None,
                       dossier_id=d.dossier_id)
    by_kind = {e.kind: e for e in events}
    assert {"item_written", "item_deposited", "professional_blocked"} <= set(by_kind)
    written, deposited = by_kind["item_written"], by_kind["item_deposited"]
    assert written.actor_public == w.doctor.signing_key.verify_key.encode()
    assert deposited.actor_public == w.lab.signing_key.verify_key.encode()
    for e in (written, deposited):
        audit.verify_request(e)  # the professional's own signature over the request
        assert e.detail["method"] == "POST"
    assert written.detail["path"] == "/consent/items"
    assert deposited.detail["path"] == "/deposits"
    # The server cannot pin the request on someone else: swap the key and it fails.
    forged = audit.Event(seq=written.seq, at=written.at, kind=written.kind,
                         actor=written.actor, detail=written.detail,
                         request_signature=written.request_signature,
                         actor_public=w.lab.signing_key.verify_key.encode())
    with pytest.raises(audit.ChainBroken):
        audit.verify_request(forged)
    await w.close()


def test_history_shows_writes_deposits_and_blocks_verified(server: Server, cast: Cast) -> None:
    run(_history_story(server, cast))


# ------------------------------------------------------------------------------ CLI
def _cli_pro(server: Server, ps_id: str, home: str, name: str,
             roles: list[str]) -> dict[str, str]:
    env = {"CARNET_PASSPHRASE": f"secret of {ps_id}"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", name, "--profession",
                    "médecin", home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def test_pro_add_deposit_and_patient_deposits_by_cli(server: Server, tmp_path: Path) -> None:
    n = _number(server, 20)
    body = f"2900275{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Blanc,Jade,1990-02-01,3 rue Basse,\n")
    server.operator("load-registry", str(csv_path))
    ph = _cli_pro(server, f"8100000{n:05d}", "ph", "Pharmacie", ["pharmacist"])
    doc_id, lab_id = f"8400000{n:05d}", f"8500000{n:05d}"
    doc = _cli_pro(server, doc_id, "doc", "Dr Paul Roy", [])
    lab = _cli_pro(server, lab_id, "lab", "Labo Sud", [])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1990-02-01", home="ph", env=ph)["code"]
    pat = {"CARNET_PASSPHRASE": "jade passphrase"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="jade", env=pat)
    granted = server.cli_json("patient", "grant", "--to", doc_id, "--section",
                              "current_treatments", "--write", home="jade", env=pat)

    # pro add: bad input is one line and exit 2, before anything is sent.
    bad = server.cli("pro", "add", "--token", granted["token"], "current_treatments",
                     "prescription", "X", "--date", "03/02/2025", home="doc", env=doc,
                     check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    added = server.cli_json("pro", "add", "--token", granted["token"], "current_treatments",
                            "prescription", "Augmentin", "--date", "2025-02-03", "--body",
                            '{"dose": "1 g"}', home="doc", env=doc)
    assert added["section"] == "current_treatments" and "Augmentin" not in str(added)

    deposited = server.cli_json("pro", "deposit", "--nir", nir, "exam_results", "lab_result",
                                "Ferritine", "--date", "2025-02-04", home="lab", env=lab)
    filed = server.cli_json("patient", "deposits", home="jade", env=pat)
    assert filed["rejected"] == []
    [entry] = filed["filed"]
    assert entry["deposit_id"] == deposited["deposit_id"]
    assert entry["section"] == "exam_results" and entry["author"]["id"] == lab_id
    assert server.cli_json("patient", "deposits", home="jade", env=pat) == {"filed": [],
                                                                            "rejected": []}
    listed = {i["title"]: i for i in server.cli_json("patient", "list", home="jade",
                                                      env=pat)["items"]}
    assert listed["Augmentin"]["author"]["id"] == doc_id and not listed["Augmentin"]["own"]
    assert listed["Augmentin"]["body"] == {"dose": "1 g"}
    assert listed["Ferritine"]["author"]["id"] == lab_id

    blocked = server.cli_json("patient", "block", doc_id, home="jade", env=pat)
    assert blocked["revoked"] == [granted["grant_id"]]
    assert [b["ps_id"] for b in server.cli_json("patient", "blocks", home="jade",
                                                env=pat)["blocks"]] == [doc_id]
    refused = server.cli("pro", "add", "--token", granted["token"], "current_treatments",
                         "prescription", "Encore", "--date", "2025-02-05", home="doc", env=doc,
                         check=False)
    assert refused.returncode == 2 and "professional_blocked" in refused.stderr
    server.cli_json("patient", "unblock", doc_id, home="jade", env=pat)
    assert server.cli_json("patient", "blocks", home="jade", env=pat) == {"blocks": []}
    history = server.cli_json("patient", "history", home="jade", env=pat)
    kinds = [e["kind"] for e in history["events"]]
    assert {"item_written", "item_deposited", "professional_blocked"} <= set(kinds)
    assert all(e["signed_by_actor"] for e in history["events"]
               if e["kind"] in ("item_written", "item_deposited"))

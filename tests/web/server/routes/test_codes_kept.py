"""Activation codes are not silently replaced, a superseded code says so (to its holder
only), a grant to a blocked professional is refused by the server too, and a deposit to a
NIR without a dossier is answered as one to a NIR with one."""

from __future__ import annotations

import secrets

import pytest

from consent import deposit as deposit_format
from tests.web.server.routes.api_support import (
    BASE_URL,
    FakePatient,
    Harness,
    assert_error,
    new_person,
)
from tests.web.server.routes.grant_world import PASSPHRASE, Pro, patient, professional
from vault import Section
from vault.crypto import system_random
from vault.errors import Conflict
from web import schemas
from web.client import Api, activate
from web.client.api import ApiError
from web.client.consent import GrantPlan, issue_planned, request_signer
from web.client.directory import trusted_entry
from web.client.writes import deposit
from web.server.services.activation import FAILED


def _other(code: str) -> str:
    first = "0" if code[0] != "0" else "1"
    return first + code[1:]


async def _send(app: Harness, nir: str, *, resend: bool = False) -> dict[str, int]:
    r = await app.operator("POST", "/operator/codes",
                           schemas.SendCodesBody(channel="email", nirs=[nir], resend=resend))
    assert r.status_code == 200, r.text
    body: dict[str, int] = r.json()
    return body


async def test_a_second_sending_keeps_the_live_code(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    assert await _send(app, person.nir) == {"sent": 0, "skipped": 0, "kept": 1, "replaced": 0}
    assert len(app.mailer.to(person.email)) == 1  # nothing sent, nothing replaced
    r = await app.activate(FakePatient(person), code)
    assert r.status_code == 201, r.text


async def test_resend_replaces_and_the_superseded_code_says_so(app: Harness) -> None:
    person = await app.beneficiary()
    first = await app.email_code(person)
    assert await _send(app, person.nir, resend=True) == {"sent": 1, "skipped": 0, "kept": 0,
                                                         "replaced": 1}
    second = app.mailer.code_for(person.email)
    assert second != first
    patient_ = FakePatient(person)
    for _ in range(6):  # the patient's own old code: not a wrong attempt, never a lock
        body = assert_error(await app.activate(patient_, first), 400, "code_superseded")
    assert "newer" in body["detail"] and "by e-mail" in body["detail"]
    assert person.nir not in body["detail"]
    stored = await app.services.db.code(app.services.activation.nir_hash(person.nir))
    assert stored is not None and stored.attempts == 0
    r = await app.activate(patient_, second)
    assert r.status_code == 201, r.text
    # Once activated, no code (old or new) says anything more than any wrong code.
    assert_error(await app.activate(FakePatient(person), first), 400, "activation_failed",
                 FAILED)


async def test_only_the_holder_of_an_old_code_hears_of_a_newer_one(app: Harness) -> None:
    replaced = await app.beneficiary()
    old = await app.email_code(replaced)
    await app.email_code(replaced, resend=True)
    # A guess on a NIR with superseded codes answers as one on a NIR never in the registry.
    guess = _other(old)
    answers = [await app.activate(FakePatient(p), guess) for p in (replaced, new_person())]
    assert [(r.status_code, r.json()) for r in answers] == [
        (400, {"code": "activation_failed", "detail": FAILED})] * 2


async def test_a_pharmacy_keeps_a_live_code_unless_asked_to_resend(app: Harness) -> None:
    person = await app.beneficiary()
    mailed = await app.email_code(person)
    pro = await app.professional()
    body = {"nir": person.nir, "birth_date": person.birth_date}
    r = await app.call("POST", "/activation/pharmacy", json=body, token=pro.session)
    detail = assert_error(r, 409, "code_pending")["detail"]
    assert "by e-mail" in detail and "resend" in detail
    r = await app.call("POST", "/activation/pharmacy", json={**body, "resend": True},
                       token=pro.session)
    assert r.status_code == 201, r.text
    assert r.json()["replaced"]["channel"] == "email"
    printed = r.json()["code"]
    assert_error(await app.activate(FakePatient(person), mailed), 400, "code_superseded")
    assert (await app.activate(FakePatient(person), printed)).status_code == 201


async def test_the_server_refuses_a_grant_to_a_blocked_professional(app: Harness) -> None:
    dossier, api = await patient(app)
    doctor = await professional(app)
    r = await app.call("POST", f"/dossiers/{dossier.dossier_id}/blocks",
                       json={"ps_id": doctor.ps_id}, token=api.session)
    assert r.status_code == 201, r.text
    # A client that skips its own check (plan_grant) is refused by the server.
    entry = await trusted_entry(api, doctor.ps_id, app.authority.verify_key.encode())
    plan = GrantPlan(recipient=entry, sections=frozenset({Section.ALLERGIES}), write=False,
                     issued_at=app.clock.now, expires_at=app.clock.now + 3600)
    with pytest.raises(ApiError) as refused:
        await issue_planned(dossier, api, plan)
    assert (refused.value.status, refused.value.code) == (403, "professional_blocked")


async def _upload(lab: Pro, app: Harness, nir: str, deposit_id: str) -> int:
    """A deposit with a chosen id, as the client makes it; the HTTP status."""
    where = await lab.api.send("POST", "/deposits/recipient", schemas.RecipientRequest(nir=nir),
                               schemas.RecipientBody)
    sealed = deposit_format.seal(b"opaque", where.box_public, system_random)
    try:
        await lab.api.send("POST", "/deposits", schemas.DepositUpload(
            dossier_id=where.dossier_id, deposit_id=deposit_id, sealed=sealed,
            signature=deposit_format.sign(where.dossier_id, deposit_id, sealed,
                                          lab.identity.signing_key)),
            schemas.DepositReceipt, signer=request_signer(lab.identity, app.clock.now))
    except Conflict:  # the client's name for a 409
        return 409
    return 201


async def test_a_deposit_without_a_dossier_is_answered_as_one_with(app: Harness) -> None:
    holder = await app.beneficiary()
    api = Api(BASE_URL, transport=app.transport)
    dossier, _ = await activate(api, holder.nir, await app.pharmacy_code(holder), PASSPHRASE,
                                clock=app.clock)
    lab = await professional(app, name="Labo Sud", profession="biologiste")
    people = [holder, await app.beneficiary(), new_person()]  # a dossier, none, not registered
    for person in people:
        first = await lab.api.send("POST", "/deposits/recipient",
                                   schemas.RecipientRequest(nir=person.nir),
                                   schemas.RecipientBody)
        again = await lab.api.send("POST", "/deposits/recipient",
                                   schemas.RecipientRequest(nir=person.nir),
                                   schemas.RecipientBody)
        assert first == again and len(first.dossier_id) == 32  # stable: asking twice tells
        done = await deposit(lab.api, lab.identity, person.nir, "exam_results", "lab_result",
                             "Ferritine", "2025-02-04", now=app.clock.now)
        assert len(done.deposit_id) == 32
        repeated = secrets.token_hex(16)
        assert [await _upload(lab, app, person.nir, repeated) for _ in range(2)] == [201, 409]
    pending = await api.get(f"/dossiers/{dossier.dossier_id}/deposits", schemas.DepositPage)
    assert len(pending.deposits) == 2  # the holder's two; the others were kept nowhere

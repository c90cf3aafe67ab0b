"""Activation attacks (P9), through the HTTP API, on SQLite and PostgreSQL.

Codes are single use, expire (1 h at the pharmacy, 30 days by e-mail or post), die after
five wrong tries, are stored only as keyed hashes, and asking for one says nothing about
whether a NIR is in the registry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import statistics
import time

import pytest

from tests.web.server.routes.api_support import (
    FakePatient,
    Harness,
    Person,
    assert_error,
    new_person,
    openapi_operations,
    wrong_key,
)
from web.server.services.codes import generate_code, hash_code, normalize_code
from web.server.storage.tables import ActivationCodeRow

FAILED = ("activation failed: check the NIR and the code; after five wrong codes, ask for a "
          "new one")
EXPIRED = "activation failed: this code has expired; ask for a new one"
HOUR = 3600
DAY = 24 * HOUR


def other_code(than: str) -> str:
    """A well-formed code that is not ``than``."""
    while (code := generate_code(secrets.token_bytes)) == than:
        pass
    return code


async def nothing_created(app: Harness, patient: FakePatient) -> None:
    """No dossier, account or session for ``patient``: its id is unknown to the store."""
    r = await app.call("GET", f"/dossiers/{patient.dossier_id}/tombstone")
    assert_error(r, 404, "not_found")
    assert await app.services.db.dossier_for_login(
        app.services.activation.nir_hash(patient.person.nir)) is None
    assert await app.services.store.row_count(patient.dossier_id) == 0


# ------------------------------------------------------------------------------ codes
async def test_wrong_code_fails_and_creates_nothing(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    patient = FakePatient(person)
    before = await app.row_counts()
    for wrong in (other_code(code), "not a code", ""):
        assert_error(await app.activate(patient, wrong), 400, "activation_failed", FAILED)
    assert await app.row_counts() == before
    await nothing_created(app, patient)
    # the right code still works afterwards: the failures above were the code's alone
    r = await app.activate(patient, code)
    assert r.status_code == 201, r.text
    assert r.json()["subject"] == patient.dossier_id


async def test_code_of_someone_else_fails(app: Harness) -> None:
    alice, bob = await app.beneficiary(), await app.beneficiary()
    await app.email_code(alice)
    bobs_code = await app.email_code(bob)
    patient = FakePatient(alice)
    before = await app.row_counts()
    assert_error(await app.activate(patient, bobs_code), 400, "activation_failed", FAILED)
    assert await app.row_counts() == before
    await nothing_created(app, patient)


async def test_code_is_single_use(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    first = FakePatient(person)
    r = await app.activate(first, code)
    assert r.status_code == 201, r.text
    before = await app.row_counts()
    for attempt in (code, code.lower(), code.replace("-", " ")):
        second = FakePatient(person)
        assert_error(await app.activate(second, attempt), 400, "activation_failed", FAILED)
        r = await app.call("GET", f"/dossiers/{second.dossier_id}/tombstone")
        assert_error(r, 404, "not_found")
    assert await app.row_counts() == before
    # the first activation is untouched: the dossier still answers its holder
    r = await app.call("GET", f"/dossiers/{first.dossier_id}", token=await app.login(first))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("channel", "ttl"), [("pharmacy", HOUR), ("email", 30 * DAY)])
async def test_code_expires(app: Harness, channel: str, ttl: int) -> None:
    async def code_for(person: Person) -> str:
        if channel == "pharmacy":
            return await app.pharmacy_code(person)
        return await app.email_code(person)

    # just before the end of its life, a code works ...
    early = await app.beneficiary()
    code = await code_for(early)
    app.clock.advance(ttl - 60)
    r = await app.activate(FakePatient(early), code)
    assert r.status_code == 201, r.text
    # ... one second after, it does not, and nothing is created
    late = await app.beneficiary()
    code = await code_for(late)
    app.clock.advance(ttl + 1)
    patient = FakePatient(late)
    before = await app.row_counts()
    assert_error(await app.activate(patient, code), 400, "activation_failed", EXPIRED)
    assert await app.row_counts() == before
    await nothing_created(app, patient)


async def test_five_wrong_codes_lock_the_activation(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    patient = FakePatient(person)
    before = await app.row_counts()
    for _ in range(5):
        assert_error(await app.activate(patient, other_code(code)), 400, "activation_failed",
                     FAILED)
    stored = await app.services.db.code(app.services.activation.nir_hash(person.nir))
    assert stored is not None and stored.attempts == 5
    # the sixth attempt is refused even with the right code, and so is any later one, with
    # the answer of any wrong code (a lock says nothing about the NIR: tests/.../test_oracles)
    for attempt in (code, other_code(code), code):
        assert_error(await app.activate(patient, attempt), 400, "activation_failed", FAILED)
    assert await app.row_counts() == before
    await nothing_created(app, patient)
    # a new code (which replaces the dead one) unlocks activation; the dead one says so
    fresh = await app.email_code(person)
    assert_error(await app.activate(patient, code), 400, "code_superseded")
    r = await app.activate(patient, fresh)
    assert r.status_code == 201, r.text


# ------------------------------------------------------------------------------ NIRs
async def test_nir_with_a_wrong_key_is_refused_everywhere(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    bad = wrong_key(person.nir)
    detail = "the key (last 2 digits) does not match: check for a typing error"
    before = await app.row_counts()
    mails = len(app.mailer.messages)
    responses = [
        await app.call("POST", "/activation/request",
                       json={"nir": bad, "birth_date": person.birth_date}),
        await app.call("POST", "/auth/params", json={"login": bad}),
        await app.call("POST", "/auth/challenge", json={"login": bad}),
        # the right code with a mistyped NIR
        await app.activate(FakePatient(Person(bad, person.birth_date, person.email)), code),
    ]
    for r in responses:
        assert_error(r, 400, "invalid_nir", detail)
        assert bad not in r.text and person.nir[:13] not in r.text  # never echoed
    await app.services.notifier.drain()
    assert len(app.mailer.messages) == mails
    assert await app.row_counts() == before
    # the code was not spent on the mistyped NIR
    r = await app.activate(FakePatient(person), code)
    assert r.status_code == 201, r.text


def _same_response(responses: dict[str, tuple[int, bytes, dict[str, str]]]) -> None:
    (first, *others) = responses.values()
    for other in others:
        assert other == first, responses


async def test_code_request_does_not_reveal_the_registry(app: Harness) -> None:
    """Registered NIR, unknown valid NIR, registered NIR with the wrong birth date: the same
    bytes come back (headers included, the date aside), and only the first gets a code."""
    registered = await app.beneficiary()
    other = await app.beneficiary()  # registered, asked for with a wrong birth date
    unknown = new_person()  # valid NIR, never loaded
    cases = {
        "registered": (registered.nir, registered.birth_date),
        "unknown": (unknown.nir, unknown.birth_date),
        "wrong birth date": (other.nir, "1985-05-02"),
    }
    responses: dict[str, tuple[int, bytes, dict[str, str]]] = {}
    for name, (nir, birth) in cases.items():
        r = await app.call("POST", "/activation/request", json={"nir": nir, "birth_date": birth})
        assert r.status_code == 202, r.text
        headers = {k: v for k, v in r.headers.items() if k.lower() != "date"}
        responses[name] = (r.status_code, r.content, headers)
    _same_response(responses)
    await app.services.notifier.drain()
    assert [m.to for m in app.mailer.messages] == [registered.email]
    assert app.mailer.to(other.email) == [] and app.mailer.to(unknown.email) == []
    # and it is a real code
    r = await app.activate(FakePatient(registered), app.mailer.code_for(registered.email))
    assert r.status_code == 201, r.text


async def test_code_request_takes_the_same_time(app: Harness) -> None:
    """The registry lookup and the sending happen in the background (Notifier), after the
    answer: the answer's latency does not depend on the NIR being registered. Medians over
    alternating requests, with a generous factor (the CI machine is noisy)."""
    registered = await app.beneficiary()
    other = await app.beneficiary()
    cases = {
        "registered": (registered.nir, registered.birth_date),
        "unknown": (new_person().nir, "1985-05-01"),
        "wrong birth date": (other.nir, "1985-05-02"),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(25):
        for name, (nir, birth) in cases.items():
            app.clock.advance(HOUR + 1)  # new rate-limit windows: no throttling in this loop
            started = time.perf_counter()
            r = await app.call("POST", "/activation/request",
                               json={"nir": nir, "birth_date": birth})
            samples[name].append(time.perf_counter() - started)
            assert r.status_code == 202, r.text
            await app.services.notifier.drain()  # outside the timed part
    medians = {name: statistics.median(s) for name, s in samples.items()}
    assert max(medians.values()) < 3 * min(medians.values()), medians
    assert {m.to for m in app.mailer.messages} == {registered.email}


async def test_code_request_is_rate_limited_per_nir(app: Harness) -> None:
    person = await app.beneficiary()
    body = {"nir": person.nir, "birth_date": person.birth_date}
    for _ in range(3):
        assert (await app.call("POST", "/activation/request", json=body)).status_code == 202
    r = await app.call("POST", "/activation/request", json=body)
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
    await app.services.notifier.drain()
    assert len(app.mailer.to(person.email)) == 3


async def test_a_dossier_id_cannot_be_taken_twice(app: Harness) -> None:
    """Activating with the id of a live dossier (409) or of a closed one (410, P8: an id is
    never reused) creates nothing; both statuses are documented."""
    live = await app.patient(items=0)
    closed = await app.patient(items=0)
    r = await app.call("POST", f"/dossiers/{closed.dossier_id}/close", token=closed.session,
                       json={"blob": closed.tombstone(app.clock.now)})
    assert r.status_code == 204, r.text
    documented = (await openapi_operations(app))[("POST", "/activation/complete")]["responses"]
    for taken, status, code in ((live.dossier_id, 409, "conflict"),
                                (closed.dossier_id, 410, "dossier_closed")):
        person = await app.beneficiary()
        patient = FakePatient(person, dossier_id=taken)
        code_sent = await app.email_code(person)
        before = await app.row_counts()
        assert_error(await app.activate(patient, code_sent), status, code)
        assert str(status) in documented
        after = await app.row_counts()  # nothing created (the code is spent, though)
        assert after.pop("carnet_activation_code") == before.pop("carnet_activation_code") - 1
        assert after == before
        assert await app.services.db.dossier_for_login(
            app.services.activation.nir_hash(person.nir)) is None


async def test_concurrent_codes_for_one_person_do_not_collide(app: Harness) -> None:
    """A pharmacist's double click with resend: every request gets a code (no 500), the last
    one lives."""
    person = await app.beneficiary()
    pro = await app.professional()
    body = {"nir": person.nir, "birth_date": person.birth_date, "resend": True}
    responses = await asyncio.gather(*(
        app.call("POST", "/activation/pharmacy", json=body, token=pro.session)
        for _ in range(3)))
    assert [r.status_code for r in responses] == [201] * 3, [r.text for r in responses]
    outcomes = [(await app.activate(FakePatient(person), r.json()["code"])).status_code
                for r in responses]
    assert sorted(outcomes) == [201, 400, 400], outcomes


# ------------------------------------------------------------------------------ storage
async def test_codes_are_stored_hashed(app: Harness) -> None:
    at_pharmacy, by_mail = await app.beneficiary(), await app.beneficiary()
    codes = [await app.pharmacy_code(at_pharmacy), await app.email_code(by_mail)]
    rows = await ActivationCodeRow.select()
    by_hash = {r["nir_hash"]: r for r in rows}
    dump = await app.dump()
    pepper = app.services.peppers.code
    for person, code in zip((at_pharmacy, by_mail), codes, strict=True):
        row = by_hash[app.services.activation.nir_hash(person.nir)]
        assert bytes(row["code_hash"]) == hash_code(code, pepper)  # a keyed hash ...
        assert len(bytes(row["code_hash"])) == 32
        symbols = normalize_code(code).replace("-", "")
        for form in (code, symbols, symbols.lower(), symbols[:5], symbols[5:]):
            assert form not in dump  # ... and the code itself nowhere, in no table
            assert form.encode().hex() not in dump
        assert person.nir not in dump and person.nir[:13] not in dump  # NIRs are hashed too


async def test_birth_date_must_be_iso(app: Harness) -> None:
    person = await app.beneficiary()
    r = await app.call("POST", "/activation/request",
                       json={"nir": person.nir, "birth_date": "01/05/1985"})
    assert_error(r, 400, "service_error", "birth date must be YYYY-MM-DD")
    await app.services.notifier.drain()
    assert app.mailer.to(person.email) == []


def test_nir_helpers_are_consistent() -> None:
    from web.nir import parse_nir

    person = new_person(birth=dt.date(1990, 12, 24))
    assert parse_nir(person.nir) == person.nir
    with pytest.raises(ValueError):
        parse_nir(wrong_key(person.nir))

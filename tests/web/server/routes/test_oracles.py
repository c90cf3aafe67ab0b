"""What the public routes must not tell about a NIR or a card (issue 8, items 7 and 13), on
SQLite and PostgreSQL, through the app.

- ``/auth/params`` (P15): a NIR with a dossier and one without get answers of the same shape,
  size and time. The attack measured interleaved requests: the known NIR took about three
  times as long (two extra key-slot reads); the test prints the ratio of the medians.
- ``/activation/complete``: a wrong code for a NIR with a pending (or locked) code answers
  exactly as for a NIR without one (it answered 403 ``activation_locked`` after five wrong
  codes, telling anyone that the NIR was being activated); after a lock, the patient or a
  pharmacist gets a new code that works.
- ``/emergency/cards/{id}/open``: a revoked, expired or locked card answers the same whatever
  the passcode (a revoked card told a right passcode, 403 ``card_expired``, from a wrong one,
  401 ``wrong_passcode``).
- ``/dossiers/{id}/tombstone`` is public by decision (``docs/service.md``): it carries the
  patient-signed proof of closure and nothing else, and tells an open dossier from an
  unknown id in no way.
"""

from __future__ import annotations

import base64
import gc
import random
import secrets
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from tests.web.server.routes.api_support import (
    FakePatient,
    Harness,
    Person,
    assert_error,
    new_id,
    new_person,
    open_harness,
)
from vault import tombstone
from web import schemas

# ------------------------------------------------------------------------------ /auth/params
ROUNDS: Final = 200      # interleaved (known, unknown) pairs per measurement
WARMUP: Final = 20
MEASUREMENTS: Final = 3  # a noisy machine gets three chances; the old code failed all three
TOLERANCE: Final = 1.5   # the old code measured 2.8 to 3.0 (in-process, both engines)


@pytest.fixture
async def roomy(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The app with lookup budgets wide enough for a thousand ``/auth/params`` requests."""
    async with open_harness(backend, database_url, tmp_path,
                            auth_attempts_per_address=10**6) as harness:
        yield harness


async def _params(app: Harness, nir: str) -> httpx.Response:
    r = await app.call("POST", "/auth/params", json=schemas.ParamsRequest(login=nir))
    assert r.status_code == 200, r.text
    return r


async def _timed(app: Harness, nir: str) -> float:
    started = time.perf_counter()
    await _params(app, nir)
    return time.perf_counter() - started


async def _ratio(app: Harness, known: list[str], unknown: list[str]) -> tuple[float, float]:
    """Medians (ms) of the known and the unknown NIRs' answer times, interleaved in a random
    order within each pair so that drift on the machine hits both alike."""
    samples: dict[bool, list[float]] = {True: [], False: []}
    for i in range(WARMUP):
        await _timed(app, known[i % len(known)])
        await _timed(app, unknown[i % len(unknown)])
    gc.collect()
    gc.disable()
    try:
        for i in range(ROUNDS):
            pair = [(True, known[i % len(known)]), (False, unknown[i % len(unknown)])]
            random.shuffle(pair)
            for is_known, nir in pair:
                samples[is_known].append(await _timed(app, nir))
    finally:
        gc.enable()
    return statistics.median(samples[True]) * 1e3, statistics.median(samples[False]) * 1e3


async def test_params_take_as_long_for_a_nir_without_a_dossier(roomy: Harness) -> None:
    known = [(await roomy.patient(items=0)).person.nir for _ in range(3)]
    # without a dossier: two in the registry (one with a pending code), one never seen
    pending = await roomy.beneficiary()
    await roomy.email_code(pending)
    unknown = [pending.nir, (await roomy.beneficiary()).nir, new_person().nir]
    ratios: list[float] = []
    for _ in range(MEASUREMENTS):
        known_ms, unknown_ms = await _ratio(roomy, known, unknown)
        ratios.append(known_ms / unknown_ms)
        print(f"\n/auth/params on {roomy.backend}: known NIR {known_ms:.2f} ms, unknown NIR "
              f"{unknown_ms:.2f} ms (medians of {ROUNDS}), ratio {ratios[-1]:.2f}")
        if 1 / TOLERANCE <= ratios[-1] <= TOLERANCE:
            break
    assert any(1 / TOLERANCE <= r <= TOLERANCE for r in ratios), ratios


def _shape(value: Any) -> Any:
    """The JSON structure with the length of every string in place of its text."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, str):
        return ("str", len(value))
    return value  # numbers: the KDF parameters must be the same too


async def test_params_answers_have_the_same_shape_and_size(app: Harness) -> None:
    patient = await app.patient(items=0)
    stranger = new_person()
    known, unknown = await _params(app, patient.person.nir), await _params(app, stranger.nir)
    assert _shape(known.json()) == _shape(unknown.json())
    assert len(known.content) == len(unknown.content)
    assert {k for k in known.headers if k != "date"} == {k for k in unknown.headers
                                                         if k != "date"}
    assert known.headers["content-length"] == unknown.headers["content-length"]
    salts = [base64.b64decode(unknown.json()[s]["salt"]) for s in ("passphrase", "recovery")]
    assert [len(s) for s in salts] == [16, 16] and salts[0] != salts[1]
    # control: the patient gets their own salts; a NIR without a dossier, stable fake ones
    assert base64.b64decode(known.json()["passphrase"]["salt"]) == patient.salts["passphrase"]
    assert base64.b64decode(known.json()["recovery"]["salt"]) == patient.salts["recovery"]
    assert (await _params(app, stranger.nir)).content == unknown.content
    assert await app.login(patient)  # and the login still works


# ------------------------------------------------------------------------------ activation
def _other(code: str) -> str:
    return "00000-00000" if code != "00000-00000" else "11111-11111"


def _answer(r: httpx.Response) -> tuple[int, Any]:
    return r.status_code, r.json()


async def _lock(app: Harness, person: Person, code: str) -> None:
    for _ in range(5):
        r = await app.activate(FakePatient(person), _other(code))
        assert r.status_code == 400, r.text


async def test_a_locked_activation_answers_as_a_nir_without_a_code(app: Harness) -> None:
    pending = await app.beneficiary()
    code = await app.email_code(pending)
    # the answer to any code for a NIR without one: in the registry, or not at all
    without = [_answer(await app.activate(FakePatient(p), code))
               for p in (await app.beneficiary(), new_person())]
    assert without[0] == without[1]
    assert_error(await app.activate(FakePatient(new_person()), code), 400, "activation_failed")
    patient = FakePatient(pending)
    before = await app.row_counts()
    # five wrong codes, then (locked) the right one and wrong ones: all the same answer
    for attempt in [_other(code)] * 5 + [code, _other(code), code]:
        assert _answer(await app.activate(patient, attempt)) == without[0]
    assert await app.row_counts() == before


async def test_after_a_lock_the_patient_asks_for_a_new_code(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    await _lock(app, person, code)
    r = await app.call("POST", "/activation/request",
                       json=schemas.ActivationRequest(nir=person.nir,
                                                      birth_date=person.birth_date))
    assert r.status_code == 202, r.text
    await app.services.notifier.drain()
    fresh = app.mailer.code_for(person.email)
    assert fresh != code
    assert (await app.activate(FakePatient(person), code)).status_code == 400  # replaced
    r = await app.activate(FakePatient(person), fresh)
    assert r.status_code == 201, r.text


async def test_after_a_lock_a_pharmacist_issues_a_new_code(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.email_code(person)
    await _lock(app, person, code)
    fresh = await app.pharmacy_code(person)
    r = await app.activate(FakePatient(person), fresh)
    assert r.status_code == 201, r.text


# ------------------------------------------------------------------------------ cards
PASSCODE: Final = "48291375"


async def _card(app: Harness, patient: FakePatient, days: int = 30) -> str:
    card_id = new_id()
    r = await app.call("POST", f"/dossiers/{patient.dossier_id}/cards", token=patient.session,
                       json=schemas.CardUpload(card_id=card_id,
                                               server_share=secrets.token_bytes(32),
                                               passcode=PASSCODE,
                                               package=secrets.token_bytes(120),
                                               key_refs=[new_id()], days=days))
    assert r.status_code == 201, r.text
    return card_id


async def _open(app: Harness, card_id: str, passcode: str) -> httpx.Response:
    return await app.call("POST", f"/emergency/cards/{card_id}/open",
                          json=schemas.CardOpenRequest(passcode=passcode, who="SAMU 75"))


async def _attempts(app: Harness, patient: FakePatient, card_id: str) -> int:
    cards = await app.services.emergency.cards_of(patient.dossier_id)
    return next(c.attempts for c in cards if c.card_id == card_id)


async def _same_whatever_the_passcode(app: Harness, card_id: str, code: str) -> None:
    answers = [_answer(await _open(app, card_id, p))
               for p in (PASSCODE, "00000000", PASSCODE, "11111111")]
    assert all(a == answers[0] for a in answers), answers
    assert answers[0][0] == 403 and answers[0][1]["code"] == code, answers


async def test_a_revoked_card_answers_the_same_whatever_the_passcode(app: Harness) -> None:
    patient = await app.patient(items=0)
    card_id = await _card(app, patient)
    r = await app.call("DELETE", f"/dossiers/{patient.dossier_id}/cards/{card_id}",
                       token=patient.session)
    assert r.status_code == 204, r.text
    await _same_whatever_the_passcode(app, card_id, "card_expired")
    assert await _attempts(app, patient, card_id) == 0  # no guess was even counted


async def test_an_expired_card_answers_the_same_whatever_the_passcode(app: Harness) -> None:
    patient = await app.patient(items=0)
    card_id = await _card(app, patient, days=1)
    app.clock.advance(86400 + 1)
    await _same_whatever_the_passcode(app, card_id, "card_expired")
    assert await _attempts(app, patient, card_id) == 0


async def test_a_locked_card_answers_the_same_whatever_the_passcode(app: Harness) -> None:
    patient = await app.patient(items=0)
    card_id = await _card(app, patient)
    for _ in range(5):
        assert (await _open(app, card_id, "00000000")).status_code in (401, 403)
    await _same_whatever_the_passcode(app, card_id, "card_locked")


async def test_a_live_card_still_opens_and_tells_a_wrong_passcode(app: Harness) -> None:
    patient = await app.patient(items=0)
    card_id = await _card(app, patient)
    assert_error(await _open(app, card_id, "00000000"), 401, "wrong_passcode")
    r = await _open(app, card_id, PASSCODE)
    assert r.status_code == 200, r.text
    assert r.json()["dossier"]["dossier_id"] == patient.dossier_id


# ------------------------------------------------------------------------------ tombstone
async def test_the_tombstone_is_public_and_carries_only_the_signed_closure(app: Harness
                                                                           ) -> None:
    patient = await app.patient(items=1)
    blob = patient.tombstone(app.clock.now)
    r = await app.call("POST", f"/dossiers/{patient.dossier_id}/close", token=patient.session,
                       json=schemas.TombstoneBody(blob=blob))
    assert r.status_code == 204, r.text
    # anyone (no session at all) may check that the dossier was closed, and by whom
    r = await app.call("GET", f"/dossiers/{patient.dossier_id}/tombstone")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"blob"}
    found = tombstone.decode(base64.b64decode(r.json()["blob"]))
    assert found.verify() and found.dossier_id == patient.dossier_id
    assert found.sign_public == patient.sign_key.verify_key.encode()
    assert len(base64.b64decode(r.json()["blob"])) == tombstone.SIZE  # nothing else in it


async def test_the_tombstone_route_tells_an_open_dossier_from_no_dossier_in_no_way(
        app: Harness) -> None:
    patient = await app.patient(items=0)
    answers = [_answer(await app.call("GET", f"/dossiers/{d}/tombstone", token=token))
               for d in (patient.dossier_id, new_id()) for token in (None, patient.session)]
    assert all(a == answers[0] for a in answers), answers
    assert answers[0][0] == 404, answers

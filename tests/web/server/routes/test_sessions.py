"""Session attacks: replayed or expired challenges, expired, tampered and logged-out
sessions, and sessions used on someone else's dossier."""

from __future__ import annotations

import base64

from consent.request import login_message
from tests.web.server.routes.api_support import (
    FakePatient,
    Harness,
    Planned,
    World,
    assert_error,
    openapi_operations,
    plausible_requests,
)
from web import schemas
from web.server.services.auth import CHALLENGE_TTL

BAD_SESSION = "this session is not valid or has expired; sign in again"


async def signed_challenge(app: Harness, patient: FakePatient,
                           slot: str = "passphrase") -> schemas.LoginRequest:
    challenge = await app.challenge(patient.person.nir, slot=slot)
    return schemas.LoginRequest(
        challenge=challenge,
        signature=patient.login_key(slot).sign(login_message(challenge)).signature)


async def sessions(app: Harness) -> int:
    return (await app.row_counts())["carnet_session"]


# ------------------------------------------------------------------------------ challenges
async def test_a_challenge_is_single_use(app: Harness) -> None:
    patient = await app.patient(items=0)
    answer = await signed_challenge(app, patient)
    first = await app.call("POST", "/auth/login", json=answer)
    assert first.status_code == 200, first.text
    assert first.json()["subject"] == patient.dossier_id
    count = await sessions(app)
    replay = await app.call("POST", "/auth/login", json=answer)
    assert_error(replay, 401, "unauthorized", "this login challenge was already used")
    assert await sessions(app) == count


async def test_a_challenge_expires(app: Harness) -> None:
    patient = await app.patient(items=0)
    answer = await signed_challenge(app, patient)
    app.clock.advance(CHALLENGE_TTL + 1)
    count = await sessions(app)
    r = await app.call("POST", "/auth/login", json=answer)
    assert_error(r, 401, "unauthorized", "this login challenge has expired; ask for a new one")
    assert await sessions(app) == count
    # a fresh challenge, answered in time, works
    r = await app.call("POST", "/auth/login", json=await signed_challenge(app, patient))
    assert r.status_code == 200, r.text


async def test_a_challenge_is_bound_to_its_slot_and_login(app: Harness) -> None:
    alice, bob = await app.patient(items=0), await app.patient(items=0)
    count = await sessions(app)
    # Alice's challenge signed with Bob's key, a passphrase challenge signed with the
    # recovery key, a signature over the bare challenge (no context), a forged challenge
    wrong = [
        (await app.challenge(alice.person.nir), bob.passphrase_key, True),
        (await app.challenge(alice.person.nir), alice.recovery_key, True),
        (await app.challenge(alice.person.nir), alice.passphrase_key, False),
    ]
    for challenge, key, with_context in wrong:
        message = login_message(challenge) if with_context else challenge.encode()
        r = await app.call("POST", "/auth/login", json=schemas.LoginRequest(
            challenge=challenge, signature=key.sign(message).signature))
        assert_error(r, 401, "unauthorized",
                     "login failed: the passphrase, code or signature is not valid")
    genuine = await app.challenge(alice.person.nir)
    payload, _, signature = genuine.rpartition(".")
    forged = f"{payload}.{signature[:-4]}AAAA"
    r = await app.call("POST", "/auth/login", json=schemas.LoginRequest(
        challenge=forged,
        signature=alice.passphrase_key.sign(login_message(forged)).signature))
    assert_error(r, 401, "unauthorized", "this login challenge is not valid")
    assert await sessions(app) == count


# ------------------------------------------------------------------------------ sessions
async def test_a_session_expires(app: Harness) -> None:
    patient = await app.patient(items=0)
    token = await app.login(patient)
    r = await app.call("GET", "/auth/session", token=token)
    assert r.status_code == 200, r.text
    assert r.json()["subject"] == patient.dossier_id and r.json()["session"] == ""
    app.clock.advance(app.settings.session_ttl - 5)
    assert (await app.call("GET", "/auth/session", token=token)).status_code == 200
    app.clock.advance(10)
    for method, path in (("GET", "/auth/session"),
                         ("GET", f"/dossiers/{patient.dossier_id}/keyring"),
                         ("GET", f"/dossiers/{patient.dossier_id}/slots/passphrase")):
        assert_error(await app.call(method, path, token=token), 401, "unauthorized",
                     BAD_SESSION)


def tampered(token: str) -> list[str]:
    """``token`` with one character changed at several places (never the last character,
    whose low bits may be base64 padding that decodes to the same bytes)."""
    out = []
    for i in (0, len(token) // 4, len(token) // 2, len(token) - 10, len(token) - 2):
        swap = "A" if token[i] != "A" else "B"
        out.append(token[:i] + swap + token[i + 1:])
    return out


async def test_a_tampered_session_is_refused(app: Harness) -> None:
    patient = await app.patient(items=0)
    token = await app.login(patient)
    for bad in [*tampered(token), token[:-6], token + "x", "", "Bearer", "x" * 80,
                base64.urlsafe_b64encode(b"0" * 64).decode()]:
        r = await app.call("GET", f"/dossiers/{patient.dossier_id}/keyring",
                           headers={"authorization": f"Bearer {bad}"})
        assert_error(r, 401, "unauthorized")
        assert base64.b64encode(patient.keyring).decode() not in r.text
    for scheme in ("Basic", "Token", ""):
        r = await app.call("GET", "/auth/session", headers={"authorization": f"{scheme} {token}"})
        assert_error(r, 401, "unauthorized")
    assert (await app.call("GET", "/auth/session", token=token)).status_code == 200


async def test_logout_ends_the_session(app: Harness) -> None:
    patient = await app.patient(items=0)
    token, other = await app.login(patient), await app.login(patient)
    r = await app.call("POST", "/auth/logout", token=token)
    assert r.status_code == 204, r.text
    for method, path in (("GET", "/auth/session"), ("POST", "/auth/logout"),
                         ("GET", f"/dossiers/{patient.dossier_id}/keyring")):
        assert_error(await app.call(method, path, token=token), 401, "unauthorized",
                     BAD_SESSION)
    # only that session: the patient's other one still works
    assert (await app.call("GET", "/auth/session", token=other)).status_code == 200


# ------------------------------------------------------------------------------ other dossiers
async def dossier_routes(app: Harness, world: World) -> dict[tuple[str, str], Planned]:
    """A plausible request for every documented route under one dossier (the tombstone,
    public by design, aside)."""
    planned = plausible_requests(app, world)
    documented = [k for k in await openapi_operations(app)
                  if k[1].startswith("/dossiers/{dossier_id}") and not k[1].endswith("/tombstone")]
    missing = set(documented) - set(planned)
    assert len(documented) >= 12 and not missing, (
        f"add these routes to api_support.plausible_requests: {missing}")
    return {k: planned[k] for k in documented}


async def test_a_patient_session_opens_no_other_dossier(app: Harness) -> None:
    victim = await World.build(app)
    attacker = await app.patient()
    planned = await dossier_routes(app, victim)
    before = await app.row_counts()
    for key, request in planned.items():
        r = await app.call(request.method, request.path, json=request.body,
                           params=request.params, token=attacker.session)
        assert_error(r, 403, "forbidden", "this session does not give access to that dossier")
        for blob in victim.blobs:
            assert base64.b64encode(blob).decode() not in r.text, key
    assert await app.row_counts() == before
    # the victim's dossier is intact, and the attacker's session still opens their own
    r = await app.call("GET", f"/dossiers/{victim.patient.dossier_id}/keyring",
                       token=victim.patient.session)
    assert r.status_code == 200 and base64.b64decode(r.json()["blob"]) == victim.patient.keyring
    r = await app.call("GET", f"/dossiers/{attacker.dossier_id}/items",
                       token=attacker.session)
    assert r.status_code == 200 and len(r.json()["items"]) == 1


async def test_a_professional_session_opens_no_dossier(app: Harness) -> None:
    victim = await World.build(app)
    planned = await dossier_routes(app, victim)
    before = await app.row_counts()
    for key, request in planned.items():
        r = await app.call(request.method, request.path, json=request.body,
                           params=request.params, token=victim.pro.session)
        assert_error(r, 403, "forbidden", "this session does not give access to that dossier")
        for blob in victim.blobs:
            assert base64.b64encode(blob).decode() not in r.text, key
    assert await app.row_counts() == before


async def test_a_patient_session_is_no_pharmacist(app: Harness) -> None:
    patient = await app.patient(items=0)
    person = await app.beneficiary()
    r = await app.call("POST", "/activation/pharmacy", token=patient.session,
                       json={"nir": person.nir, "birth_date": person.birth_date})
    assert_error(r, 403, "forbidden", "this needs a professional's session")
    pro = await app.professional(roles=["emergency"])
    r = await app.call("POST", "/activation/pharmacy", token=pro.session,
                       json={"nir": person.nir, "birth_date": person.birth_date})
    assert_error(r, 403, "forbidden", "this needs the pharmacist role")
    # sessions are no operator token either
    r = await app.call("GET", "/operator/professionals", token=patient.session)
    assert_error(r, 403, "forbidden", "this is not the operator token")


async def test_closing_a_dossier_ends_its_sessions(app: Harness) -> None:
    patient = await app.patient()
    other = await app.login(patient)
    r = await app.call("POST", f"/dossiers/{patient.dossier_id}/close", token=patient.session,
                       json=schemas.TombstoneBody(blob=patient.tombstone(app.clock.now)))
    assert r.status_code == 204, r.text
    for token in (patient.session, other):
        assert_error(await app.call("GET", "/auth/session", token=token), 401, "unauthorized")
    assert await app.services.store.row_count(patient.dossier_id) == 0
    r = await app.call("GET", f"/dossiers/{patient.dossier_id}/tombstone")
    assert r.status_code == 200
    assert base64.b64decode(r.json()["blob"]) == patient.tombstone(app.clock.now)


async def test_blocking_a_professional_ends_their_sessions(app: Harness) -> None:
    pro = await app.professional()
    r = await app.operator("POST", f"/operator/professionals/{pro.ps_id}/block")
    assert r.status_code == 200 and r.json()["status"] == "blocked", r.text
    assert_error(await app.call("GET", "/auth/session", token=pro.session), 401,
                 "unauthorized")
    challenge = await app.challenge(pro.ps_id, kind="professional")
    r = await app.call("POST", "/auth/login", json=schemas.LoginRequest(
        challenge=challenge, signature=pro.key.sign(login_message(challenge)).signature))
    assert_error(r, 401, "unauthorized")

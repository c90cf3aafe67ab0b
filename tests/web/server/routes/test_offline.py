"""Offline guessing (P15): nothing to guess against without a session.

Every operation of the served OpenAPI document is called without credentials, with
plausible parameters pointing at a real dossier: only the public operations answer 2xx, and
none of them returns a wrapped key, a keyring, an item or a chunk. ``/auth/params`` gives
salt and Argon2id parameters only, with the same shape (and stable values) for an unknown NIR.
"""

from __future__ import annotations

import base64

from consent.request import login_message
from tests.web.server.routes.api_support import (
    PUBLIC_OPERATIONS,
    FakePatient,
    Harness,
    World,
    assert_error,
    new_person,
    openapi_operations,
    plausible_requests,
)
from vault.crypto import MEMLIMIT_FLOOR, OPSLIMIT_FLOOR
from vault.storage import tables as vault_tables
from web import schemas


def leaks(text: str, blobs: list[bytes]) -> list[str]:
    """Which of ``blobs`` appear in ``text`` (base64 as msgspec sends bytes, or hex)."""
    found = []
    for blob in blobs:
        for form in (base64.b64encode(blob).decode(), base64.b64encode(blob[:24]).decode(),
                     blob.hex()):
            if form in text:
                found.append(form)
    return found


async def dossier_rows(app: Harness) -> dict[str, int]:
    return {t._meta.tablename: int(await t.count()) for t in vault_tables.ALL_TABLES}


async def test_every_operation_without_a_session(app: Harness) -> None:
    world = await World.build(app)
    operations = await openapi_operations(app)
    planned = plausible_requests(app, world)
    missing = set(operations) - set(planned)
    assert not missing, f"add these routes to api_support.plausible_requests: {missing}"
    public = PUBLIC_OPERATIONS & set(operations)
    before = await dossier_rows(app)
    answered_2xx = set()
    for key in operations:
        request = planned[key]
        r = await app.call(request.method, request.path, json=request.body,
                           params=request.params)
        assert not leaks(r.text, world.blobs), (key, r.text)
        if 200 <= r.status_code < 300:
            answered_2xx.add(key)
            continue
        if key == ("POST", "/activation/complete"):  # needs a code, not a session
            assert_error(r, 400, "activation_failed")
        elif key in (("POST", "/emergency/cards/{card_id}/open"),  # a card id and passcode
                     ("GET", "/emergency/cards/{card_id}/recipient")):  # a card id
            assert_error(r, 404, r.json().get("code", ""))
        else:
            assert_error(r, 401, "unauthorized")
    assert answered_2xx == public
    assert await dossier_rows(app) == before  # nothing written to any dossier
    # the dossier is intact for its holder
    r = await app.call("GET", f"/dossiers/{world.patient.dossier_id}/keyring",
                       token=world.patient.session)
    assert r.status_code == 200 and r.json()["version"] == 1, r.text


async def test_public_answers_carry_no_key_material(app: Harness) -> None:
    world = await World.build(app)
    nir = world.patient.person.nir
    answers = [
        await app.call("POST", "/auth/params", json={"login": nir}),
        await app.call("POST", "/auth/challenge", json={"login": nir}),
        await app.call("POST", "/auth/challenge", json={"login": nir, "slot": "recovery"}),
        await app.call("GET", f"/dossiers/{world.closed_dossier_id}/tombstone"),
        await app.call("GET", f"/professionals/{world.pro.ps_id}"),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert not leaks(r.text, world.blobs), r.text
        assert nir not in r.text  # the NIR never travels back either


async def test_params_are_salt_and_cost_only(app: Harness) -> None:
    patient = await app.patient(items=0)
    r = await app.call("POST", "/auth/params", json={"login": patient.person.nir})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"passphrase", "recovery"}
    for name in ("passphrase", "recovery"):
        assert set(body[name]) == {"salt", "opslimit", "memlimit"}, body
        assert base64.b64decode(body[name]["salt"]) == patient.salts[name]
        assert (body[name]["opslimit"], body[name]["memlimit"]) == (OPSLIMIT_FLOOR,
                                                                    MEMLIMIT_FLOOR)
    assert set(r.headers) - {"date"} == {"content-type", "content-length"}, r.headers


async def test_params_for_an_unknown_nir_look_the_same(app: Harness) -> None:
    known = await app.patient(items=0)
    unknown = new_person()  # valid NIR, no dossier
    registered_only = await app.beneficiary()  # in the registry, never activated
    known_body = (await app.call("POST", "/auth/params",
                                 json={"login": known.person.nir})).json()
    for person in (unknown, registered_only):
        first = await app.call("POST", "/auth/params", json={"login": person.nir})
        again = await app.call("POST", "/auth/params", json={"login": person.nir})
        assert first.status_code == again.status_code == 200
        body = first.json()
        assert again.json() == body  # stable: asking twice reveals nothing
        assert {k: set(v) for k, v in body.items()} == {k: set(v) for k, v in known_body.items()}
        for name in ("passphrase", "recovery"):
            salt = base64.b64decode(body[name]["salt"])
            assert len(salt) == 16
            assert (body[name]["opslimit"], body[name]["memlimit"]) == (
                known_body[name]["opslimit"], known_body[name]["memlimit"])
        assert body["passphrase"]["salt"] != body["recovery"]["salt"]
        assert len(first.content) == len((await app.call(
            "POST", "/auth/params", json={"login": known.person.nir})).content)
    other = (await app.call("POST", "/auth/params", json={"login": new_person().nir})).json()
    assert other["passphrase"]["salt"] != (await app.call(
        "POST", "/auth/params", json={"login": unknown.nir})).json()["passphrase"]["salt"]


async def test_a_challenge_for_an_unknown_nir_cannot_be_answered(app: Harness) -> None:
    """A challenge is issued for any NIR (same answer), but no signature opens a session."""
    impostor = FakePatient(new_person())
    challenge = await app.challenge(impostor.person.nir)
    signature = impostor.passphrase_key.sign(login_message(challenge)).signature
    before = await app.row_counts()
    r = await app.call("POST", "/auth/login",
                       json=schemas.LoginRequest(challenge=challenge, signature=signature))
    assert_error(r, 401, "unauthorized",
                 "login failed: the passphrase, code or signature is not valid")
    after = await app.row_counts()
    assert after.pop("carnet_nonce") == before.pop("carnet_nonce") + 1  # the challenge is spent
    assert after == before

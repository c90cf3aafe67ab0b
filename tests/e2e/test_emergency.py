"""Emergency access end to end (P7), on SQLite and PostgreSQL: the card (QR share + passcode,
attempt-limited, expiring) and break-glass for the emergency service, each logged and e-mailed;
masked items and sections outside the summary never appear."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, Smtp, body_of
from tests.e2e.db import query
from tests.e2e.test_consent import _pro, _world, now
from web import schemas
from web.client import Api, ApiError, activate
from web.client.consent import (
    contact_code,
    contact_scan,
    issue_contact_grant,
    scan,
    verified_history,
)
from web.client.emergency import (
    allow_break_glass,
    break_glass,
    break_glass_allowed,
    issue_card,
    open_card,
    refuse_break_glass,
    service_key,
)
from web.client.links import public_origin
from web.nir import nir_key


def test_card_and_break_glass(server: Server, smtp: Smtp) -> None:
    asyncio.run(_story(server, smtp))


async def _story(server: Server, smtp: Smtp) -> None:
    n = 3 if server.engine == "sqlite" else 4
    email = f"urgence-{server.engine}@example.org"
    w = await _world(server, n, email)
    d = w.dossier
    blood = await d.add("blood_group", "blood_group", "O-", "2000-01-01")
    allergy = await d.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    masked = await d.add("allergies", "allergy", "Privé", "2020-01-02")
    await d.mask(masked.item_id)
    history_item = await d.add("medical_history", "condition", "Appendicite", "2001-01-01")

    # A stolen card without the passcode: five wrong tries lock it for good.
    card = await issue_card(d, w.patient_api, days=30, passcode="12345678")
    async with Api(server.direct_url) as anyone:
        for attempt in range(5):
            with pytest.raises(ApiError) as wrong:
                await open_card(anyone, card.text, f"0000000{attempt}")
            assert wrong.value.code in ("wrong_passcode", "card_locked")
        with pytest.raises(ApiError) as locked:
            await open_card(anyone, card.text, "12345678")
        assert locked.value.code == "card_locked"

        # A fresh card opens with its passcode: the summary only, never a masked item.
        card2 = await issue_card(d, w.patient_api, days=30)
        seen = {i.item_id for i in await open_card(anyone, card2.text, card2.passcode,
                                                   who="SAMU 69")}
        assert seen == {blood.item_id, allergy.item_id}
        assert masked.item_id not in seen and history_item.item_id not in seen
        used_mail = smtp.wait_for(email, "a ouvert votre résumé d'urgence")
        assert f"(n° {card2.card_id[:8]})" in body_of(used_mail)  # the e-mail names the card
        locked_mail = smtp.wait_for(email, "est bloquée")  # the first card locked: e-mailed
        assert f"(n° {card.card_id[:8]})" in body_of(locked_mail)

        # After its expiry even the right passcode fails.
        pg = server.engine == "postgres"
        await query(server, "UPDATE carnet_card SET expires_at = 1 WHERE card_id = "
                    + ("$1" if pg else "?"), card2.card_id)
        with pytest.raises(ApiError) as expired:
            await open_card(anyone, card2.text, card2.passcode)
        assert expired.value.code == "card_expired"

    # Break-glass: refused while off, opens the summary once allowed, logged and e-mailed.
    operator = Api(server.direct_url, session=server.operator_token_file.read_text().strip())
    samu = await _pro(server, operator, f"8400000{n:05d}", ["emergency"])
    plain = await _pro(server, operator, f"8500000{n:05d}", [])
    await operator.aclose()
    secret = bytes.fromhex((server.dev_keys / "emergency.key").read_text().strip())
    nir = _nir(n)

    async def glass(who: object) -> set[str]:
        async with Api(server.direct_url) as api:
            await who.login(api)  # type: ignore[attr-defined]
            items = await break_glass(api, who, secret, nir,  # type: ignore[arg-type]
                                      "patient inconscient aux urgences", now=now())
            return {i.item_id for i in items}

    with pytest.raises(ApiError) as off:
        await glass(samu)
    assert off.value.code == "break_glass_off"
    assert await break_glass_allowed(d, w.patient_api) is False
    await allow_break_glass(d, w.patient_api, await service_key(w.patient_api))
    assert await break_glass_allowed(d, w.patient_api) is True
    assert await glass(samu) == {blood.item_id, allergy.item_id}
    smtp.wait_for(email, "bris de glace")
    with pytest.raises(ApiError) as no_role:
        await glass(plain)
    assert no_role.value.status == 403
    await refuse_break_glass(d, w.patient_api)
    assert await break_glass_allowed(d, w.patient_api) is False
    with pytest.raises(ApiError) as off_again:
        await glass(samu)
    assert off_again.value.code == "break_glass_off"

    events, _, _ = await verified_history(d, w.patient_api, server_public=None, last_seen=None)
    kinds = [e.kind for e in events]
    assert kinds.count("card_used") >= 6 and "emergency_access" in kinds
    assert any(e.kind == "emergency_access" and e.signed_request for e in events)
    await w.patient_api.aclose()


def _nir(n: int) -> str:
    body = f"1700575{n:06d}"
    return body + nir_key(body)


def test_emergency_card_by_cli(server: Server, tmp_path: Path) -> None:
    """The patient prints a card; whoever has it and the passcode opens the summary."""
    n = 5 if server.engine == "sqlite" else 6
    body = f"2700575{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / "r.csv"
    body2 = f"1700575{n + 60:06d}"
    nir2 = body2 + nir_key(body2)
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Blanc,Zoé,1970-05-01,1 rue Basse,\n"
                        f"{nir2},Blanc,Yann,1970-05-01,1 rue Basse,\n")
    server.operator("load-registry", str(csv_path))
    ph_env = {"CARNET_PASSPHRASE": "pharmacist desk passphrase"}
    ps_id = f"8600000{n:05d}"
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Pharmacie", "--profession",
                    "pharmacien", home="ph-card", env=ph_env)
    server.operator("approve", ps_id, "--role", "pharmacist")
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1970-05-01", home="ph-card", env=ph_env)["code"]
    env = {"CARNET_PASSPHRASE": "zoe passphrase"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="zoe", env=env)
    server.cli_json("patient", "add", "blood_group", "blood_group", "AB+", "--date",
                    "1990-01-01", home="zoe", env=env)
    card_file = tmp_path / "card.png"
    made = server.cli_json("patient", "card", "--out", str(card_file), home="zoe", env=env)
    opened = server.cli_json("emergency", "open", "--image", str(card_file), home="anyone",
                             env={"CARNET_CARD_PASSCODE": made["passcode"]})
    assert [i["title"] for i in opened["items"]] == ["AB+"]
    wrong = server.cli("emergency", "open", "--image", str(card_file), home="anyone",
                       env={"CARNET_CARD_PASSCODE": "99999999"}, check=False)
    assert wrong.returncode == 2 and "wrong passcode" in wrong.stderr

    # Zoé names Yann, who has an account, as emergency contact: he reads her summary.
    code2 = server.cli_json("pharmacist", "start-activation", "--nir", nir2, "--birth-date",
                            "1970-05-01", home="ph-card", env=ph_env)["code"]
    yann = {"CARNET_PASSPHRASE": "yann passphrase"}
    server.cli_json("patient", "activate", "--nir", nir2, "--code", code2, home="yann", env=yann)
    contact = server.cli_json("patient", "contact-code", home="yann", env=yann)["code"]
    granted = server.cli_json("patient", "add-contact", "--code", contact, home="zoe", env=env)
    read = server.cli_json("patient", "read-contact", "--text", granted["token"], home="yann",
                           env=yann)
    assert [i["title"] for i in read["items"]] == ["AB+"]


def test_emergency_contact_with_an_account(server: Server) -> None:
    asyncio.run(_contact_story(server))


async def _contact_story(server: Server) -> None:
    n = 7 if server.engine == "sqlite" else 8
    w = await _world(server, n)
    blood = await w.dossier.add("blood_group", "blood_group", "B+", "1999-01-01")
    note = await w.dossier.add("medical_history", "condition", "Diabète", "2015-01-01")
    # The contact holds a dossier of their own (activated at the same pharmacy).
    body = f"2700575{n + 50:06d}"
    contact_nir = body + nir_key(body)
    operator = Api(server.direct_url, session=server.operator_token_file.read_text().strip())
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
        csv="nir,last_name,first_name,birth_date,address,email\n"
            f"{contact_nir},Roux,Paul,1970-05-01,2 place Bellecour,\n"), schemas.RegistryLoadResult)
    await operator.aclose()
    assert w.pharmacist is not None
    async with Api(server.direct_url) as api:
        await w.pharmacist.login(api)
        code = await w.pharmacist.start_activation(api, contact_nir, "1970-05-01")
    contact_api = Api(server.direct_url)
    contact, _ = await activate(contact_api, contact_nir, code.code, "contact passphrase",
                                clock=now)
    contact_text = contact_code(contact, await public_origin(contact_api))
    issued = await issue_contact_grant(w.dossier, w.patient_api, contact_text,
                                       seconds=365 * 86400, now=now())
    got = await contact_scan(contact, contact_api, issued.text, now=now())
    assert {i.item_id for i in got.items} == {blood.item_id}  # the summary only
    assert note.item_id not in {i.item_id for i in got.items}
    # A professional holding the token is not the contact.
    async with Api(server.direct_url) as api:
        await w.doctor.login(api)
        with pytest.raises(ApiError) as wrong:
            await scan(api, w.doctor, issued.text, now=now())
    assert wrong.value.code == "wrong_recipient"
    events, _, _ = await verified_history(w.dossier, w.patient_api, server_public=None,
                                          last_seen=None)
    assert any(e.kind == "token_scanned" and e.actor == f"contact:{contact.dossier_id}"
               for e in events)
    await contact_api.aclose()
    await w.patient_api.aclose()

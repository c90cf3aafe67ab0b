"""One bad item hides no other (issue 9 item 4, P13), with the real Python client against the
in-process app on SQLite and PostgreSQL.

A professional with a read+write grant writes an item whose body is nested 1,500 levels deep,
sealed properly under the grant's key (so only decoding can fail), and an approved
professional deposits one. The patient's list, another professional's scan, the deposit
filing and the emergency card still show every other item; the bad one is marked unreadable
(or, for a deposit, rejected with a reason) instead of crashing with ``RecursionError``.
"""

from __future__ import annotations

from consent import deposit as deposit_format
from tests.vault.hostile import HOLE, item_fields, nested, spliced
from tests.web.server.routes.api_support import BASE_URL, OPERATOR_TOKEN, Harness, new_ps_id
from vault import KeyLookup, seal_item
from vault.crypto import system_random
from vault.sections import Section
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import issue_grant, request_signer, scan
from web.client.directory import approve
from web.client.emergency import issue_card, open_card
from web.client.writes import deposit, file_deposits, send_item, write_item

PASSPHRASE = "une phrase secrète"


async def _professional(app: Harness, name: str) -> tuple[ProfessionalIdentity, Api]:
    """A registered, approved (countersigned) and signed-in professional, and their API."""
    pro = ProfessionalIdentity.new(new_ps_id())
    async with Api(BASE_URL, transport=app.transport) as api:
        await pro.register(api, name=name, profession="médecin")
    async with Api(BASE_URL, transport=app.transport, session=OPERATOR_TOKEN) as operator:
        await approve(operator, pro.ps_id, [], app.authority)
    async with Api(BASE_URL, transport=app.transport) as api:
        session = (await pro.login(api)).session
    return pro, Api(BASE_URL, transport=app.transport, session=session)


def _hostile(ps_id: str) -> bytes:
    """The issue's item, by this professional: its body nested 1,500 levels deep."""
    author = {"kind": "professional", "id": ps_id, "name": "Dr Hostile"}
    return b"\x01" + spliced(item_fields(author=author, body={"note": HOLE}), nested(1500))


async def test_one_deep_item_hides_no_other(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.pharmacy_code(person)
    patient_api = Api(BASE_URL, transport=app.transport)
    dossier, _ = await activate(patient_api, person.nir, code, PASSPHRASE, clock=app.clock)
    authority = app.authority.verify_key.encode()
    now = app.clock.now
    mine = [await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01"),
            await dossier.add("current_treatments", "medication", "Doliprane", "2024-03-02")]

    # A professional with a read+write grant writes one good item, then the hostile one.
    writer, writer_api = await _professional(app, "Dr Écrit")
    rw = await issue_grant(dossier, patient_api, writer.ps_id,
                           ["allergies", "current_treatments"], seconds=3600, write=True,
                           now=now, authority_public=authority)
    opened, theirs = await write_item(writer_api, writer, rw.text, "allergies", "allergy",
                                      "Amoxicilline", "2024-03-03", now=now)
    ref = opened.keys.current[Section.ALLERGIES]
    key = opened.keys.get(ref)
    assert key is not None
    bad = seal_item(_hostile(writer.ps_id), dossier_id=dossier.dossier_id,
                    item_id=system_random(16).hex(), revision=1, created_at=now,
                    wrapping=KeyLookup(ref, key, Section.ALLERGIES),
                    section=Section.ALLERGIES, rng=system_random)
    await send_item(writer_api, writer, rw.text, bad, now=now)  # the server cannot tell
    good_ids = {i.item_id for i in mine} | {theirs.item_id}

    # The patient's list shows every other item and names the bad one.
    assert {i.item_id for i in await dossier.list()} == good_ids
    assert dossier.unreadable == [bad.item_id]

    # Another professional's scan too.
    reader, reader_api = await _professional(app, "Dr Lit")
    ro = await issue_grant(dossier, patient_api, reader.ps_id,
                           ["allergies", "current_treatments"], seconds=3600, now=now,
                           authority_public=authority)
    scanned = await scan(reader_api, reader, ro.text, now=now)
    assert {i.item_id for i in scanned.items} == good_ids
    assert scanned.unreadable == (bad.item_id,)

    # Deposits: a good one is filed, the hostile one rejected with a reason; filing goes on.
    depositor, depositor_api = await _professional(app, "Dr Dépôt")
    filed = await deposit(depositor_api, depositor, person.nir, "allergies", "allergy",
                          "Latex", "2024-03-04", now=now)
    where = await depositor_api.send("POST", "/deposits/recipient",
                                     schemas.RecipientRequest(nir=person.nir),
                                     schemas.RecipientBody)
    sealed = deposit_format.seal(_hostile(depositor.ps_id), where.box_public, system_random)
    hostile_id = system_random(16).hex()
    await depositor_api.send("POST", "/deposits", schemas.DepositUpload(
        dossier_id=where.dossier_id, deposit_id=hostile_id, sealed=sealed,
        signature=deposit_format.sign(where.dossier_id, hostile_id, sealed,
                                      depositor.signing_key)),
        schemas.DepositReceipt, signer=request_signer(depositor, now, system_random))
    filing = await file_deposits(dossier, patient_api, authority_public=authority)
    assert [dep for dep, _ in filing.filed] == [filed.deposit_id]
    assert [(r.deposit_id, r.reason) for r in filing.rejected] == [
        (hostile_id, "the sealed item does not open")]
    filed_item = filing.filed[0][1]
    assert {i.item_id for i in await dossier.list()} == good_ids | {filed_item.item_id}
    assert dossier.unreadable == [bad.item_id]

    # The emergency card: the summary still opens, without the bad item.
    card = await issue_card(dossier, patient_api)
    async with Api(BASE_URL, transport=app.transport) as anyone:
        summary = await open_card(anyone, card.text, card.passcode, who="SAMU 75")
    assert {i.item_id for i in summary} == good_ids | {filed_item.item_id}

    for api in (patient_api, writer_api, reader_api, depositor_api):
        await api.aclose()

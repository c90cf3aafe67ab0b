"""After a key rotation the patient's client re-seals emergency packages only as the patient's
own record in the keyring says (``vault.keyring.EmergencyRecord``, ``web.client.
emergency_sync``), never on the server's word alone. Attacks by a dishonest operator (the
server is trusted for availability, not confidentiality), played by an HTTP transport between
the real client and the real app that rewrites the server's answers and accepts what the
client then sends; each failed on the code before the record (which re-sealed whatever the
server listed, to whatever key it named):

- a revoked card listed as active again, with its old package (a former holder knows its K);
- break-glass answered "on" with the operator's own key;
- break-glass answered "on" after the patient turned it off.

And a keyring written before the record adopts the server's state once. SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import httpx
import msgspec
import nacl.public
import pytest

from consent import card as card_format
from tests.web.server.routes.api_support import BASE_URL, Harness
from tests.web.server.routes.grant_world import PASSPHRASE, give, open_as, professional
from vault import Dossier
from vault.errors import RolledBack
from vault.keyring import EmergencyRecord
from vault.sections import Section
from web import schemas
from web.client import Api
from web.client.account import revoke_card
from web.client.emergency import allow_break_glass, issue_card, refuse_break_glass
from web.client.emergency_sync import sync_emergency
from web.client.patient import activate, login, recover
from web.client.writes import write_item

PASSCODE = "12345678"
Rewrite = Callable[[httpx.Request, dict[str, object]], dict[str, object]]


class Operator(httpx.AsyncBaseTransport):
    """The real app behind a dishonest operator: while ``lying``, ``rewrite`` changes JSON
    answers, and the emergency re-seals the client sends are kept (``taken``) and answered
    204 as a server that stores them would."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lying = False
        self.rewrites: list[Rewrite] = []
        self.taken: list[tuple[str, bytes]] = []
        self.failing: Callable[[httpx.Request], bool] | None = None  # answered 503

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.failing is not None and self.failing(request):
            return httpx.Response(503, json={"code": "storage_unavailable",
                                             "detail": "the database is unavailable"})
        resealing = request.method == "PUT" and (
            path.endswith("/package") or path.endswith("/break-glass"))
        if self.lying and resealing:
            self.taken.append((path, await request.aread()))
            return httpx.Response(204)
        response = await self.inner.handle_async_request(request)
        if not self.lying or request.method != "GET" or not self.rewrites:
            return response
        await response.aread()
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response
        body = json.loads(response.content)
        for rewrite in self.rewrites:
            body = rewrite(request, body)
        return httpx.Response(response.status_code, json=body)


async def _patient(app: Harness) -> tuple[Dossier, Api, Operator]:
    operator = Operator(app.transport)
    person = await app.beneficiary()
    code = await app.pharmacy_code(person)
    api = Api(BASE_URL, transport=operator)
    dossier, _ = await activate(api, person.nir, code, PASSPHRASE, clock=app.clock)
    return dossier, api, operator


async def _allergy_masked(dossier: Dossier) -> None:
    """A masking: rotates the allergies' key (the re-seal runs after it, ``after_rotation``)."""
    await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    hidden = await dossier.add("allergies", "allergy", "Privé", "2020-01-02")
    await dossier.mask(hidden.item_id)


async def test_a_revoked_card_listed_as_active_again_is_never_resealed(app: Harness) -> None:
    dossier, api, operator = await _patient(app)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    listed = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    [before] = [c for c in listed.cards if c.card_id == card.card_id]
    await revoke_card(dossier, api, card.card_id)
    assert card.card_id not in (dossier.ring.emergency or EmergencyRecord()).cards

    def resurrect(request: httpx.Request, body: dict[str, object]) -> dict[str, object]:
        if request.url.path.endswith("/cards"):
            alive = msgspec.to_builtins(dataclasses.replace(before, revoked=False))
            return {"cards": [c for c in body["cards"] if c["card_id"] != card.card_id]  # type: ignore[attr-defined]
                    + [alive]}
        return body

    operator.rewrites.append(resurrect)
    operator.lying = True
    await _allergy_masked(dossier)
    synced = await sync_emergency(dossier, api)
    assert synced.resealed_cards == [] and operator.taken == []


async def test_break_glass_is_resealed_only_to_the_key_it_was_turned_on_with(
        app: Harness) -> None:
    dossier, api, operator = await _patient(app)
    service = nacl.public.PrivateKey.generate()
    mine = nacl.public.PrivateKey.generate()  # the operator's
    await allow_break_glass(dossier, api, bytes(service.public_key))

    def swap_key(request: httpx.Request, body: dict[str, object]) -> dict[str, object]:
        if request.url.path == "/emergency/service-key":
            return {"box_public": msgspec.json.decode(msgspec.json.encode(
                bytes(mine.public_key)))}
        return body

    operator.rewrites.append(swap_key)
    operator.lying = True
    await _allergy_masked(dossier)
    [(path, sent)] = operator.taken
    assert path.endswith("/break-glass")
    upload = msgspec.json.decode(sent, type=schemas.BreakGlassUpload)
    with pytest.raises(card_format.PackageUnreadable):
        card_format.open_for_service(upload.package, bytes(mine))
    keys = card_format.open_for_service(upload.package, bytes(service))
    assert set(card_format.refs_of(keys)) == set(card_format.refs_of(
        card_format.summary_keys(dossier.ring)))


async def test_break_glass_answered_on_after_the_patient_turned_it_off_is_not_resealed(
        app: Harness) -> None:
    dossier, api, operator = await _patient(app)
    service = nacl.public.PrivateKey.generate()
    await allow_break_glass(dossier, api, bytes(service.public_key))
    await refuse_break_glass(dossier, api)

    def still_on(request: httpx.Request, body: dict[str, object]) -> dict[str, object]:
        if request.url.path.endswith("/break-glass"):
            return {"allowed": True, "key_refs": []}
        return body

    operator.rewrites.append(still_on)
    operator.lying = True
    await _allergy_masked(dossier)
    assert not (await sync_emergency(dossier, api)).break_glass
    assert operator.taken == []


async def test_a_keyring_from_before_the_record_adopts_the_servers_state_once(
        app: Harness) -> None:
    dossier, api, operator = await _patient(app)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    service = nacl.public.PrivateKey.generate()
    await allow_break_glass(dossier, api, bytes(service.public_key))
    # as a keyring written before the record existed: no record in it
    await dossier._save_ring(dataclasses.replace(dossier.ring, emergency=None, _index={}))
    assert dossier.ring.emergency is None
    await _allergy_masked(dossier)  # the re-seal adopts first, then follows the record
    record = dossier.ring.emergency
    assert record is not None and set(record.cards) == {card.card_id}
    assert record.break_glass is not None  # the server's key, trusted this once
    listed = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    wanted = set(card_format.refs_of(card_format.summary_keys(dossier.ring)))
    assert all(wanted <= set(c.key_refs) for c in listed.cards)
    # adopted once: from then on a revoked card the operator lists again is left alone
    await revoke_card(dossier, api, card.card_id)
    assert dossier.ring.emergency is not None and dossier.ring.emergency.cards == {}
    assert operator.taken == []


async def test_what_is_written_after_a_card_is_revoked_is_under_a_key_its_package_lacks(
        app: Harness) -> None:
    """A dishonest server may keep a revoked card's package and share; the former holder then
    knows K and every key in it. Revoking has the summary's keys rotate at their next write,
    in the same keyring write as the strike (before, the next allergy used a key the package
    held)."""
    dossier, api, _ = await _patient(app)
    await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    await allow_break_glass(dossier, api, bytes(nacl.public.PrivateKey.generate().public_key))
    listed = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    held = {r for c in listed.cards if c.card_id == card.card_id for r in c.key_refs}
    assert held
    await revoke_card(dossier, api, card.card_id)
    later = await dossier.add("allergies", "allergy", "Latex", "2021-01-01")
    [record] = await dossier._store.revisions(dossier.dossier_id, later.item_id)
    assert record.key_ref not in held
    glass = await api.get(f"/dossiers/{dossier.dossier_id}/break-glass",
                          schemas.BreakGlassState)
    assert record.key_ref in glass.key_refs  # break-glass, still on, follows the new key
    await refuse_break_glass(dossier, api)
    after = await dossier.add("allergies", "allergy", "Arachide", "2022-01-01")
    [last] = await dossier._store.revisions(dossier.dossier_id, after.item_id)
    assert last.key_ref not in set(glass.key_refs) | held


async def test_a_keyring_the_operator_rolls_back_is_refused(app: Harness) -> None:
    """The operator answers the keyring as it was before a card was revoked (the card back in
    the record, to be re-sealed at the next rotation): refused in the session and at the next
    login with the version this device kept (``web.client.pins``), before any re-seal."""
    operator = Operator(app.transport)
    person = await app.beneficiary()
    code = await app.pharmacy_code(person)
    api = Api(BASE_URL, transport=operator)
    dossier, recovery_code = await activate(api, person.nir, code, PASSPHRASE, clock=app.clock)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    path = f"/dossiers/{dossier.dossier_id}/keyring"
    async with httpx.AsyncClient(transport=app.transport, base_url=BASE_URL, headers={
            "authorization": f"Bearer {api.session}"}) as raw:
        before = (await raw.get(path)).json()
    await revoke_card(dossier, api, card.card_id)
    seen = dossier.ring_version
    assert seen > int(before["version"])
    operator.rewrites.append(lambda request, body: before if request.url.path == path else body)
    operator.lying = True
    with pytest.raises(RolledBack):
        await dossier.refresh()
    assert dossier.ring_version == seen and not (dossier.ring.emergency or
                                                  EmergencyRecord()).cards
    await dossier.add("allergies", "allergy", "Latex", "2021-01-01")  # a rotation, a re-seal
    assert operator.taken == []  # the revoked card got nothing
    again = Api(BASE_URL, transport=operator)
    with pytest.raises(RolledBack):
        await login(again, person.nir, PASSPHRASE, clock=app.clock, floor_of=lambda _: seen)
    with pytest.raises(RolledBack):  # the recovery code's way in checks it too
        await recover(Api(BASE_URL, transport=operator), person.nir, recovery_code,
                      "une toute nouvelle phrase secrète bien longue", clock=app.clock,
                      floor_of=lambda _: seen)


async def _held(api: Api, dossier: Dossier, card_id: str) -> set[str]:
    listed = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    return {r for c in listed.cards if c.card_id == card_id for r in c.key_refs}


async def test_after_a_card_is_revoked_a_professionals_write_and_an_unmasking_use_new_keys(
        app: Harness) -> None:
    """The summary's keys rotate at the revocation itself, grants re-sealed: a professional's
    write and an item unmasked afterwards are under keys the revoked package lacks, and the
    professional reads what the patient writes afterwards (before, the rotation waited for
    the patient's next write: the professional kept writing under the old key, and an
    unmasking rewrapped under it)."""
    dossier, api, _ = await _patient(app)
    hidden = await dossier.add("allergies", "allergy", "Privé", "2020-01-01")
    await dossier.mask(hidden.item_id)
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"], write=True, seconds=86_400)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    held = await _held(api, dossier, card.card_id)
    await revoke_card(dossier, api, card.card_id)
    opened = await open_as(app, pro, issued)
    _, written = await write_item(pro.api, pro.identity, issued.text, "allergies", "allergy",
                                  "Latex", "2024-05-01", now=app.clock.now, opened=opened)
    [by_pro] = await dossier._store.revisions(dossier.dossier_id, written.item_id)
    await dossier.unmask(hidden.item_id)
    [unmasked] = await dossier._store.revisions(dossier.dossier_id, hidden.item_id)
    later = await dossier.add("allergies", "allergy", "Arachide", "2024-06-01")
    [by_patient] = await dossier._store.revisions(dossier.dossier_id, later.item_id)
    assert not {by_pro.key_ref, unmasked.key_ref, by_patient.key_ref} & held
    assert by_patient.key_ref in (await open_as(app, pro, issued)).keys.refs
    await pro.api.aclose()


async def test_a_rotation_that_fails_after_the_revocation_is_made_at_the_next_write(
        app: Harness) -> None:
    """The card is revoked but the keyring write of the rotation fails (503): the revocation
    stands and says the rotation is owed (False, not an error: a browser's renewal would
    otherwise lose its new card), the sections stay marked, and the patient's next write
    rotates them and re-seals the grant before writing."""
    dossier, api, operator = await _patient(app)
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"], seconds=86_400)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    held = await _held(api, dossier, card.card_id)
    deleted: list[bool] = []

    def after_the_delete(request: httpx.Request) -> bool:
        if request.method == "DELETE":
            deleted.append(True)
            return False
        return bool(deleted) and request.url.path.endswith("/keyring") and \
            request.method == "PUT"

    operator.failing = after_the_delete
    assert await revoke_card(dossier, api, card.card_id) is False
    listed = await api.get(f"/dossiers/{dossier.dossier_id}/cards", schemas.CardList)
    assert [c.revoked for c in listed.cards if c.card_id == card.card_id] == [True]
    assert dossier.ring.rotate_pending >= {Section.ALLERGIES}
    operator.failing = None
    later = await dossier.add("allergies", "allergy", "Latex", "2024-06-01")
    [record] = await dossier._store.revisions(dossier.dossier_id, later.item_id)
    assert record.key_ref not in held and not dossier.ring.rotate_pending
    assert record.key_ref in (await open_as(app, pro, issued)).keys.refs
    await pro.api.aclose()

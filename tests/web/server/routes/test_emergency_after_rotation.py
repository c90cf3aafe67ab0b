"""An emergency card and the break-glass package follow the summary's keys (P7 with P5 and
P2; ``web.client.emergency_sync``): after the patient masks one allergy, or a revocation
rotates the allergies' key, a printed card still opens every unmasked allergy, those written
after too; before this, a card opened none after a masking (an allergy list that read as
empty) and none written after a rotation. Real clients against the in-process app, SQLite
and PostgreSQL."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from consent import card as card_format
from tests.web.server.routes.api_support import BASE_URL, Harness
from tests.web.server.routes.grant_world import give, patient, professional
from vault import Dossier
from web import schemas
from web.client import Api, ApiError
from web.client.consent import revoke_grant
from web.client.emergency import allow_break_glass, issue_card, open_card, service_key
from web.client.emergency_sync import sync_emergency

PASSCODE = "12345678"


async def _opened(app: Harness, text: str) -> set[str]:
    async with Api(BASE_URL, transport=app.transport) as anyone:
        return {i.item_id for i in await open_card(anyone, text, PASSCODE)}


async def test_a_card_opens_the_other_allergies_after_a_masking(app: Harness) -> None:
    dossier, api = await patient(app)
    kept = await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    hidden = await dossier.add("allergies", "allergy", "Privé", "2020-01-02")
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    await dossier.mask(hidden.item_id)
    later = await dossier.add("allergies", "allergy", "Latex", "2021-01-01")
    seen = await _opened(app, card.text)
    assert {kept.item_id, later.item_id} <= seen and hidden.item_id not in seen
    await api.aclose()


async def test_a_card_and_break_glass_follow_a_rotation_after_a_revocation(
        app: Harness) -> None:
    dossier, api = await patient(app)
    kept = await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    await allow_break_glass(dossier, api, await service_key(api))
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"])
    before = set(card_format.refs_of(card_format.summary_keys(dossier.ring)))
    await revoke_grant(dossier, api, issued.grant_id)  # rotates the allergies' key (P5)
    later = await dossier.add("allergies", "allergy", "Latex", "2021-01-01")
    assert {kept.item_id, later.item_id} <= await _opened(app, card.text)
    now = set(card_format.refs_of(card_format.summary_keys(dossier.ring)))
    assert now != before
    state = await api.get(f"/dossiers/{dossier.dossier_id}/break-glass",
                          schemas.BreakGlassState)
    assert state.allowed and now <= set(state.key_refs)
    await api.aclose()
    await pro.api.aclose()


async def _legacy_card(dossier: Dossier, api: Api) -> str:
    """A card made with a random key (as before ``consent.card.card_key``)."""
    made = card_format.new_card(dossier.ring, dossier.dossier_id, secrets.token_bytes)
    await api.send("POST", f"/dossiers/{dossier.dossier_id}/cards", schemas.CardUpload(
        card_id=made.card_id.hex(), server_share=made.server_share, passcode=PASSCODE,
        package=made.package, key_refs=list(made.key_refs), days=30), schemas.CardInfo)
    return made.text


async def test_a_random_key_card_is_reported_and_left_as_it_opens(app: Harness) -> None:
    dossier, api = await patient(app)
    kept = await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    # made then, in a keyring without the emergency record (adopted by the next sync)
    await dossier._save_ring(dataclasses.replace(dossier.ring, emergency=None, _index={}))
    text = await _legacy_card(dossier, api)
    new = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    dossier.after_rotation = None  # the sync below, by hand
    await dossier.rotate_now(frozenset(dossier.ring.sections))
    synced = await sync_emergency(dossier, api)
    card_id, _ = card_format.parse_card(text)
    assert synced.stale_cards == [card_id.hex()] and synced.resealed_cards == [new.card_id]
    assert kept.item_id in await _opened(app, text)  # not broken by the sync
    assert (await sync_emergency(dossier, api)).resealed_cards == []  # nothing left to do
    await api.aclose()


async def test_only_an_active_card_of_the_dossier_is_resealed(app: Harness) -> None:
    dossier, api = await patient(app)
    other, other_api = await patient(app)
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    body = schemas.CardPackageUpload(package=b"\x01" * 64, key_refs=[])
    for who, path in ((other_api, f"/dossiers/{other.dossier_id}/cards/{card.card_id}/package"),
                      (api, f"/dossiers/{dossier.dossier_id}/cards/{'0' * 32}/package")):
        with pytest.raises(Exception) as refused:
            await who.call("PUT", path, body)
        assert getattr(refused.value, "status", 404) == 404
    await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/cards/{card.card_id}")
    with pytest.raises(Exception) as revoked:
        await api.call("PUT", f"/dossiers/{dossier.dossier_id}/cards/{card.card_id}/package",
                       body)
    assert getattr(revoked.value, "status", 404) == 404
    await api.aclose()
    await other_api.aclose()


async def test_a_reseal_never_turns_break_glass_on_again(app: Harness) -> None:
    """Another device turned break-glass off after this one read it on: the re-seal is
    refused (409) and break-glass stays off."""
    dossier, api = await patient(app)
    package, refs = card_format.seal_for_service(dossier.ring, await service_key(api),
                                                 secrets.token_bytes)
    path = f"/dossiers/{dossier.dossier_id}/break-glass"
    with pytest.raises(ApiError) as off:
        await api.call("PUT", path, schemas.BreakGlassUpload(package=package,
                                                             key_refs=list(refs), reseal=True))
    assert off.value.status == 409 and off.value.code == "break_glass_turned_off"
    assert not (await api.get(path, schemas.BreakGlassState)).allowed
    await api.aclose()


async def test_a_failed_reseal_leaves_the_masking_done_and_is_made_before_the_next_write(
        app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    dossier, api = await patient(app)
    kept = await dossier.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    hidden = await dossier.add("allergies", "allergy", "Privé", "2020-01-02")
    card = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    real_call = Api.call

    async def down(self: Api, method: str, path: str, *a: object, **kw: object) -> object:
        if path.endswith("/package"):
            raise ApiError(503, "storage_unavailable", "try again")
        return await real_call(self, method, path, *a, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(Api, "call", down)
    await dossier.mask(hidden.item_id)  # the masking stands though the re-seal failed
    assert (await dossier.get(hidden.item_id)).masked
    monkeypatch.setattr(Api, "call", real_call)
    later = await dossier.add("allergies", "allergy", "Latex", "2021-01-01")  # re-sealed first
    assert {kept.item_id, later.item_id} <= await _opened(app, card.text)
    await api.aclose()


async def test_an_expired_card_is_not_resealed(app: Harness) -> None:
    dossier, api = await patient(app)
    card = await issue_card(dossier, api, days=1, passcode=PASSCODE)
    cards = app.services.cards
    end = card.expires_at
    assert not await cards.replace_card_package(dossier.dossier_id, card.card_id, b"\x01" * 64,
                                                (), end)  # expired at its end
    assert await cards.replace_card_package(dossier.dossier_id, card.card_id, b"\x01" * 64,
                                            (), end - 1)
    await api.aclose()


async def test_the_cards_list_says_which_card_cannot_follow_key_changes(app: Harness) -> None:
    from web.client.emergency import list_cards
    dossier, api = await patient(app)
    text = await _legacy_card(dossier, api)
    new = await issue_card(dossier, api, days=30, passcode=PASSCODE)
    legacy_id = card_format.parse_card(text)[0].hex()
    follows = {c.card_id: c.follows_keys for c in await list_cards(dossier, api)}
    assert follows == {legacy_id: False, new.card_id: True}
    await api.aclose()

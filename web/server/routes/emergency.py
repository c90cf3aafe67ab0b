"""Emergency routes: a patient's cards and break-glass setting; opening a card; break-glass."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get, post, put

from web import schemas
from web.nir import parse_nir
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.deps import address
from web.server.guards import requires_patient, requires_professional
from web.server.openapi import errors
from web.server.params import IdParam
from web.server.services.consent import SignedRequest
from web.server.services.emergency import Opened
from web.server.services.errors import NotFoundError
from web.server.storage.ports import Professional

PATIENT = [requires_patient]


def _body(o: Opened) -> schemas.EmergencyBody:
    return schemas.EmergencyBody(dossier=schemas.DossierBody.of(o.dossier), package=o.package,
                                 items=[schemas.ItemBody.of(r) for r in o.items],
                                 server_share=o.server_share)


@post("/dossiers/{dossier_id:str}/cards", status_code=201, guards=PATIENT,
      responses=errors(401, 403, 404, 409, 410, 413), summary="Register an emergency card")
async def add_card(services: Services, dossier_id: IdParam,
                   data: schemas.CardUpload) -> schemas.CardInfo:
    await services.store.dossier(dossier_id)
    c = await services.emergency.issue_card(dossier_id, data.card_id, data.server_share,
                                            data.passcode, data.package, tuple(data.key_refs),
                                            data.days)
    return schemas.CardInfo(card_id=c.card_id, created_at=c.created_at, expires_at=c.expires_at,
                            revoked=False, attempts=0)


@get("/dossiers/{dossier_id:str}/cards", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="The dossier's emergency cards")
async def list_cards(services: Services, dossier_id: IdParam) -> schemas.CardList:
    found = await services.emergency.cards_of(dossier_id)
    return schemas.CardList(cards=[
        schemas.CardInfo(card_id=c.card_id, created_at=c.created_at, expires_at=c.expires_at,
                         revoked=c.revoked_at is not None, attempts=c.attempts,
                         key_refs=list(c.key_refs), package=c.package)
        for c in found])


@put("/dossiers/{dossier_id:str}/cards/{card_id:str}/package", status_code=204,
     guards=PATIENT, responses=errors(401, 403, 404, 410, 413),
     summary="Re-seal an active card's package (same card key) after a key rotation")
async def reseal_card(services: Services, dossier_id: IdParam, card_id: IdParam,
                      data: schemas.CardPackageUpload) -> None:
    await services.store.dossier(dossier_id)
    await services.emergency.reseal_card(dossier_id, card_id, data.package,
                                         tuple(data.key_refs))


@delete("/dossiers/{dossier_id:str}/cards/{card_id:str}", status_code=204, guards=PATIENT,
        responses=errors(401, 403, 404, 410), summary="Revoke an emergency card")
async def revoke_card(services: Services, dossier_id: IdParam, card_id: IdParam) -> None:
    if not await services.emergency.revoke_card(dossier_id, card_id):
        raise NotFoundError("no such card in this dossier")
    await services.consent.record(dossier_id, "card_issued", "patient",
                                  {"card": card_id, "revoked": 1})


@put("/dossiers/{dossier_id:str}/break-glass", status_code=204, guards=PATIENT,
     responses=errors(401, 403, 404, 410, 413),
     summary="Allow break-glass: the summary keys sealed to the emergency service")
async def allow_break_glass(services: Services, dossier_id: IdParam,
                            data: schemas.BreakGlassUpload) -> None:
    await services.emergency.set_break_glass(dossier_id, data.package, tuple(data.key_refs),
                                             reseal=data.reseal)


@get("/dossiers/{dossier_id:str}/break-glass", guards=PATIENT,
     responses=errors(401, 403, 404, 410), summary="Whether break-glass is allowed now")
async def break_glass_state(services: Services, dossier_id: IdParam) -> schemas.BreakGlassState:
    await services.store.dossier(dossier_id)
    found = await services.cards.break_glass(dossier_id)
    return schemas.BreakGlassState(allowed=found is not None,
                                   key_refs=list(found[1]) if found is not None else [])


@delete("/dossiers/{dossier_id:str}/break-glass", status_code=204, guards=PATIENT,
        responses=errors(401, 403, 404, 410), summary="Refuse break-glass (deletes the keys)")
async def refuse_break_glass(services: Services, dossier_id: IdParam) -> None:
    await services.emergency.set_break_glass(dossier_id, None, ())


@post("/emergency/cards/{card_id:str}/open", status_code=200,
      responses=errors(401, 403, 404, 429),
      summary="Open an emergency card with its passcode (attempt-limited, logged, e-mailed)")
async def open_card(request: Request[Any, Any, Any], services: Services, card_id: IdParam,
                    data: schemas.CardOpenRequest) -> schemas.EmergencyBody:
    await services.auth.throttle("card-address", address(request), 30)
    return _body(await services.emergency.open_card(card_id, data.passcode, data.who,
                                                    data.who_sealed))


@get("/emergency/cards/{card_id:str}/recipient", responses=errors(404, 410, 429),
     summary="The card's patient's public key, to seal who opens it to (the server keeps it "
             "sealed)")
async def card_recipient(request: Request[Any, Any, Any], services: Services,
                         card_id: IdParam) -> schemas.CardRecipientBody:
    await services.auth.throttle("card-recipient", address(request), 30)
    return schemas.CardRecipientBody(
        box_public=await services.emergency.card_recipient(card_id))


@post("/emergency/break-glass", status_code=200,
      guards=[requires_professional(role="emergency")], responses=errors(401, 403, 404, 429),
      summary="Break-glass by a professional with the emergency role (signed request)")
async def break_glass(request: Request[Any, Any, Any], services: Services,
                      professional: Professional,
                      data: schemas.BreakGlassRequest) -> schemas.EmergencyBody:
    signed = SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                        request.headers)
    nir_hash = services.peppers.login_hash("patient", parse_nir(data.nir))
    return _body(await services.emergency.break_glass(professional, nir_hash, data.reason,
                                                      signed, data.reason_sealed))


@get("/emergency/service-key", responses=errors(),
     summary="The emergency service's public key (break-glass packages are sealed to it)")
async def service_key(services: Services) -> schemas.ServiceKeyBody:
    return schemas.ServiceKeyBody(box_public=services.settings.emergency_public)


router = Router(path="/", tags=["emergency"], before_request=strict_body, route_handlers=[
    add_card, list_cards, reseal_card, revoke_card, allow_break_glass, break_glass_state,
    refuse_break_glass, open_card, card_recipient, break_glass, service_key])

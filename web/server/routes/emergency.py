"""Emergency routes: a patient's cards and break-glass setting; opening a card; break-glass."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get, post, put

from web import schemas
from web.nir import parse_nir
from web.server.routes.common import (
    IdParam,
    address,
    errors,
    patient_session,
    professional_session,
    services_of,
    strict_body,
)
from web.server.services.consent import SignedRequest
from web.server.services.emergency import Opened
from web.server.services.errors import Forbidden, NotFoundError


def _body(o: Opened) -> schemas.EmergencyBody:
    return schemas.EmergencyBody(dossier=schemas.DossierBody.of(o.dossier), package=o.package,
                            items=[schemas.ItemBody.of(r) for r in o.items],
                            server_share=o.server_share)


@post("/dossiers/{dossier_id:str}/cards", status_code=201,
      responses=errors(401, 403, 404, 409, 410, 413), summary="Register an emergency card")
async def add_card(request: Request[Any, Any, Any], dossier_id: IdParam,
                   data: schemas.CardUpload) -> schemas.CardInfo:
    await patient_session(request, dossier_id)
    services = services_of(request)
    await services.store.dossier(dossier_id)
    c = await services.emergency.issue_card(dossier_id, data.card_id, data.server_share,
                                            data.passcode, data.package, tuple(data.key_refs),
                                            data.days)
    return schemas.CardInfo(card_id=c.card_id, created_at=c.created_at, expires_at=c.expires_at,
                       revoked=False, attempts=0)


@get("/dossiers/{dossier_id:str}/cards", responses=errors(401, 403, 404, 410),
     summary="The dossier's emergency cards")
async def list_cards(request: Request[Any, Any, Any], dossier_id: IdParam) -> schemas.CardList:
    await patient_session(request, dossier_id)
    found = await services_of(request).emergency.cards.cards_of(dossier_id)
    return schemas.CardList(cards=[schemas.CardInfo(card_id=c.card_id, created_at=c.created_at,
                                          expires_at=c.expires_at,
                                          revoked=c.revoked_at is not None, attempts=c.attempts)
                              for c in found])


@delete("/dossiers/{dossier_id:str}/cards/{card_id:str}", status_code=204,
        responses=errors(401, 403, 404, 410), summary="Revoke an emergency card")
async def revoke_card(request: Request[Any, Any, Any], dossier_id: IdParam,
                      card_id: IdParam) -> None:
    await patient_session(request, dossier_id)
    services = services_of(request)
    if not await services.emergency.cards.revoke_card(dossier_id, card_id,
                                                      int(services.clock())):
        raise NotFoundError("no such card in this dossier")
    await services.consent.record(dossier_id, "card_issued", "patient",
                                  {"card": card_id, "revoked": 1})


@put("/dossiers/{dossier_id:str}/break-glass", status_code=204,
     responses=errors(401, 403, 404, 410, 413),
     summary="Allow break-glass: the summary keys sealed to the emergency service")
async def allow_break_glass(request: Request[Any, Any, Any], dossier_id: IdParam,
                            data: schemas.BreakGlassUpload) -> None:
    await patient_session(request, dossier_id)
    await services_of(request).emergency.set_break_glass(dossier_id, data.package,
                                                         tuple(data.key_refs))


@delete("/dossiers/{dossier_id:str}/break-glass", status_code=204,
        responses=errors(401, 403, 404, 410), summary="Refuse break-glass (deletes the keys)")
async def refuse_break_glass(request: Request[Any, Any, Any], dossier_id: IdParam) -> None:
    await patient_session(request, dossier_id)
    await services_of(request).emergency.set_break_glass(dossier_id, None, ())


@post("/emergency/cards/{card_id:str}/open", status_code=200, responses=errors(401, 403, 404,
                                                                              429),
      summary="Open an emergency card with its passcode (attempt-limited, logged, e-mailed)")
async def open_card(request: Request[Any, Any, Any], card_id: IdParam,
                    data: schemas.CardOpenRequest) -> schemas.EmergencyBody:
    services = services_of(request)
    await services.auth.throttle("card-address", address(request), 30)
    return _body(await services.emergency.open_card(card_id, data.passcode, data.who))


@post("/emergency/break-glass", status_code=200, responses=errors(401, 403, 404, 429),
      summary="Break-glass by a professional with the emergency role (signed request)")
async def break_glass(request: Request[Any, Any, Any],
                      data: schemas.BreakGlassRequest) -> schemas.EmergencyBody:
    session = await professional_session(request, role="emergency")
    services = services_of(request)
    pro = await services.db.professional(session.subject)
    if pro is None or pro.status != "approved":
        raise Forbidden("this professional is not approved")
    signed = SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                        request.headers)
    nir_hash = services.peppers.login_hash("patient", parse_nir(data.nir))
    return _body(await services.emergency.break_glass(pro, nir_hash, data.reason, signed))


@get("/emergency/service-key", responses=errors(),
     summary="The emergency service's public key (break-glass packages are sealed to it)")
async def service_key(request: Request[Any, Any, Any]) -> schemas.ServiceKeyBody:
    return schemas.ServiceKeyBody(
        box_public=bytes.fromhex(services_of(request).settings.emergency_public))


router = Router(path="/", tags=["emergency"], before_request=strict_body, route_handlers=[
    add_card, list_cards, revoke_card, allow_break_glass, refuse_break_glass, open_card,
    break_glass, service_key])

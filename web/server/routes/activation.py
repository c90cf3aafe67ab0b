"""Getting a code (online request, pharmacy) and activating a dossier with it (P9)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, post

from web import schemas
from web.nir import parse_nir
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.deps import address
from web.server.guards import requires_professional
from web.server.openapi import errors
from web.server.services.activation import ACCEPTED, NewDossier
from web.server.storage.ports import Session
from web.server.views import session_body


@post("/request", status_code=202, responses=errors(429),
      summary="Ask for a code by NIR + birth date; same answer whether or not the NIR exists")
async def request_code(request: Request[Any, Any, Any], services: Services,
                       data: schemas.ActivationRequest) -> schemas.AcceptedBody:
    await services.auth.throttle("activation-request-address", address(request), 10)
    await services.auth.throttle("activation-request-nir", parse_nir(data.nir), 3, 3600)
    services.activation.request_code(data.nir, data.birth_date)
    return schemas.AcceptedBody(detail=ACCEPTED)


@post("/pharmacy", status_code=201, guards=[requires_professional(role="pharmacist")],
      responses=errors(401, 403, 404, 409, 429),
      summary="A pharmacist starts activation for a patient present; the code is printed "
              "(409 code_pending if a code sent earlier is still valid, unless resend)")
async def pharmacy(services: Services, session: Session,
                   data: schemas.PharmacyActivationRequest) -> schemas.PharmacyCodeBody:
    await services.auth.throttle("activation-pharmacy", session.subject, 60)
    issued = await services.activation.pharmacy_code(data.nir, data.birth_date,
                                                     resend=data.resend)
    old = issued.replaced
    return schemas.PharmacyCodeBody(
        code=issued.code, expires_at=issued.expires_at,
        replaced=None if old is None else schemas.ReplacedCode(channel=old.channel,
                                                               sent_at=old.created_at))


@post("/complete", status_code=201, responses=errors(400, 403, 409, 410, 429),
      summary="Activate with NIR + code; the client sends the dossier it created (400 "
              "activation_failed, or code_superseded for a code a newer one replaced)")
async def complete(request: Request[Any, Any, Any], services: Services,
                   data: schemas.ActivateBody) -> schemas.SessionBody:
    await services.auth.throttle("activation-address", address(request), 20)
    create = NewDossier(dossier=data.create.dossier.record(),
                        slots=tuple(s.record() for s in data.create.slots),
                        keyring=data.create.keyring)
    dossier_id = await services.activation.activate(data.nir, data.code, create)
    return session_body(await services.auth.open_session("patient", dossier_id))


router = Router(path="/activation", tags=["activation"],
                route_handlers=[request_code, pharmacy, complete], before_request=strict_body)

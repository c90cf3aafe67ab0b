"""Getting a code (online request, pharmacy) and activating a dossier with it (P9)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, post

from web import schemas
from web.nir import parse_nir
from web.server.routes.common import address, errors, professional_session, services_of, strict_body
from web.server.services.activation import ACCEPTED


@post("/request", status_code=202, responses=errors(429),
      summary="Ask for a code by NIR + birth date; same answer whether or not the NIR exists")
async def request_code(request: Request[Any, Any, Any],
                       data: schemas.ActivationRequest) -> schemas.AcceptedBody:
    services = services_of(request)
    await services.auth.throttle("activation-request-address", address(request), 10)
    await services.auth.throttle("activation-request-nir", parse_nir(data.nir), 3, 3600)
    services.activation.request_code(data.nir, data.birth_date)
    return schemas.AcceptedBody(detail=ACCEPTED)


@post("/pharmacy", status_code=201, responses=errors(401, 403, 404, 429),
      summary="A pharmacist starts activation for a patient present; the code is printed")
async def pharmacy(request: Request[Any, Any, Any],
                   data: schemas.ActivationRequest) -> schemas.PharmacyCodeBody:
    pro = await professional_session(request, role="pharmacist")
    services = services_of(request)
    await services.auth.throttle("activation-pharmacy", pro.subject, 60)
    return await services.activation.pharmacy_code(data.nir, data.birth_date)


@post("/complete", status_code=201, responses=errors(403, 409, 410, 429),
      summary="Activate with NIR + code; the client sends the dossier it created")
async def complete(request: Request[Any, Any, Any],
                   data: schemas.ActivateBody) -> schemas.SessionBody:
    services = services_of(request)
    await services.auth.throttle("activation-address", address(request), 20)
    dossier_id = await services.activation.activate(data)
    return await services.auth.open_session("patient", dossier_id)


router = Router(path="/activation", tags=["activation"],
                route_handlers=[request_code, pharmacy, complete], before_request=strict_body)

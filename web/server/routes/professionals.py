"""Professionals register their public keys; the operator approves them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.params import Parameter

from web import schemas
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.deps import address
from web.server.openapi import errors
from web.server.params import PsIdParam
from web.server.views import professional_body


@post("/", status_code=201, responses=errors(409, 429),
      summary="Register a professional's public keys (pending the operator's approval)")
async def register(request: Request[Any, Any, Any], services: Services,
                   data: schemas.ProfessionalRegistration) -> schemas.ProfessionalBody:
    await services.auth.throttle("register-address", address(request), 10)
    return professional_body(await services.directory.register(
        ps_id=data.ps_id, name=data.name, profession=data.profession,
        specialty=data.specialty, city=data.city, email=data.email,
        box_public=data.box_public, sign_public=data.sign_public))


@get("/{ps_id:str}", responses=errors(404), summary="An approved professional's entry")
async def read(services: Services, ps_id: PsIdParam) -> schemas.ProfessionalBody:
    return professional_body(await services.directory.approved(ps_id))


# One line of text: PostgreSQL refuses NUL in a query parameter (a 500 otherwise).
SearchText = Annotated[str, Parameter(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


@get("/authority", responses=errors(),
     summary="The directory authority's public key (clients should pin it out of band)")
async def authority(services: Services) -> schemas.AuthorityBody:
    return schemas.AuthorityBody(authority_public=services.settings.authority_public)


@get("/", responses=errors(), summary="Search approved professionals by name or id, "
                                      "profession and city")
async def search(services: Services, q: SearchText = "", profession: SearchText = "",
                 city: SearchText = "") -> schemas.ProfessionalList:
    found = await services.directory.search(q, profession, city)
    return schemas.ProfessionalList(professionals=[professional_body(p) for p in found])


router = Router(path="/professionals", tags=["professionals"], route_handlers=[register, read],
                before_request=strict_body)
directory_router = Router(path="/directory", tags=["professionals"],
                          route_handlers=[authority, search])

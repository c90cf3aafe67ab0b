"""Professionals register their public keys; the operator approves them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.params import Parameter

from consent import directory
from web import schemas
from web.server.routes.common import PsIdParam, address, errors, services_of, strict_body
from web.server.services.errors import ConflictError, NotFoundError
from web.server.storage.repo import Professional


def body_of(p: Professional) -> schemas.ProfessionalBody:
    return schemas.ProfessionalBody(ps_id=p.ps_id, name=p.name, profession=p.profession,
                                 specialty=p.specialty, city=p.city,
                                 status=p.status,  # type: ignore[arg-type]
                                 roles=list(p.roles), box_public=p.box_public,
                                 sign_public=p.sign_public,
                                 countersignature=p.countersignature)


def directory_entry(p: Professional, roles: list[str] | tuple[str, ...]) -> directory.Entry:
    """What the directory authority signs for this professional."""
    return directory.Entry(ps_id=p.ps_id, name=p.name, profession=p.profession,
                           specialty=p.specialty, city=p.city, roles=tuple(roles),
                           sign_public=p.sign_public, box_public=p.box_public)


@post("/", status_code=201, responses=errors(409, 429),
      summary="Register a professional's public keys (pending the operator's approval)")
async def register(request: Request[Any, Any, Any],
                   data: schemas.ProfessionalRegistration) -> schemas.ProfessionalBody:
    services = services_of(request)
    await services.auth.throttle("register-address", address(request), 10)
    if await services.db.professional(data.ps_id) is not None:
        raise ConflictError("this idNat_PS is already registered")
    p = Professional(ps_id=data.ps_id, name=data.name.strip(), profession=data.profession,
                     specialty=data.specialty, city=data.city, email=data.email,
                     box_public=data.box_public, sign_public=data.sign_public,
                     status="pending", roles=(), created_at=int(services.clock()))
    await services.db.register_professional(p)
    return body_of(p)


@get("/{ps_id:str}", responses=errors(404), summary="An approved professional's entry")
async def read(request: Request[Any, Any, Any], ps_id: PsIdParam) -> schemas.ProfessionalBody:
    found = await services_of(request).db.professional(ps_id)
    if found is None or found.status != "approved":
        raise NotFoundError("no approved professional with this idNat_PS")
    return body_of(found)


# One line of text: PostgreSQL refuses NUL in a query parameter (a 500 otherwise).
SearchText = Annotated[str, Parameter(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


@get("/authority", responses=errors(),
     summary="The directory authority's public key (clients should pin it out of band)")
async def authority(request: Request[Any, Any, Any]) -> schemas.AuthorityBody:
    return schemas.AuthorityBody(
        authority_public=bytes.fromhex(services_of(request).settings.authority_public))


@get("/", responses=errors(), summary="Search approved professionals by name or id, "
                                      "profession and city")
async def search(request: Request[Any, Any, Any],
                 q: SearchText = "", profession: SearchText = "",
                 city: SearchText = "") -> schemas.ProfessionalList:
    found = await services_of(request).db.search_professionals(q.strip(), profession.strip(),
                                                               city.strip())
    return schemas.ProfessionalList(professionals=[body_of(p) for p in found])


router = Router(path="/professionals", tags=["professionals"], route_handlers=[register, read],
                before_request=strict_body)
directory_router = Router(path="/directory", tags=["professionals"],
                          route_handlers=[authority, search])

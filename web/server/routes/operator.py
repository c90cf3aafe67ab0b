"""The operator's desk: load the registry, send codes, approve professionals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Router, get, post
from litestar.params import Parameter

from consent import directory
from web import schemas
from web.server.routes.common import PsIdParam, errors, require_operator, services_of, strict_body
from web.server.routes.professionals import body_of, directory_entry
from web.server.services.errors import NotFoundError, ServiceError


@post("/registry", status_code=200, responses=errors(401, 403, 413),
      summary="Load or update beneficiaries from CSV; bad lines are reported")
async def load_registry(request: Request[Any, Any, Any],
                        data: schemas.RegistryLoadBody) -> schemas.RegistryLoadResult:
    require_operator(request)
    return await services_of(request).activation.load_registry(data.csv)


@post("/codes", status_code=200, responses=errors(401, 403),
      summary="Send activation codes by e-mail or post to beneficiaries without a dossier")
async def send_codes(request: Request[Any, Any, Any],
                     data: schemas.SendCodesBody) -> schemas.SendCodesResult:
    require_operator(request)
    return await services_of(request).activation.send_codes(data.channel, data.nirs)


@get("/professionals", responses=errors(401, 403), summary="Professionals, by status")
async def list_professionals(
        request: Request[Any, Any, Any],
        status: Literal["pending", "approved", "blocked"] | None = None,
        after: Annotated[str | None, Parameter(pattern=r"^\d{1,12}$")] = None,
) -> schemas.ProfessionalList:
    require_operator(request)
    found = await services_of(request).db.professionals(status, after=after)
    return schemas.ProfessionalList(professionals=[body_of(p) for p in found])


async def _set_status(request: Request[Any, Any, Any], ps_id: str, status: str,
                      roles: list[str], countersignature: bytes = b"") -> schemas.ProfessionalBody:
    require_operator(request)
    db = services_of(request).db
    if not await db.set_professional_status(ps_id, status, roles, countersignature):
        raise NotFoundError("no such professional")
    if status == "blocked":
        await db.delete_sessions_of(ps_id)
    found = await db.professional(ps_id)
    if found is None:
        raise NotFoundError("no such professional")
    return body_of(found)


@post("/professionals/{ps_id:str}/approve", status_code=200, responses=errors(401, 403, 404),
      summary="Approve a registered professional, with roles")
async def approve(request: Request[Any, Any, Any], ps_id: PsIdParam,
                  data: schemas.ApproveBody) -> schemas.ProfessionalBody:
    require_operator(request)
    services = services_of(request)
    roles: list[str] = list(dict.fromkeys(data.roles))
    found = await services.db.professional(ps_id)
    if found is None:
        raise NotFoundError("no such professional")
    entry = directory_entry(found, roles)
    try:
        directory.verify(entry, data.countersignature,
                         bytes.fromhex(services.settings.authority_public))
    except (directory.UntrustedEntry, ValueError):
        raise ServiceError("the countersignature is not the directory authority's over this "
                           "entry and these roles") from None
    return await _set_status(request, ps_id, "approved", roles, data.countersignature)


@get("/professionals/{ps_id:str}", responses=errors(401, 403, 404),
     summary="One professional's entry, whatever its status (to countersign it)")
async def read_professional(request: Request[Any, Any, Any],
                            ps_id: PsIdParam) -> schemas.ProfessionalBody:
    require_operator(request)
    found = await services_of(request).db.professional(ps_id)
    if found is None:
        raise NotFoundError("no such professional")
    return body_of(found)


@post("/professionals/{ps_id:str}/block", status_code=200, responses=errors(401, 403, 404),
      summary="Block a professional: no more logins")
async def block(request: Request[Any, Any, Any], ps_id: PsIdParam) -> schemas.ProfessionalBody:
    return await _set_status(request, ps_id, "blocked", [])


router = Router(path="/operator", tags=["operator"], before_request=strict_body,
                route_handlers=[load_registry, send_codes, list_professionals, approve, block,
                                read_professional])

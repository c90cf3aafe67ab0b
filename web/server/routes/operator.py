"""The operator's desk: load the registry, send codes, approve professionals."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Router, get, post
from litestar.params import Parameter

from web import schemas
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.guards import requires_operator
from web.server.openapi import errors
from web.server.params import PsIdParam
from web.server.views import professional_body


@post("/registry", status_code=200, responses=errors(401, 403, 413),
      summary="Load or update beneficiaries from CSV; bad lines are reported")
async def load_registry(services: Services,
                        data: schemas.RegistryLoadBody) -> schemas.RegistryLoadResult:
    report = await services.activation.load_registry(data.csv)
    return schemas.RegistryLoadResult(
        loaded=report.loaded, updated=report.updated,
        rejected=[schemas.RejectedLine(line=r.line, reason=r.reason) for r in report.rejected])


@post("/codes", status_code=200, responses=errors(401, 403),
      summary="Send activation codes by e-mail or post to beneficiaries without a dossier")
async def send_codes(services: Services, data: schemas.SendCodesBody) -> schemas.SendCodesResult:
    done = await services.activation.send_codes(data.channel, data.nirs, resend=data.resend)
    return schemas.SendCodesResult(sent=done.sent, skipped=done.skipped, kept=done.kept,
                                   replaced=done.replaced)


@get("/professionals", responses=errors(401, 403), summary="Professionals, by status")
async def list_professionals(
        services: Services,
        status: Literal["pending", "approved", "blocked"] | None = None,
        after: Annotated[str | None, Parameter(pattern=r"^\d{1,12}$")] = None,
) -> schemas.ProfessionalList:
    found = await services.directory.listing(status, after)
    return schemas.ProfessionalList(professionals=[professional_body(p) for p in found])


@post("/professionals/{ps_id:str}/approve", status_code=200, responses=errors(401, 403, 404),
      summary="Approve a registered professional, with roles")
async def approve(services: Services, ps_id: PsIdParam,
                  data: schemas.ApproveBody) -> schemas.ProfessionalBody:
    return professional_body(await services.directory.approve(ps_id, data.roles,
                                                              data.countersignature))


@get("/professionals/{ps_id:str}", responses=errors(401, 403, 404),
     summary="One professional's entry, whatever its status (to countersign it)")
async def read_professional(services: Services, ps_id: PsIdParam) -> schemas.ProfessionalBody:
    return professional_body(await services.directory.entry(ps_id))


@post("/professionals/{ps_id:str}/block", status_code=200, responses=errors(401, 403, 404),
      summary="Block a professional: no more logins")
async def block(services: Services, ps_id: PsIdParam) -> schemas.ProfessionalBody:
    return professional_body(await services.directory.block(ps_id))


router = Router(path="/operator", tags=["operator"], before_request=strict_body,
                guards=[requires_operator],
                route_handlers=[load_registry, send_codes, list_professionals, approve, block,
                                read_professional])

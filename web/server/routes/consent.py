"""Consent routes: a patient's grants and history; a professional's scan (P3–P6)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post

from web import schemas
from web.server.routes.common import (
    IdParam,
    errors,
    patient_session,
    services_of,
    strict_body,
)
from web.server.routes.common import session as session_of
from web.server.services.consent import SignedRequest, contact_as_recipient
from web.server.services.errors import Forbidden
from web.server.storage.repo import StoredGrant


def _info(g: StoredGrant) -> schemas.GrantInfo:
    return schemas.GrantInfo(grant_id=g.grant_id, recipient_id=g.recipient_id, write=g.write,
                          issued_at=g.issued_at, expires_at=g.expires_at,
                          revoked_at=g.revoked_at, grant=g.blob)


@post("/dossiers/{dossier_id:str}/grants", status_code=201,
      responses=errors(401, 403, 404, 410, 413),
      summary="Store a grant the patient signed (keys sealed to the recipient)")
async def add_grant(request: Request[Any, Any, Any], dossier_id: IdParam,
                    data: schemas.GrantUpload) -> schemas.GrantInfo:
    await patient_session(request, dossier_id)
    services = services_of(request)
    dossier = await services.store.dossier(dossier_id)
    return _info(await services.consent.add_grant(dossier, data.grant))


@get("/dossiers/{dossier_id:str}/grants", responses=errors(401, 403, 404, 410),
     summary="Every grant of the dossier, active or not")
async def list_grants(request: Request[Any, Any, Any], dossier_id: IdParam) -> schemas.GrantList:
    await patient_session(request, dossier_id)
    grants = await services_of(request).db.grants_of(dossier_id)
    return schemas.GrantList(grants=[_info(g) for g in grants])


@post("/dossiers/{dossier_id:str}/grants/{grant_id:str}/revoke", status_code=204,
      responses=errors(401, 403, 404, 410), summary="Revoke a grant: its token is refused")
async def revoke(request: Request[Any, Any, Any], dossier_id: IdParam,
                 grant_id: IdParam) -> None:
    await patient_session(request, dossier_id)
    await services_of(request).consent.revoke(dossier_id, grant_id)


@get("/dossiers/{dossier_id:str}/history", responses=errors(401, 403, 404, 410),
     summary="The dossier's hash-chained history and the server-signed head")
async def history(request: Request[Any, Any, Any], dossier_id: IdParam) -> schemas.HistoryBody:
    await patient_session(request, dossier_id)
    consent = services_of(request).consent
    events, head = await consent.history(dossier_id)
    return schemas.HistoryBody(events=events, head=head, server_public=consent.server_public)


@get("/audit/key", responses=errors(), summary="The server's audit-head signing key")
async def audit_key(request: Request[Any, Any, Any]) -> schemas.ServerKeyBody:
    return schemas.ServerKeyBody(audit_public=services_of(request).consent.server_public)


@post("/consent/scan", status_code=200, responses=errors(401, 403, 404, 410, 429),
      summary="A professional presents a consent token (signed request); gets the sealed "
              "grant and the granted, unmasked items")
async def scan(request: Request[Any, Any, Any], data: schemas.ScanRequest) -> schemas.ScanBody:
    s = await session_of(request)
    services = services_of(request)
    await services.auth.throttle("scan", s.subject, 120)
    if s.kind == "patient":  # an emergency contact who holds a dossier of their own
        pro = contact_as_recipient(await services.store.dossier(s.subject))
    else:
        found = await services.db.professional(s.subject)
        if found is None or found.status != "approved":
            raise Forbidden("this professional is not approved")
        pro = found
    signed = SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                        request.headers)
    result = await services.consent.scan(pro, data.token, signed)
    return schemas.ScanBody(dossier=schemas.DossierBody.of(result.dossier), grant=result.grant,
                         items=[schemas.ItemBody.of(r) for r in result.items])


routes = [add_grant, list_grants, revoke, history, audit_key, scan]
router = Router(path="/", tags=["consent"], route_handlers=routes, before_request=strict_body)

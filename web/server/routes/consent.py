"""Consent routes: a patient's grants and history; a professional's scan (P3–P6)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post

from web import schemas
from web.server.bodies import negotiated, strict_body
from web.server.container import Services
from web.server.guards import requires_patient, requires_session
from web.server.openapi import errors
from web.server.params import IdParam
from web.server.services.consent import Presenter, SignedRequest
from web.server.storage.ports import Professional, Session, StoredGrant

PATIENT = [requires_patient]


def _info(g: StoredGrant) -> schemas.GrantInfo:
    return schemas.GrantInfo(grant_id=g.grant_id, recipient_id=g.recipient_id, write=g.write,
                             issued_at=g.issued_at, expires_at=g.expires_at,
                             revoked_at=g.revoked_at, grant=g.blob)


@post("/dossiers/{dossier_id:str}/grants", status_code=201, guards=PATIENT,
      responses=errors(401, 403, 404, 409, 410, 413),
      summary="Store a grant the patient signed (keys sealed to the recipient)")
async def add_grant(services: Services, dossier_id: IdParam,
                    data: schemas.GrantUpload) -> schemas.GrantInfo:
    dossier = await services.store.dossier(dossier_id)
    return _info(await services.consent.add_grant(dossier, data.grant))


@get("/dossiers/{dossier_id:str}/grants", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="Every grant of the dossier, active or not")
async def list_grants(services: Services, dossier_id: IdParam) -> schemas.GrantList:
    grants = await services.db.grants_of(dossier_id)
    return schemas.GrantList(grants=[_info(g) for g in grants])


@post("/dossiers/{dossier_id:str}/grants/{grant_id:str}/revoke", status_code=204,
      guards=PATIENT, responses=errors(401, 403, 404, 410),
      summary="Revoke a grant: its token is refused")
async def revoke(services: Services, dossier_id: IdParam, grant_id: IdParam) -> None:
    await services.consent.revoke(dossier_id, grant_id)


@get("/dossiers/{dossier_id:str}/history", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="The dossier's hash-chained history and the server-signed head")
async def history(services: Services, dossier_id: IdParam) -> schemas.HistoryBody:
    events, head = await services.consent.history(dossier_id)
    return schemas.HistoryBody(events=events, head=head,
                               server_public=services.consent.server_public)


@get("/audit/key", responses=errors(), summary="The server's audit-head signing key")
async def audit_key(services: Services) -> schemas.ServerKeyBody:
    return schemas.ServerKeyBody(audit_public=services.consent.server_public)


def _presenting(path: str, *, summary: str, description: str | None = None) -> post:
    """The route of a professional (or contact) presenting a token with a signed request."""
    return post(path, status_code=200, guards=[requires_session],
                responses=errors(401, 403, 404, 410, 429), summary=summary,
                description=description)


async def _presented(request: Request[Any, Any, Any], services: Services, session: Session,
                     entry: Professional | None) -> tuple[Presenter, SignedRequest]:
    """Who presents a token (an emergency contact who holds a dossier of their own, or the
    directory entry the guard read with the session) and their signed request, within the
    scan limit (scans, checks and attachments together)."""
    await services.auth.throttle("scan", session.subject, 120)
    if session.kind == "patient":
        pro = Presenter.contact(await services.store.dossier(session.subject))
    else:
        pro = Presenter.professional(services.directory.acts(entry))
    return pro, SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                           request.headers)


@_presenting("/consent/scan",
             summary="A professional presents a consent token (signed request); gets the sealed "
                     "grant and the granted, unmasked items",
             description="JSON (bytes as base64) by default; the same answer as MessagePack (bytes "
                         "as bin) when the request accepts `application/msgpack` (the Python "
                         "client).")
async def scan(request: Request[Any, Any, Any], services: Services, session: Session,
               entry: Professional | None,
               data: schemas.ScanRequest) -> Response[schemas.ScanBody]:
    pro, signed = await _presented(request, services, session, entry)
    result = await services.consent.scan(pro, data.token, signed)
    body = schemas.ScanBody(dossier=schemas.DossierBody.of(result.dossier), grant=result.grant,
                            items=[schemas.ItemBody.of(r) for r in result.items])
    return negotiated(request, body)


@_presenting("/consent/check",
             summary="A professional checks a consent token (signed request) without opening the "
                     "dossier: whether it holds now for them, and what it opens",
             description="Every check of a scan (request signature and nonce, patient signature, "
                         "expiry, the grant, block, revocation, recipient); a refusal is logged in "
                         "the patient's history as a scan's is. Nothing of the dossier is read or "
                         "answered.")
async def check(request: Request[Any, Any, Any], services: Services, session: Session,
                entry: Professional | None, data: schemas.ScanRequest) -> schemas.CheckBody:
    pro, signed = await _presented(request, services, session, entry)
    admitted = await services.consent.check(pro, data.token, signed)
    core = admitted.core
    return schemas.CheckBody(dossier_id=admitted.dossier.dossier_id,
                             patient_public=admitted.dossier.sign_public,
                             grant_id=admitted.stored.grant_id,
                             sections=sorted(s.value for s in core.sections), write=core.write,
                             emergency=core.emergency,
                             expires_at=admitted.claims.expires_at)


@_presenting("/consent/attachment",
             summary="A professional presents a consent token again (signed request) for the "
                     "encrypted chunks of an attachment of an item it opens")
async def attachment(request: Request[Any, Any, Any], services: Services, session: Session,
                     entry: Professional | None,
                     data: schemas.AttachmentRequest) -> schemas.AttachmentBody:
    pro, signed = await _presented(request, services, session, entry)
    dossier_id, chunks = await services.consent.attachment(pro, data.token, data.item_id,
                                                           data.attachment_id, signed)
    return schemas.AttachmentBody(dossier_id=dossier_id, chunks=chunks)


routes = [add_grant, list_grants, revoke, history, audit_key, scan, check, attachment]
router = Router(path="/", tags=["consent"], route_handlers=routes, before_request=strict_body)

"""Routes for professional writes, deposits and blocks (consent items 5 and 6)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, delete, get, post
from litestar.params import Parameter

from web import schemas
from web.server.routes.common import (
    IdParam,
    PsIdParam,
    errors,
    patient_session,
    professional_session,
    services_of,
    strict_body,
)
from web.server.services.consent import SignedRequest
from web.server.services.errors import Forbidden
from web.server.services.writes import WritesService
from web.server.storage.repo import Professional, StoredDeposit

DEPOSIT_PAGE_MAX = 100


def writes_of(request: Request[Any, Any, Any]) -> WritesService:
    s = services_of(request)
    return WritesService(s.db, s.store, s.consent, s.notifier, s.peppers, s.clock)


async def approved_professional(request: Request[Any, Any, Any], kind: str,
                                limit: int) -> Professional:
    """The signed-in, approved professional (throttled per professional and ``kind``)."""
    session = await professional_session(request)
    services = services_of(request)
    await services.auth.throttle(kind, session.subject, limit)
    pro = await services.db.professional(session.subject)
    if pro is None or pro.status != "approved":
        raise Forbidden("this professional is not approved")
    return pro


async def signed(request: Request[Any, Any, Any]) -> SignedRequest:
    return SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                      request.headers)


# ------------------------------------------------------------------------------ blocks
@post("/dossiers/{dossier_id:str}/blocks", status_code=201,
      responses=errors(401, 403, 404, 410),
      summary="Block a professional: their consent tokens are refused, their active grants "
              "revoked (deposits stay possible)")
async def block(request: Request[Any, Any, Any], dossier_id: IdParam,
                data: schemas.BlockRequest) -> schemas.BlockResult:
    await patient_session(request, dossier_id)
    await services_of(request).store.dossier(dossier_id)
    done = await writes_of(request).block(dossier_id, data.ps_id)
    return schemas.BlockResult(ps_id=done.ps_id, at=done.at, revoked=done.revoked)


@delete("/dossiers/{dossier_id:str}/blocks/{ps_id:str}", status_code=204,
        responses=errors(401, 403, 404, 410), summary="Lift a block")
async def unblock(request: Request[Any, Any, Any], dossier_id: IdParam,
                  ps_id: PsIdParam) -> None:
    await patient_session(request, dossier_id)
    await writes_of(request).unblock(dossier_id, ps_id)


@get("/dossiers/{dossier_id:str}/blocks", responses=errors(401, 403, 404, 410),
     summary="The professionals this patient blocked")
async def list_blocks(request: Request[Any, Any, Any], dossier_id: IdParam) -> schemas.BlockList:
    await patient_session(request, dossier_id)
    found = await writes_of(request).blocks(dossier_id)
    return schemas.BlockList(blocks=[schemas.BlockInfo(ps_id=p, at=at) for p, at in found])


# ------------------------------------------------------------------------------ writes
@post("/consent/items", status_code=201, responses=errors(401, 403, 404, 409, 410, 429),
      summary="A professional adds a new item through a read+write consent token (signed "
              "request); the item is wrapped under one of the grant's keys")
async def write_item(request: Request[Any, Any, Any],
                     data: schemas.WriteRequest) -> schemas.WrittenBody:
    pro = await approved_professional(request, "consent-write", 120)
    # The dossier comes from the grant: the records are filed there, whatever they say.
    item, chunks = schemas.PutItemBody(item=data.item, chunks=data.chunks).records("")
    record = await writes_of(request).write(pro, data.token, item, chunks,
                                            await signed(request))
    return schemas.WrittenBody(dossier_id=record.dossier_id, item_id=record.item_id,
                            revision=record.revision)


# ------------------------------------------------------------------------------ deposits
@post("/deposits/recipient", status_code=200, responses=errors(401, 403, 404, 410, 429),
      summary="Where to deposit for a patient (by NIR): the dossier id and its public keys")
async def recipient(request: Request[Any, Any, Any],
                    data: schemas.RecipientRequest) -> schemas.RecipientBody:
    await approved_professional(request, "deposit-recipient", 30)
    record = await writes_of(request).recipient(data.nir)
    return schemas.RecipientBody(dossier_id=record.dossier_id, box_public=record.box_public,
                              sign_public=record.sign_public)


@post("/deposits", status_code=201, responses=errors(401, 403, 404, 409, 410, 429),
      summary="Deposit an item sealed to the patient and signed by the depositor (signed "
              "request)")
async def deposit(request: Request[Any, Any, Any],
                  data: schemas.DepositUpload) -> schemas.DepositReceipt:
    pro = await approved_professional(request, "deposit", 60)
    stored = await writes_of(request).deposit(pro, data.dossier_id, data.deposit_id,
                                              data.sealed, data.signature,
                                              await signed(request))
    return schemas.DepositReceipt(deposit_id=stored.deposit_id, at=stored.at)


def _deposit_body(d: StoredDeposit) -> schemas.DepositBody:
    return schemas.DepositBody(deposit_id=d.deposit_id, ps_id=d.ps_id, at=d.at, sealed=d.blob,
                            signature=d.signature)


@get("/dossiers/{dossier_id:str}/deposits", responses=errors(401, 403, 404, 410),
     summary="Deposits waiting to be filed, by deposit id, paginated")
async def list_deposits(request: Request[Any, Any, Any], dossier_id: IdParam,
                        after: Annotated[str | None, Parameter(pattern="^[0-9a-f]{32}$")] = None,
                        limit: Annotated[int, Parameter(ge=1, le=DEPOSIT_PAGE_MAX)] = 20,
                        ) -> schemas.DepositPage:
    await patient_session(request, dossier_id)
    found = await writes_of(request).deposits(dossier_id, after, limit)
    return schemas.DepositPage(deposits=[_deposit_body(d) for d in found],
                            next_after=found[-1].deposit_id if len(found) == limit else None)


@delete("/dossiers/{dossier_id:str}/deposits/{deposit_id:str}", status_code=204,
        responses=errors(401, 403, 404, 410), summary="Remove a deposit (once filed)")
async def delete_deposit(request: Request[Any, Any, Any], dossier_id: IdParam,
                         deposit_id: IdParam) -> None:
    await patient_session(request, dossier_id)
    await writes_of(request).delete_deposit(dossier_id, deposit_id)


routes = [block, unblock, list_blocks, write_item, recipient, deposit, list_deposits,
          delete_deposit]
router = Router(path="/", tags=["writes"], route_handlers=routes, before_request=strict_body)

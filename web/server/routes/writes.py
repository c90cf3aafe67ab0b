"""Routes for professional writes, deposits and blocks (consent items 5 and 6)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, delete, get, post
from litestar.params import Parameter

from web import schemas
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.guards import requires_patient, requires_professional
from web.server.openapi import errors
from web.server.params import IdParam, PsIdParam
from web.server.services import journal
from web.server.services.consent import SignedRequest
from web.server.storage.ports import Professional, StoredDeposit

DEPOSIT_PAGE_MAX = 100
PATIENT = [requires_patient]
PROFESSIONAL = [requires_professional()]


async def signed(request: Request[Any, Any, Any]) -> SignedRequest:
    return SignedRequest.from_headers("POST", request.url.path, await request.body(),
                                      request.headers)


# ------------------------------------------------------------------------------ blocks
@post("/dossiers/{dossier_id:str}/blocks", status_code=201, guards=PATIENT,
      responses=errors(401, 403, 404, 410),
      summary="Block a professional: their consent tokens are refused, their active grants "
              "revoked (deposits stay possible)")
async def block(services: Services, dossier_id: IdParam,
                data: schemas.BlockRequest) -> schemas.BlockResult:
    await services.store.dossier(dossier_id)
    done = await services.writes.block(dossier_id, data.ps_id)
    return schemas.BlockResult(ps_id=done.ps_id, at=done.at, revoked=done.revoked)


@delete("/dossiers/{dossier_id:str}/blocks/{ps_id:str}", status_code=204, guards=PATIENT,
        responses=errors(401, 403, 404, 410), summary="Lift a block")
async def unblock(services: Services, dossier_id: IdParam, ps_id: PsIdParam) -> None:
    await services.writes.unblock(dossier_id, ps_id)


@get("/dossiers/{dossier_id:str}/blocks", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="The professionals this patient blocked")
async def list_blocks(services: Services, dossier_id: IdParam) -> schemas.BlockList:
    found = await services.writes.blocks(dossier_id)
    return schemas.BlockList(blocks=[schemas.BlockInfo(ps_id=p, at=at) for p, at in found])


# ------------------------------------------------------------------------------ writes
@post("/consent/items", status_code=201, guards=PROFESSIONAL,
      responses=errors(401, 403, 404, 409, 410, 429),
      summary="A professional adds a new item through a read+write consent token (signed "
              "request); the item is wrapped under one of the grant's keys")
async def write_item(request: Request[Any, Any, Any], services: Services,
                     professional: Professional,
                     data: schemas.WriteRequest) -> schemas.WrittenBody:
    await services.auth.throttle("consent-write", professional.ps_id, 120)
    # The dossier comes from the grant: the records are filed there, whatever they say.
    item, chunks = schemas.PutItemBody(item=data.item, chunks=data.chunks).records("")
    record = await services.writes.write(professional, data.token, item, chunks,
                                         await signed(request))
    return schemas.WrittenBody(dossier_id=record.dossier_id, item_id=record.item_id,
                               revision=record.revision)


# ------------------------------------------------------------------------------ deposits
@post("/deposits/recipient", status_code=200, guards=PROFESSIONAL,
      responses=errors(401, 403, 404, 410, 429),
      summary="Where to deposit for a patient (by NIR): the dossier id and its public keys")
async def recipient(services: Services, professional: Professional,
                    data: schemas.RecipientRequest) -> schemas.RecipientBody:
    await services.auth.throttle("deposit-recipient", professional.ps_id, 30)
    record = await services.writes.recipient(data.nir)
    return schemas.RecipientBody(dossier_id=record.dossier_id, box_public=record.box_public,
                                 sign_public=record.sign_public)


@post("/deposits", status_code=201, guards=PROFESSIONAL,
      responses=errors(401, 403, 404, 409, 410, 429),
      summary="Deposit an item sealed to the patient and signed by the depositor (signed "
              "request)")
async def deposit(request: Request[Any, Any, Any], services: Services,
                  professional: Professional,
                  data: schemas.DepositUpload) -> schemas.DepositReceipt:
    await services.auth.throttle("deposit", professional.ps_id, 60)
    stored = await services.writes.deposit(professional, data.dossier_id, data.deposit_id,
                                           data.sealed, data.signature, await signed(request))
    return schemas.DepositReceipt(deposit_id=stored.deposit_id, at=stored.at)


def _deposit_body(d: StoredDeposit) -> schemas.DepositBody:
    return schemas.DepositBody(deposit_id=d.deposit_id, ps_id=d.ps_id, at=d.at, sealed=d.blob,
                               signature=d.signature)


@get("/dossiers/{dossier_id:str}/deposits", guards=PATIENT,
     responses=errors(401, 403, 404, 410),
     summary="Deposits waiting to be filed, by deposit id, paginated")
async def list_deposits(services: Services, dossier_id: IdParam,
                        after: Annotated[str | None, Parameter(pattern="^[0-9a-f]{32}$")] = None,
                        limit: Annotated[int, Parameter(ge=1, le=DEPOSIT_PAGE_MAX)] = 20,
                        ) -> schemas.DepositPage:
    found = await services.writes.deposits(dossier_id, after, limit)
    return schemas.DepositPage(deposits=[_deposit_body(d) for d in found],
                               next_after=found[-1].deposit_id if len(found) == limit else None)


@delete("/dossiers/{dossier_id:str}/deposits/{deposit_id:str}", status_code=204,
        guards=PATIENT, responses=errors(401, 403, 404, 410),
        summary="Remove a deposit (once filed)")
async def delete_deposit(services: Services, dossier_id: IdParam, deposit_id: IdParam) -> None:
    await services.writes.delete_deposit(dossier_id, deposit_id)
    await journal.deposit_filed(services.consent, dossier_id, deposit_id)


routes = [block, unblock, list_blocks, write_item, recipient, deposit, list_deposits,
          delete_deposit]
router = Router(path="/", tags=["writes"], route_handlers=routes, before_request=strict_body)

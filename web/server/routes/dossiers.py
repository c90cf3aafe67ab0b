"""A patient's dossier as the server sees it: opaque records, served only to its holder."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, delete, get, post, put
from litestar.params import Parameter

from vault.errors import NotAllowed
from web import schemas
from web.server.bodies import negotiated, strict_body
from web.server.container import Services
from web.server.guards import requires_patient
from web.server.openapi import errors
from web.server.params import IdParam
from web.server.services import journal, messages
from web.server.services.activation import below_kdf_floor
from web.server.services.errors import NotFoundError

SlotParam = Annotated[str, Parameter(pattern="^(passphrase|recovery)$")]
# What a patient's deletion was based on (P16): both required, in the query.
VersionParam = Annotated[int, Parameter(ge=1, le=2**63 - 1)]
RevisionParam = Annotated[int, Parameter(ge=1, le=1_000_000)]
PATIENT = [requires_patient]


@get("/{dossier_id:str}", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="Public keys")
async def read_dossier(services: Services, dossier_id: IdParam) -> schemas.DossierBody:
    return schemas.DossierBody.of(await services.store.dossier(dossier_id))


@get("/{dossier_id:str}/slots/{name:str}", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="A wrapped master key (only to a signed-in holder)")
async def read_slot(services: Services, dossier_id: IdParam, name: SlotParam) -> schemas.SlotBody:
    return schemas.SlotBody.of(await services.store.slot(dossier_id, name))


@put("/{dossier_id:str}/slots", status_code=204, guards=PATIENT,
     responses=errors(401, 403, 404, 410),
     summary="Replace key slots (new passphrase, recovery, new recovery code)")
async def write_slots(services: Services, dossier_id: IdParam, data: schemas.SlotsBody) -> None:
    slots = [s.record() for s in data.slots]
    if any(below_kdf_floor(s) for s in slots):
        raise NotAllowed("key-derivation parameters may not go below the floor")
    await services.store.put_slots(dossier_id, slots)
    await journal.keys_changed(services.consent, dossier_id, [s.name for s in slots])
    services.notifier.patient(dossier_id, messages.keys_changed([s.name for s in slots]))


@get("/{dossier_id:str}/keyring", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="The sealed keyring and its version")
async def read_keyring(services: Services, dossier_id: IdParam) -> schemas.KeyringBody:
    return schemas.KeyringBody.of(await services.store.keyring(dossier_id))


@put("/{dossier_id:str}/keyring", guards=PATIENT,
     responses=errors(401, 403, 404, 409, 410, 413),
     summary="Replace the keyring if it is still at expected_version")
async def write_keyring(services: Services, dossier_id: IdParam,
                        data: schemas.PutKeyringBody) -> schemas.VersionBody:
    version = await services.store.put_keyring(dossier_id, data.blob, data.expected_version)
    return schemas.VersionBody(version=version)


@post("/{dossier_id:str}/items", status_code=201, guards=PATIENT,
      responses=errors(401, 403, 404, 409, 410, 413),
      summary="Store a new item revision (and its attachment chunks) atomically, if it is "
              "based on the current keyring and the item's latest revision (else 409)")
async def write_item(services: Services, dossier_id: IdParam,
                     data: schemas.PatientItemBody) -> None:
    item, chunks = data.records(dossier_id)
    await services.store.put_item(item, chunks, keyring_version=data.keyring_version,
                                  base_revision=data.base_revision)
    await journal.item_put(services.consent, item)


@get("/{dossier_id:str}/items", guards=PATIENT, responses=errors(401, 403, 404, 410),
     summary="Latest revision of each item, by item id, paginated",
     description="JSON (bytes as base64) by default; the same page as MessagePack (bytes as "
                 "bin) when the request accepts `application/msgpack` (the Python client).")
async def list_items(request: Request[Any, Any, Any], services: Services, dossier_id: IdParam,
                     after: Annotated[str | None, Parameter(pattern="^[0-9a-f]{32}$")] = None,
                     limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
                     key_ref: Annotated[list[schemas.Id] | None, Parameter(max_items=1000)] = None,
                     ) -> Response[schemas.ItemPage]:
    records = await services.store.items(dossier_id, key_refs=key_ref, after=after, limit=limit)
    page = schemas.ItemPage(items=[schemas.ItemBody.of(r) for r in records],
                            next_after=records[-1].item_id if len(records) == limit else None)
    return negotiated(request, page)


@get("/{dossier_id:str}/items/{item_id:str}/revisions", guards=PATIENT,
     responses=errors(401, 403, 404, 410), summary="Every revision of one item, oldest first")
async def list_revisions(services: Services, dossier_id: IdParam,
                         item_id: IdParam) -> schemas.ItemPage:
    records = await services.store.revisions(dossier_id, item_id)
    return schemas.ItemPage(items=[schemas.ItemBody.of(r) for r in records])


@delete("/{dossier_id:str}/items/{item_id:str}", status_code=204, guards=PATIENT,
        responses=errors(401, 403, 404, 409, 410),
        summary="Delete an item, its revisions, chunks, if the deletion is based on the "
                "current keyring and the item's latest revision (else 409)")
async def delete_item(services: Services, dossier_id: IdParam, item_id: IdParam,
                      keyring_version: VersionParam, base_revision: RevisionParam) -> None:
    await journal.check_delete(services.consent, dossier_id, item_id)
    await services.store.delete_item(dossier_id, item_id, keyring_version=keyring_version,
                                     base_revision=base_revision)
    await journal.item_deleted(services.consent, dossier_id, item_id)


@post("/{dossier_id:str}/rewrap", status_code=204, guards=PATIENT,
      responses=errors(401, 403, 404, 409, 410, 413),
      summary="Swap item-key wraps (masking, unmasking), all or nothing, if computed from "
              "the current keyring (else 409)")
async def rewrap(services: Services, dossier_id: IdParam, data: schemas.RewrapsBody) -> None:
    await services.store.rewrap(dossier_id, [c.record() for c in data.changes],
                                keyring_version=data.keyring_version)


@get("/{dossier_id:str}/attachments/{attachment_id:str}", guards=PATIENT,
     responses=errors(401, 403, 404, 410), summary="An attachment's encrypted chunks, in order")
async def read_chunks(services: Services, dossier_id: IdParam,
                      attachment_id: IdParam) -> schemas.ChunksBody:
    return schemas.ChunksBody(chunks=await services.store.chunks(dossier_id, attachment_id))


@post("/{dossier_id:str}/close", status_code=204, guards=PATIENT,
      responses=errors(401, 403, 404, 410),
      summary="Close the dossier: crypto-shred everything, keep the patient-signed tombstone")
async def close(services: Services, dossier_id: IdParam, data: schemas.TombstoneBody) -> None:
    await services.closure.close(dossier_id, data.blob)


@get("/{dossier_id:str}/tombstone", responses=errors(404),
     summary="The signed tombstone of a closed dossier")
async def read_tombstone(services: Services, dossier_id: IdParam) -> schemas.TombstoneBody:
    found = await services.store.tombstone(dossier_id)
    if found is None:
        raise NotFoundError("this dossier is not closed")
    return schemas.TombstoneBody(blob=found.blob)


router = Router(path="/dossiers", tags=["dossier"], before_request=strict_body, route_handlers=[
    read_dossier, read_slot, write_slots, read_keyring, write_keyring, write_item, list_items,
    list_revisions, delete_item, rewrap, read_chunks, close, read_tombstone])

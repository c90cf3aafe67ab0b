"""A patient's dossier as the server sees it: opaque records, served only to its holder."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, delete, get, post, put
from litestar.params import Parameter

from vault import tombstone as tombstone_format
from vault.errors import FormatError, NotAllowed
from vault.records import TombstoneRecord
from web import schemas
from web.server.routes.common import IdParam, errors, patient_session, services_of, strict_body
from web.server.services.errors import NotFoundError

SlotParam = Annotated[str, Parameter(pattern="^(passphrase|recovery)$")]


@get("/{dossier_id:str}", responses=errors(401, 403, 404, 410), summary="Public keys")
async def read_dossier(request: Request[Any, Any, Any],
                       dossier_id: IdParam) -> schemas.DossierBody:
    await patient_session(request, dossier_id)
    return schemas.DossierBody.of(await services_of(request).store.dossier(dossier_id))


@get("/{dossier_id:str}/slots/{name:str}", responses=errors(401, 403, 404, 410),
     summary="A wrapped master key (only to a signed-in holder)")
async def read_slot(request: Request[Any, Any, Any], dossier_id: IdParam,
                    name: SlotParam) -> schemas.SlotBody:
    await patient_session(request, dossier_id)
    return schemas.SlotBody.of(await services_of(request).store.slot(dossier_id, name))


@put("/{dossier_id:str}/slots", status_code=204, responses=errors(401, 403, 404, 410),
     summary="Replace key slots (new passphrase, recovery, new recovery code)")
async def write_slots(request: Request[Any, Any, Any], dossier_id: IdParam,
                      data: schemas.SlotsBody) -> None:
    await patient_session(request, dossier_id)
    services = services_of(request)
    slots = [s.record() for s in data.slots]
    if any(s.opslimit < 3 or s.memlimit < 64 * 1024 * 1024 for s in slots):
        raise NotAllowed("key-derivation parameters may not go below the floor")
    await services.store.put_slots(dossier_id, slots)
    what = " et ".join("votre phrase secrète" if s.name == "passphrase"
                       else "votre code de secours" for s in slots)
    services.notifier.patient(dossier_id, "Carnet : changement de vos clés",
                              f"{what[0].upper()}{what[1:]} vient d'être changé(e). Si ce n'est "
                              "pas vous, utilisez votre code de secours sans attendre.")


@get("/{dossier_id:str}/keyring", responses=errors(401, 403, 404, 410),
     summary="The sealed keyring and its version")
async def read_keyring(request: Request[Any, Any, Any], dossier_id: IdParam) -> schemas.KeyringBody:
    await patient_session(request, dossier_id)
    return schemas.KeyringBody.of(await services_of(request).store.keyring(dossier_id))


@put("/{dossier_id:str}/keyring", responses=errors(401, 403, 404, 409, 410, 413),
     summary="Replace the keyring if it is still at expected_version")
async def write_keyring(request: Request[Any, Any, Any], dossier_id: IdParam,
                        data: schemas.PutKeyringBody) -> schemas.VersionBody:
    await patient_session(request, dossier_id)
    version = await services_of(request).store.put_keyring(dossier_id, data.blob,
                                                           data.expected_version)
    return schemas.VersionBody(version=version)


@post("/{dossier_id:str}/items", status_code=201, responses=errors(401, 403, 404, 409, 410, 413),
      summary="Store a new item revision (and its attachment chunks) atomically")
async def write_item(request: Request[Any, Any, Any], dossier_id: IdParam,
                     data: schemas.PutItemBody) -> None:
    await patient_session(request, dossier_id)
    item, chunks = data.records(dossier_id)
    await services_of(request).store.put_item(item, chunks)


@get("/{dossier_id:str}/items", responses=errors(401, 403, 404, 410),
     summary="Latest revision of each item, by item id, paginated")
async def list_items(request: Request[Any, Any, Any], dossier_id: IdParam,
                     after: Annotated[str | None, Parameter(pattern="^[0-9a-f]{32}$")] = None,
                     limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
                     key_ref: Annotated[list[schemas.Id] | None, Parameter(max_items=1000)] = None,
                     ) -> schemas.ItemPage:
    await patient_session(request, dossier_id)
    records = await services_of(request).store.items(dossier_id, key_refs=key_ref, after=after,
                                                     limit=limit)
    return schemas.ItemPage(items=[schemas.ItemBody.of(r) for r in records],
                         next_after=records[-1].item_id if len(records) == limit else None)


@get("/{dossier_id:str}/items/{item_id:str}/revisions", responses=errors(401, 403, 404, 410),
     summary="Every revision of one item, oldest first")
async def list_revisions(request: Request[Any, Any, Any], dossier_id: IdParam,
                         item_id: IdParam) -> schemas.ItemPage:
    await patient_session(request, dossier_id)
    records = await services_of(request).store.revisions(dossier_id, item_id)
    return schemas.ItemPage(items=[schemas.ItemBody.of(r) for r in records])


@delete("/{dossier_id:str}/items/{item_id:str}", status_code=204,
        responses=errors(401, 403, 404, 410), summary="Delete an item, its revisions, chunks")
async def delete_item(request: Request[Any, Any, Any], dossier_id: IdParam,
                      item_id: IdParam) -> None:
    await patient_session(request, dossier_id)
    await services_of(request).store.delete_item(dossier_id, item_id)


@post("/{dossier_id:str}/rewrap", status_code=204, responses=errors(401, 403, 404, 410, 413),
      summary="Swap item-key wraps (masking, unmasking), all or nothing")
async def rewrap(request: Request[Any, Any, Any], dossier_id: IdParam,
                 data: schemas.RewrapsBody) -> None:
    await patient_session(request, dossier_id)
    await services_of(request).store.rewrap(dossier_id, [c.record() for c in data.changes])


@get("/{dossier_id:str}/attachments/{attachment_id:str}", responses=errors(401, 403, 404, 410),
     summary="An attachment's encrypted chunks, in order")
async def read_chunks(request: Request[Any, Any, Any], dossier_id: IdParam,
                      attachment_id: IdParam) -> schemas.ChunksBody:
    await patient_session(request, dossier_id)
    return schemas.ChunksBody(chunks=await services_of(request).store.chunks(dossier_id,
                                                                          attachment_id))


@post("/{dossier_id:str}/close", status_code=204, responses=errors(401, 403, 404, 410),
      summary="Close the dossier: crypto-shred everything, keep the patient-signed tombstone")
async def close(request: Request[Any, Any, Any], dossier_id: IdParam,
                data: schemas.TombstoneBody) -> None:
    await patient_session(request, dossier_id)
    services = services_of(request)
    record = await services.store.dossier(dossier_id)
    try:
        stone = tombstone_format.decode(data.blob)
    except FormatError:
        raise NotAllowed("this is not a tombstone") from None
    if (stone.dossier_id != dossier_id or stone.sign_public != record.sign_public
            or not stone.verify()):
        raise NotAllowed("the tombstone must be signed by this dossier's key")
    beneficiary = await services.db.beneficiary_of_dossier(dossier_id)
    await services.store.close(TombstoneRecord(dossier_id, stone.closed_at, data.blob))
    await services.db.delete_account(dossier_id)
    await services.db.forget_dossier(dossier_id)
    await services.db.unlink_dossier(dossier_id)
    await services.db.delete_sessions_of(dossier_id)
    if beneficiary is not None:
        services.notifier.email(beneficiary.email, "Votre dossier Carnet est fermé",
                                f"Bonjour {beneficiary.first_name},\n\nVotre dossier Carnet a "
                                "été fermé et son contenu détruit. Une nouvelle activation "
                                "reste possible.\n— Carnet\n")


@get("/{dossier_id:str}/tombstone", responses=errors(404),
     summary="The signed tombstone of a closed dossier")
async def read_tombstone(request: Request[Any, Any, Any],
                         dossier_id: IdParam) -> schemas.TombstoneBody:
    found = await services_of(request).store.tombstone(dossier_id)
    if found is None:
        raise NotFoundError("this dossier is not closed")
    return schemas.TombstoneBody(blob=found.blob)


router = Router(path="/dossiers", tags=["dossier"], before_request=strict_body, route_handlers=[
    read_dossier, read_slot, write_slots, read_keyring, write_keyring, write_item, list_items,
    list_revisions, delete_item, rewrap, read_chunks, close, read_tombstone])

"""DossierStore over HTTP: the vault's Dossier runs unchanged in the client against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vault.errors import InvalidInput, NotAllowed
from vault.records import (
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeyringRecord,
    KeySlot,
    Rewrap,
    TombstoneRecord,
)
from vault.store import PAGE_MAX
from web import schemas
from web.client.api import Api, ApiError


@dataclass(frozen=True, slots=True)
class Activation:
    """NIR + code: ``create`` sends the new dossier to /activation/complete with them."""

    nir: str
    code: str


def _based_on(keyring_version: int | None) -> int:
    """The patient's routes require the keyring version a write is based on (P16)."""
    if keyring_version is None:
        raise InvalidInput("a patient's write names the keyring version it is based on")
    return keyring_version


class HttpStore:
    def __init__(self, api: Api, activation: Activation | None = None) -> None:
        self.api = api
        self._activation = activation
        self.session: schemas.SessionBody | None = None

    async def create(self, dossier: DossierRecord, slots: Sequence[KeySlot],
                     keyring: bytes) -> None:
        if self._activation is None:
            raise NotAllowed("a dossier is created by activating with a code")
        body = schemas.ActivateBody(
            nir=self._activation.nir, code=self._activation.code,
            create=schemas.CreateDossierBody(dossier=schemas.DossierBody.of(dossier),
                                          slots=[schemas.SlotBody.of(s) for s in slots],
                                          keyring=keyring))
        self.session = await self.api.send("POST", "/activation/complete", body,
                                           schemas.SessionBody)
        self.api.session = self.session.session
        self._activation = None

    async def dossier(self, dossier_id: str) -> DossierRecord:
        return (await self.api.get(f"/dossiers/{dossier_id}", schemas.DossierBody)).record()

    async def slot(self, dossier_id: str, name: str) -> KeySlot:
        return (await self.api.get(f"/dossiers/{dossier_id}/slots/{name}",
                                   schemas.SlotBody)).record()

    async def put_slots(self, dossier_id: str, slots: Sequence[KeySlot]) -> None:
        await self.api.call("PUT", f"/dossiers/{dossier_id}/slots",
                            schemas.SlotsBody(slots=[schemas.SlotBody.of(s) for s in slots]))

    async def keyring(self, dossier_id: str) -> KeyringRecord:
        body = await self.api.get(f"/dossiers/{dossier_id}/keyring", schemas.KeyringBody)
        return KeyringRecord(body.version, body.blob)

    async def put_keyring(self, dossier_id: str, blob: bytes, expected_version: int) -> int:
        body = await self.api.send("PUT", f"/dossiers/{dossier_id}/keyring",
                                   schemas.PutKeyringBody(blob=blob,
                                                       expected_version=expected_version),
                                   schemas.VersionBody)
        return body.version

    async def put_item(self, item: ItemRecord, chunks: Sequence[ChunkRecord] = (), *,
                       keyring_version: int | None = None,
                       base_revision: int | None = None) -> None:
        """A patient's write: what it was based on goes with it (the server refuses a stale
        one with 409, raised here as StaleKeyring, StaleRevision or ItemGone)."""
        await self.api.call("POST", f"/dossiers/{item.dossier_id}/items",
                            schemas.PatientItemBody(
                                item=schemas.ItemBody.of(item),
                                chunks=[schemas.ChunkBody(c.attachment_id, c.index, c.blob)
                                        for c in chunks],
                                keyring_version=_based_on(keyring_version),
                                base_revision=base_revision))

    async def items(self, dossier_id: str, *, key_refs: Sequence[str] | None = None,
                    after: str | None = None, limit: int = PAGE_MAX) -> list[ItemRecord]:
        params: dict[str, Any] = {"limit": max(1, min(limit, PAGE_MAX))}
        if after is not None:
            params["after"] = after
        if key_refs is not None:
            if not key_refs:
                return []
            params["key_ref"] = list(key_refs)
        page = await self.api.get_msgpack(f"/dossiers/{dossier_id}/items", schemas.ItemPage,
                                          params=params)
        return [i.record(dossier_id) for i in page.items]

    async def revisions(self, dossier_id: str, item_id: str) -> list[ItemRecord]:
        page = await self.api.get(f"/dossiers/{dossier_id}/items/{item_id}/revisions",
                                  schemas.ItemPage)
        return [i.record(dossier_id) for i in page.items]

    async def rewrap(self, dossier_id: str, changes: Sequence[Rewrap], *,
                     keyring_version: int | None = None) -> None:
        await self.api.call("POST", f"/dossiers/{dossier_id}/rewrap", schemas.RewrapsBody(
            changes=[schemas.RewrapBody(c.item_id, c.revision, c.key_ref, c.wrapped_key,
                                        c.ciphertext)
                     for c in changes],
            keyring_version=_based_on(keyring_version)))

    async def delete_item(self, dossier_id: str, item_id: str, *,
                          keyring_version: int | None = None,
                          base_revision: int | None = None) -> None:
        if base_revision is None:
            raise InvalidInput("a deletion names the revision it is based on")
        await self.api.call("DELETE", f"/dossiers/{dossier_id}/items/{item_id}",
                            params={"keyring_version": _based_on(keyring_version),
                                    "base_revision": base_revision})

    async def chunks(self, dossier_id: str, attachment_id: str) -> list[bytes]:
        body = await self.api.get(f"/dossiers/{dossier_id}/attachments/{attachment_id}",
                                  schemas.ChunksBody)
        return body.chunks

    async def close(self, tombstone: TombstoneRecord) -> None:
        await self.api.call("POST", f"/dossiers/{tombstone.dossier_id}/close",
                            schemas.TombstoneBody(blob=tombstone.blob))

    async def tombstone(self, dossier_id: str) -> TombstoneRecord | None:
        try:
            body = await self.api.get(f"/dossiers/{dossier_id}/tombstone", schemas.TombstoneBody,
                                      auth=False)
        except (ApiError, LookupError):
            return None
        return TombstoneRecord(dossier_id, int.from_bytes(body.blob[17:25], "big"), body.blob)

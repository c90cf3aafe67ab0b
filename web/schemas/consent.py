"""Bodies of consent: grants, scans, history."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base, Bytes, Id, base64_doc
from web.schemas.dossiers import DossierBody, ItemBody

GrantBlob = Annotated[bytes, msgspec.Meta(max_length=2 * 1024 * 1024),
                      base64_doc(0, 2 * 1024 * 1024)]


class GrantUpload(Base):
    grant: GrantBlob


class GrantInfo(Base):
    grant_id: str
    recipient_id: str
    write: bool
    issued_at: int
    expires_at: int
    revoked_at: int | None
    grant: Bytes


class GrantList(Base):
    grants: list[GrantInfo]


class ScanRequest(Base):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class ScanBody(Base):
    dossier: DossierBody
    grant: Bytes
    items: list[ItemBody]


class AttachmentRequest(Base):
    """A professional (or contact) presents the token again for one attachment of an item
    it opens (``POST /consent/attachment``)."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    item_id: Id
    attachment_id: Id


class AttachmentBody(Base):
    dossier_id: Id
    chunks: list[Bytes]


class HistoryBody(Base):
    events: list[Bytes]
    head: Bytes
    server_public: Bytes


class ServerKeyBody(Base):
    audit_public: Bytes

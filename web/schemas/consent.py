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


class CheckBody(Base):
    """What a token check answers (``POST /consent/check``): the consent holds now for whoever
    presents it (every check of a scan passed) and what it opens. Nothing of the dossier is
    read or answered but its public signing key, against which the client checks the token's
    signature itself (P4); ``expires_at`` is the token's."""

    dossier_id: Id
    patient_public: Bytes
    grant_id: Id
    sections: list[str]
    write: bool
    emergency: bool
    expires_at: int


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

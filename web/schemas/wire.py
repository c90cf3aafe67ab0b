"""The HTTP API's bodies: msgspec Structs shared by the server and the Python client.

Bytes travel as standard base64 (msgspec's JSON encoding of ``bytes``). Nothing here is
plaintext medical content: every blob is ciphertext, a wrap, a public key or a signature.
Unknown fields are refused so that a typo in a client is an error, not silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from vault.records import (
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    KeyringRecord,
    KeySlot,
    Rewrap,
)

LOGIN_CONTEXT: Final = b"CARNET-LOGIN\x01"


def login_message(challenge: str) -> bytes:
    """What a client signs to answer a login challenge."""
    return LOGIN_CONTEXT + challenge.encode("ascii")


_B64: Final = "[A-Za-z0-9+/]"


def _base64(min_bytes: int = 0, max_bytes: int | None = None) -> msgspec.Meta:
    """How a ``bytes`` field is documented: as the base64 text that travels, not the decoded
    bytes (litestar would give the byte bounds as the text's length, and call it UTF-8).
    msgspec still checks the decoded length, through the field's own ``Meta``."""
    def text(n: int) -> int:
        return 4 * -(-n // 3)
    extra: dict[str, object] = {"content_encoding": "base64"}
    if min_bytes == max_bytes:  # keys, salts, signatures: the exact base64 shape
        groups, rest = divmod(min_bytes, 3)
        tail = {0: "", 1: f"{_B64}{{2}}==", 2: f"{_B64}{{3}}="}[rest]
        extra["pattern"] = f"^(?:{_B64}{{4}}){{{groups}}}{tail}$"
    if min_bytes:
        extra["min_length"] = text(min_bytes)
    if max_bytes is not None:
        extra["max_length"] = text(max_bytes)
    return msgspec.Meta(extra_json_schema={"extra": extra})


Id = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{32}$", description="32 lowercase hex")]
SlotName = Literal["passphrase", "recovery"]
Bytes = Annotated[bytes, _base64()]
Blob = Annotated[bytes, msgspec.Meta(max_length=1024 * 1024), _base64(0, 1024 * 1024)]
ChunkBlob = Annotated[bytes, msgspec.Meta(max_length=64 * 1024 + 64), _base64(0, 64 * 1024 + 64)]
Key32 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32), _base64(32, 32)]
Salt = Annotated[bytes, msgspec.Meta(min_length=16, max_length=16), _base64(16, 16)]
Wrapped = Annotated[bytes, msgspec.Meta(max_length=256), _base64(0, 256)]
Signature = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64), _base64(64, 64)]
TombstoneBlob = Annotated[bytes, msgspec.Meta(min_length=121, max_length=121), _base64(121, 121)]
Login = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PsId = Annotated[str, msgspec.Meta(pattern=r"^(8\d{11}|0\d{9})$",
                                   description="idNat_PS: 8 + RPPS or 0 + ADELI")]
# One line of text: no control characters (PostgreSQL refuses NUL in text; a line break in a
# name or an address could end up in a mail header or a letter's layout).
_LINE: Final = r"^[^\x00-\x1f\x7f]*$"
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_LINE)]
OptionalText = Annotated[str, msgspec.Meta(max_length=200, pattern=_LINE)]
# Integers that are stored go into signed 64-bit columns.
UnixTime = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Revision = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class Base(msgspec.Struct, forbid_unknown_fields=True):
    pass


class ErrorBody(Base):
    code: str
    detail: str


# ------------------------------------------------------------------------------ dossier
class DossierBody(Base):
    dossier_id: Id
    created_at: UnixTime
    sign_public: Key32
    box_public: Key32

    @classmethod
    def of(cls, r: DossierRecord) -> DossierBody:
        return cls(r.dossier_id, r.created_at, r.sign_public, r.box_public)

    def record(self) -> DossierRecord:
        return DossierRecord(self.dossier_id, self.created_at, self.sign_public, self.box_public)


class KdfBody(Base):
    salt: Salt
    opslimit: int
    memlimit: int


class SlotBody(Base):
    name: SlotName
    salt: Salt
    opslimit: Annotated[int, msgspec.Meta(ge=1, le=100)]
    memlimit: Annotated[int, msgspec.Meta(ge=8192, le=4 * 1024**3)]
    wrapped: Wrapped
    login_public: Key32

    @classmethod
    def of(cls, s: KeySlot) -> SlotBody:
        return cls(s.name, s.salt, s.opslimit, s.memlimit, s.wrapped, s.login_public)  # type: ignore[arg-type]

    def record(self) -> KeySlot:
        return KeySlot(self.name, self.salt, self.opslimit, self.memlimit, self.wrapped,
                       self.login_public)


class SlotsBody(Base):
    slots: Annotated[list[SlotBody], msgspec.Meta(min_length=1, max_length=2)]


class KeyringBody(Base):
    version: int
    blob: Blob

    @classmethod
    def of(cls, r: KeyringRecord) -> KeyringBody:
        return cls(r.version, r.blob)


class PutKeyringBody(Base):
    blob: Blob
    expected_version: Version


class VersionBody(Base):
    version: int


class ChunkBody(Base):
    attachment_id: Id
    index: Annotated[int, msgspec.Meta(ge=0, le=100_000)]
    blob: ChunkBlob


class ItemBody(Base):
    item_id: Id
    revision: Revision
    key_ref: Id
    wrapped_key: Wrapped
    ciphertext: Blob
    created_at: UnixTime

    @classmethod
    def of(cls, r: ItemRecord) -> ItemBody:
        return cls(r.item_id, r.revision, r.key_ref, r.wrapped_key, r.ciphertext, r.created_at)

    def record(self, dossier_id: str) -> ItemRecord:
        return ItemRecord(dossier_id, self.item_id, self.revision, self.key_ref,
                          self.wrapped_key, self.ciphertext, self.created_at)


class PutItemBody(Base):
    item: ItemBody
    chunks: Annotated[list[ChunkBody], msgspec.Meta(max_length=512)] = []

    def records(self, dossier_id: str) -> tuple[ItemRecord, list[ChunkRecord]]:
        return self.item.record(dossier_id), [
            ChunkRecord(dossier_id, self.item.item_id, c.attachment_id, c.index, c.blob)
            for c in self.chunks]


class ItemPage(Base):
    items: list[ItemBody]
    next_after: str | None = None


class RewrapBody(Base):
    item_id: Id
    revision: Revision
    key_ref: Id
    wrapped_key: Wrapped

    def record(self) -> Rewrap:
        return Rewrap(self.item_id, self.revision, self.key_ref, self.wrapped_key)


class RewrapsBody(Base):
    changes: Annotated[list[RewrapBody], msgspec.Meta(min_length=1, max_length=10_000)]


class ChunksBody(Base):
    chunks: list[Bytes]


class TombstoneBody(Base):
    blob: TombstoneBlob


class CreateDossierBody(Base):
    dossier: DossierBody
    slots: Annotated[list[SlotBody], msgspec.Meta(min_length=2, max_length=2)]
    keyring: Blob


# ------------------------------------------------------------------------------ auth
class ParamsRequest(Base):
    login: Login
    kind: Literal["patient"] = "patient"


class ParamsBody(Base):
    """All a client may learn before login: each slot's salt and Argon2id parameters."""

    passphrase: KdfBody
    recovery: KdfBody


class ChallengeRequest(Base):
    login: Login
    kind: Literal["patient", "professional"] = "patient"
    slot: SlotName = "passphrase"


class ChallengeBody(Base):
    challenge: str
    expires_at: int


class LoginRequest(Base):
    challenge: Annotated[str, msgspec.Meta(max_length=1024)]
    signature: Signature


class SessionBody(Base):
    session: str
    expires_at: int
    kind: Literal["patient", "professional"]
    subject: str
    roles: list[str] = []


# ------------------------------------------------------------------------------ activation
class ActivationRequest(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    birth_date: Annotated[str, msgspec.Meta(max_length=10)]


class AcceptedBody(Base):
    detail: str


class PharmacyCodeBody(Base):
    code: str
    expires_at: int


class ActivateBody(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    code: Annotated[str, msgspec.Meta(max_length=32)]
    create: CreateDossierBody


# ------------------------------------------------------------------------------ operator
class RegistryLoadBody(Base):
    csv: Annotated[str, msgspec.Meta(max_length=20 * 1024 * 1024)]


class RejectedLine(Base):
    line: int
    reason: str


class RegistryLoadResult(Base):
    loaded: int
    updated: int
    rejected: list[RejectedLine]


class SendCodesBody(Base):
    channel: Literal["email", "post"]
    nirs: Annotated[list[str], msgspec.Meta(max_length=100_000)] | None = None


class SendCodesResult(Base):
    sent: int
    skipped: int


class ProfessionalRegistration(Base):
    ps_id: PsId
    name: ShortText
    profession: ShortText
    box_public: Key32
    sign_public: Key32
    specialty: OptionalText = ""
    city: OptionalText = ""
    email: Annotated[str, msgspec.Meta(max_length=254, pattern=_LINE)] = ""


class ProfessionalBody(Base):
    ps_id: str
    name: str
    profession: str
    specialty: str
    city: str
    status: Literal["pending", "approved", "blocked"]
    roles: list[str]
    box_public: Bytes
    sign_public: Bytes
    countersignature: Bytes = b""


class ProfessionalList(Base):
    professionals: list[ProfessionalBody]


class ApproveBody(Base):
    """The directory authority's countersignature over the entry with these roles
    (``consent.directory.message``): made offline by the operator's client."""

    countersignature: Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]
    roles: Annotated[list[Literal["pharmacist", "emergency", "activation_agent"]],
                     msgspec.Meta(max_length=3)] = []


class AuthorityBody(Base):
    authority_public: Bytes


# ------------------------------------------------------------------------------ consent
class GrantUpload(Base):
    grant: Annotated[bytes, msgspec.Meta(max_length=2 * 1024 * 1024), _base64(0, 2 * 1024 * 1024)]


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


class HistoryBody(Base):
    events: list[Bytes]
    head: Bytes
    server_public: Bytes


class ServerKeyBody(Base):
    audit_public: Bytes


# --- professional writes and deposits
class BlockRequest(Base):
    ps_id: PsId


class BlockInfo(Base):
    ps_id: str
    at: int


class BlockList(Base):
    blocks: list[BlockInfo]


class BlockResult(Base):
    """A block, and the grants to that professional the server revoked with it (the
    patient's client marks their sections for rotation)."""

    ps_id: str
    at: int
    revoked: list[str]


class WriteRequest(Base):
    """A professional adds an item through a read+write grant (signed request)."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    item: ItemBody
    chunks: Annotated[list[ChunkBody], msgspec.Meta(max_length=512)] = []


class WrittenBody(Base):
    dossier_id: str
    item_id: str
    revision: int


class RecipientRequest(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]


class RecipientBody(Base):
    """Where a deposit for a patient goes: the dossier and its public keys."""

    dossier_id: str
    box_public: Bytes
    sign_public: Bytes


class DepositUpload(Base):
    dossier_id: Id
    deposit_id: Id
    sealed: Blob
    signature: Signature


class DepositReceipt(Base):
    deposit_id: str
    at: int


class DepositBody(Base):
    deposit_id: str
    ps_id: str
    at: int
    sealed: Bytes
    signature: Bytes


class DepositPage(Base):
    deposits: list[DepositBody]
    next_after: str | None = None

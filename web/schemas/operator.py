"""Bodies of the operator and the directory: registry, codes, professionals."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from web.schemas._types import ONE_LINE, Base, Bytes, Key32, OptionalText, PsId, ShortText


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
    resend: bool = False  # replace a code still valid (it stops working)


class SendCodesResult(Base):
    sent: int
    skipped: int
    kept: int = 0  # a code sent earlier is still valid: kept, nothing sent
    replaced: int = 0  # of ``sent``, those that replaced a valid code (resend)


class ProfessionalRegistration(Base):
    ps_id: PsId
    name: ShortText
    profession: ShortText
    box_public: Key32
    sign_public: Key32
    specialty: OptionalText = ""
    city: OptionalText = ""
    email: Annotated[str, msgspec.Meta(max_length=254, pattern=ONE_LINE)] = ""


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
                     msgspec.Meta(max_length=3)] = msgspec.field(default_factory=list)


class AuthorityBody(Base):
    authority_public: Bytes

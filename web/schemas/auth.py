"""Bodies of login: parameters, challenge, session."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from web.schemas._types import Base, Login, Signature, SlotName
from web.schemas.dossiers import KdfBody


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
    roles: list[str] = msgspec.field(default_factory=list)

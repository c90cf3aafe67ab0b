"""Bodies of activation: online request, pharmacy code, activate."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base
from web.schemas.dossiers import CreateDossierBody


class ActivationRequest(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    birth_date: Annotated[str, msgspec.Meta(max_length=10)]


class AcceptedBody(Base):
    detail: str


class PharmacyActivationRequest(ActivationRequest):
    resend: bool = False  # replace a code still valid (it stops working)


class ReplacedCode(Base):
    channel: str  # post, email or pharmacy
    sent_at: int


class PharmacyCodeBody(Base):
    code: str
    expires_at: int
    replaced: ReplacedCode | None = None  # the valid code this one replaced (now dead)


class ActivateBody(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    code: Annotated[str, msgspec.Meta(max_length=32)]
    create: CreateDossierBody

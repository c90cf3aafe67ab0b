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


class PharmacyCodeBody(Base):
    code: str
    expires_at: int


class ActivateBody(Base):
    nir: Annotated[str, msgspec.Meta(max_length=32)]
    code: Annotated[str, msgspec.Meta(max_length=32)]
    create: CreateDossierBody

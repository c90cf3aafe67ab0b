"""What every route shares: the services dependency, bearer tokens, documented errors."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Final

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from web import schemas
from web.server.container import Services
from web.server.services.errors import Forbidden, Unauthorized
from web.server.storage.repo import Session

IdParam = Annotated[str, Parameter(pattern="^[0-9a-f]{32}$", min_length=32, max_length=32,
                                   description="32 lowercase hex digits")]
PsIdParam = Annotated[str, Parameter(pattern=r"^(8\d{11}|0\d{9})$", min_length=10,
                                     max_length=12, description="idNat_PS")]

_DESCRIPTIONS: Final = {
    400: "Bad input: malformed JSON, wrong types, unknown fields, or a broken rule",
    401: "Not signed in, or the session expired",
    403: "Signed in, but not allowed",
    404: "No such thing",
    409: "Conflict with the current state",
    410: "The dossier was closed",
    413: "Body or value too large",
    423: "Locked",
    429: "Too many attempts; retry later",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses a route really returns (all ``{code, detail}``).
    400 and 413 are added everywhere a body or parameter is parsed."""
    return {s: ResponseSpec(data_container=schemas.ErrorBody, description=_DESCRIPTIONS[s],
                            generate_examples=False)
            for s in sorted({400, 413, *statuses})}


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Before every handler (each router's ``before_request``): decode the JSON body strictly.

    litestar converts bodies with ``strict=False``, so ``"12"`` would pass for an integer and
    ``"true"`` for a boolean; the API's contract is exact types. The body (already read and
    cached by the request) is decoded once more, strictly, against the handler's wire type,
    and refused as invalid_request (400) if only the lax conversion would accept it. Empty or
    malformed bodies are left to litestar's own parsing (400)."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return
    body = await request.body()
    if not body:
        return
    try:
        msgspec.json.decode(body, type=data.annotation)
    except msgspec.ValidationError as exc:  # a subclass of DecodeError: caught first
        raise ValidationException(
            f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": str(exc)}]) from None
    except msgspec.DecodeError:
        return


def services_of(request: Request[Any, Any, Any]) -> Services:
    return request.app.state["services"]  # type: ignore[no-any-return]


def bearer(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def session(request: Request[Any, Any, Any]) -> Session:
    return await services_of(request).auth.session(bearer(request))


async def patient_session(request: Request[Any, Any, Any], dossier_id: str) -> Session:
    s = await session(request)
    services_of(request).auth.require_dossier(s, dossier_id)
    return s


async def professional_session(request: Request[Any, Any, Any],
                               role: str | None = None) -> Session:
    s = await session(request)
    if s.kind != "professional":
        raise Forbidden("this needs a professional's session")
    if role is not None and role not in s.roles:
        raise Forbidden(f"this needs the {role} role")
    return s


def require_operator(request: Request[Any, Any, Any]) -> None:
    token = bearer(request)
    expected = services_of(request).settings.operator_token
    if not token:
        raise Unauthorized("operator token required (Authorization: Bearer <token>)")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("this is not the operator token")

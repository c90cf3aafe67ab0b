"""Request bodies are decoded with exact types: the hook every router runs first. Answer
bodies go as JSON or, when the request accepts it, as MessagePack (:func:`negotiated`)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException

from web.schemas import MSGPACK

B = TypeVar("B", bound=msgspec.Struct)


def negotiated(request: Request[Any, Any, Any], body: B) -> Response[B]:
    """``body`` as MessagePack (bytes as bin, no base64: the Python client) when the request
    accepts ``application/msgpack``, else as JSON (the browser); one URL, two encodings."""
    vary = {"vary": "accept"}
    if MSGPACK in request.headers.get("accept", ""):
        return Response(msgspec.msgpack.encode(body),  # type: ignore[arg-type]
                        media_type=MSGPACK, headers=vary)
    return Response(body, headers=vary)


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Before every handler (each router's ``before_request``): decode the JSON body strictly.

    litestar converts bodies with ``strict=False``, so ``"12"`` would pass for an integer and
    ``"true"`` for a boolean; the API's contract is exact types. The body (already read and
    cached by the request) is decoded once more, strictly, against the handler's schema type,
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

"""The error responses each route documents in the OpenAPI schema (all ``{code, detail}``)."""

from __future__ import annotations

from typing import Final

from litestar.openapi.datastructures import ResponseSpec

from web import schemas

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

"""Contract: the served OpenAPI document, checked by schemathesis against the app itself.

For every operation, schemathesis generates valid (positive) and invalid (negative) requests
from the document; each is sent without credentials, then with the credential the route
needs (a patient's session on their own dossier, a pharmacist's session, the operator
token). Every answer must be documented (status, content type, headers, body schema), never
a 500, and invalid requests must be refused.

How it runs: hypothesis draws the cases in a worker thread (``asyncio.to_thread``); each
request is prepared by ``requests`` exactly as schemathesis would send it, then handed to the
test's event loop, where the app runs behind ``httpx.ASGITransport`` on the same services as
the other API tests (SQLite and PostgreSQL). Before each request the fake clock jumps an hour
ahead, so rate limits start afresh (429 stays documented, but would hide the rest).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import httpx
import msgspec
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.server.routes.api_support import (
    APP_BACKENDS,
    BASE_URL,
    OPERATOR_TOKEN,
    Harness,
    open_harness,
    openapi_document,
)

EXAMPLES: Final = 10
CHECKS: Final = [not_a_server_error, status_code_conformance, content_type_conformance,
                 response_headers_conformance, response_schema_conformance]


def static_document() -> dict[str, Any]:
    """The document as the app builds it (for test ids; the test fetches the served one)."""
    from pathlib import Path

    from web.server.app import create_app
    from web.server.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(Settings(database_url="sqlite:///unused.sqlite", secret_key="x" * 32,
                                  data_dir=Path("unused")))
    # as served: through JSON (a bytes default, say, becomes its base64 text)
    return msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))  # type: ignore[no-any-return]


DOCUMENT: Final = static_document()
SCHEMA: Final = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS: Final = sorted((method.upper(), path) for path, ops in DOCUMENT["paths"].items()
                           for method in ops)


@pytest.fixture(scope="module", params=APP_BACKENDS)
def contract_database(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param, str(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture(scope="module")
async def contract_app(contract_database: tuple[str, str],
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One app per backend for the whole module (its requests reset rate limits anyway)."""
    backend, url = contract_database
    async with open_harness(backend, url, tmp_path_factory.mktemp("contract")) as h:
        yield h


async def test_the_served_document_is_the_built_one(contract_app: Harness) -> None:
    assert await openapi_document(contract_app) == DOCUMENT


# Professional routes that also need a signed request (X-Carnet-* headers made with the
# professional's key), which schemathesis does not make: with a session they answer 401.
SIGNED: Final = frozenset({"/consent/scan", "/emergency/break-glass", "/consent/items",
                           "/deposits", "/consent/attachment"})


def credential(method: str, path: str) -> str:
    if path.startswith("/operator"):
        return "operator"
    if path == "/activation/pharmacy":
        return "pharmacist"
    if path in SIGNED or path == "/deposits/recipient":
        return "professional"
    if path.startswith("/dossiers/{dossier_id}") and not path.endswith("/tombstone"):
        return "patient"
    if path in ("/auth/logout", "/auth/session"):
        return "patient"
    return "none"


async def send(app: Harness, prepared: requests.PreparedRequest) -> httpx.Response:
    body = prepared.body
    content = body.encode() if isinstance(body, str) else body
    assert content is None or isinstance(content, bytes), type(content)
    headers = {k: v if isinstance(v, str) else v.decode("latin-1")
               for k, v in prepared.headers.items()}
    return await app.http.request(str(prepared.method), str(prepared.url), content=content,
                                  headers=headers)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("authorized", [False, True], ids=["anonymous", "authorized"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_contract(contract_app: Harness, method: str, path: str, authorized: bool,
                        mode: GenerationMode) -> None:
    app = contract_app
    described = DOCUMENT["paths"][path][method.lower()]
    if mode is GenerationMode.NEGATIVE and not (described.get("parameters")
                                                or described.get("requestBody")):
        pytest.skip("no parameters and no body: nothing to make invalid")
    kind = credential(method, path) if authorized else "none"
    if authorized and kind == "none":
        pytest.skip("a public operation: the anonymous run covers it")
    if authorized and mode is GenerationMode.NEGATIVE:
        pytest.skip("invalid input is refused whoever sends it (by a guard without "
                    "credentials, else while parsing): the anonymous run covers it")
    operation = SCHEMA[path][method]
    fixed: dict[str, Any] = {}
    mint: Callable[[], Awaitable[str]] | None = None
    if kind == "patient":
        patient = await app.patient()
        if "{dossier_id}" in path and mode is GenerationMode.POSITIVE:
            fixed["path_parameters"] = {"dossier_id": patient.dossier_id}

        async def mint() -> str:  # a new session each time: logout ends one
            return (await app.services.auth.open_session("patient", patient.dossier_id)).session
    elif kind in ("pharmacist", "professional"):
        pro = await app.professional()

        async def mint() -> str:
            return (await app.services.auth.open_session("professional", pro.ps_id,
                                                         ("pharmacist", "emergency"))).session
    elif kind == "operator":
        async def mint() -> str:
            return OPERATOR_TOKEN

    async def credentials() -> dict[str, str]:
        app.clock.advance(3601)  # fresh rate-limit windows; then a session valid from now
        return {} if mint is None else {"Authorization": f"Bearer {await mint()}"}

    loop = asyncio.get_running_loop()
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    seen: set[int] = set()

    def call(case: schemathesis.Case[Any]) -> httpx.Response:
        headers = asyncio.run_coroutine_threadsafe(credentials(), loop).result(timeout=30)
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
        prepared = requests.Request(
            method=kwargs["method"], url=kwargs["url"], headers=kwargs.get("headers"),
            params=kwargs.get("params"), json=kwargs.get("json"), data=kwargs.get("data"),
            cookies=kwargs.get("cookies")).prepare()
        return asyncio.run_coroutine_threadsafe(send(app, prepared), loop).result(timeout=60)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def run(case: schemathesis.Case[Any]) -> None:
        response = call(case)
        seen.add(response.status_code)
        case.validate_response(response, checks=checks)

    await asyncio.to_thread(run)
    assert seen, "no request was sent"
    assert 500 not in seen
    # the credential was valid each time, so the handler itself answered
    if kind != "none" and path not in SIGNED:
        assert 401 not in seen, seen

"""Bad input: every route with a body refuses malformed JSON, wrong types, missing and
unknown fields, and bodies over ``max_body_bytes`` with a 4xx ``{code, detail}``, and
nothing changes in storage. Requests carry the right credentials, so what is refused is
the body alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.server.routes.api_support import (
    Harness,
    World,
    assert_error,
    credential_for,
    encode,
    new_person,
    open_harness,
    openapi_document,
    plausible_requests,
    resolve,
)

SMALL_BODY = 4096
CSV_HEADER = "nir,last_name,first_name,birth_date,address,email"
MALFORMED = [b'{"', b'{"unterminated', b'{,}', b"{'a': 1}", b"\xff\xfe{}", b"nul", b'{:}']
NOT_AN_OBJECT = [b"[]", b"1", b'"text"', b"null", b"true"]


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, str):
        return 12345
    if isinstance(value, int | float):
        return "12"
    if isinstance(value, list):
        return {"not": "a list"}
    return "not an object"


def variants(body: dict[str, Any], doc: dict[str, Any], schema: dict[str, Any],
             where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Bodies that differ from a valid ``body`` by one wrong thing (one level of nesting)."""
    schema = resolve(doc, schema)
    properties = schema.get("properties", {})
    yield f"unknown field{where}", {**body, "unexpected": 1}
    for name, value in body.items():
        yield f"wrong type {where}{name}", {**body, name: wrong_type(value)}
        if name in schema.get("required", []):
            yield f"missing {where}{name}", {k: v for k, v in body.items() if k != name}
        if isinstance(value, dict) and name in properties:
            for label, inner in variants(value, doc, properties[name], f"{where}{name}."):
                yield label, {**body, name: inner}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = resolve(doc, properties[name]).get("items", {})
            for label, inner in variants(value[0], doc, items, f"{where}{name}[0]."):
                yield label, {**body, name: [inner, *value[1:]]}


async def body_routes(app: Harness, world: World) -> list[tuple[tuple[str, str], Any]]:
    doc = await openapi_document(app)
    planned = plausible_requests(app, world)
    routes = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                routes.append(((method.upper(), path), op))
    assert len(routes) >= 15, [k for k, _ in routes]
    assert all(planned[key].body is not None for key, _ in routes)
    return routes


async def test_every_body_route_refuses_bad_input(app: Harness) -> None:
    world = await World.build(app)
    doc = await openapi_document(app)
    planned = plausible_requests(app, world)
    before = await app.row_counts()
    checked = 0
    for key, op in await body_routes(app, world):
        request = planned[key]
        token = credential_for(request, world)
        schema = op["requestBody"]["content"]["application/json"]["schema"]

        async def send(content: bytes, *, r: Any = request, t: Any = token) -> Any:
            return await app.call(r.method, r.path, content=content, token=t)

        for content in MALFORMED:
            assert_error(await send(content), 400, "bad_request")
        for content in [*NOT_AN_OBJECT, b""]:
            assert_error(await send(content), 400, "invalid_request")
        for label, body in variants(request.json(), doc, schema):
            r = await send(encode(body))
            assert_error(r, 400, "invalid_request")
            if label.startswith("unknown"):
                assert "unknown field `unexpected`" in r.json()["detail"], (key, label, r.text)
            checked += 1
        assert await app.row_counts() == before, key
    assert checked > 100


def replaced(body: Any, kind: type, value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Copies of ``body`` with one field of type ``kind`` (at any depth) set to ``value``."""
    if isinstance(body, dict):
        for name, inner in body.items():
            for label, changed in replaced(inner, kind, value, f"{where}.{name}"):
                yield label, {**body, name: changed}
    elif isinstance(body, list) and body:
        for label, changed in replaced(body[0], kind, value, f"{where}[0]"):
            yield label, [changed, *body[1:]]
    elif isinstance(body, kind) and not isinstance(body, bool):
        yield where, value


async def test_out_of_range_integers_are_refused(app: Harness) -> None:
    """Integers past 64 bits would overflow the database columns (a 500 before)."""
    world = await World.build(app)
    planned = plausible_requests(app, world)
    before = await app.row_counts()
    checked = 0
    for key, _ in await body_routes(app, world):
        request = planned[key]
        for huge in (2**63, -(2**63) - 1, 2**70):
            for label, body in replaced(request.json(), int, huge):
                r = await app.call(request.method, request.path, content=encode(body),
                                   token=credential_for(request, world))
                assert_error(r, 400, "invalid_request")
                assert label.rsplit(".", 1)[-1] in r.json()["detail"], (key, label, r.text)
                checked += 1
    assert checked >= 20
    assert await app.row_counts() == before


async def test_nul_and_control_characters_never_reach_storage(app: Harness) -> None:
    """PostgreSQL refuses NUL in text (a 500 before): every string field, at any depth, set to
    text with a NUL is refused with a 4xx, and nothing is stored."""
    world = await World.build(app)
    planned = plausible_requests(app, world)
    before = await app.row_counts()
    checked = 0
    for key, _ in await body_routes(app, world):
        request = planned[key]
        for label, body in replaced(request.json(), str, "ab\x00cd"):
            r = await app.call(request.method, request.path, content=encode(body),
                               token=credential_for(request, world))
            assert 400 <= r.status_code < 500, (key, label, r.status_code, r.text)
            assert set(r.json()) == {"code", "detail"}, r.text
            checked += 1
    assert checked >= 40
    assert await app.row_counts() == before
    # where text is stored, single-line fields refuse control characters
    for field in ("name", "profession", "specialty", "city", "email"):
        registration = {**planned[("POST", "/professionals")].json(), field: "Dr\nJekyll"}
        r = await app.call("POST", "/professionals", json=registration)
        assert_error(r, 400, "invalid_request")
    # a NUL inside a registry line rejects that line, the others load
    good, bad = new_person(), new_person()
    poisoned = bad.csv_line().replace("Camille", "Cam\x00ille")
    csv = f"{CSV_HEADER}\n{good.csv_line()}\n{poisoned}\n"
    r = await app.operator("POST", "/operator/registry", {"csv": csv})
    assert r.status_code == 200, r.text
    assert r.json()["loaded"] == 1 and [x["line"] for x in r.json()["rejected"]] == [3]
    # a field too large for the csv module stops the reading there, with a report
    huge = new_person().csv_line().replace("Camille", "C" * 200_000)
    r = await app.operator("POST", "/operator/registry",
                           {"csv": f"{CSV_HEADER}\n{new_person().csv_line()}\n{huge}\n"})
    assert r.status_code == 200, r.text
    assert r.json()["loaded"] == 1 and [x["line"] for x in r.json()["rejected"]] == [3]
    r = await app.operator("POST", "/operator/registry", {"csv": "n" * 200_000 + "\n"})
    assert_error(r, 400, "service_error")
    # a professional's login is an idNat_PS: anything else is refused before any lookup
    r = await app.call("POST", "/auth/challenge",
                       json={"login": "81000\x000001", "kind": "professional"})
    assert_error(r, 400, "service_error",
                 "a professional signs in with their idNat_PS (8 + RPPS, or 0 + ADELI)")
    # query parameters too
    r = await app.operator("GET", "/operator/professionals?after=8%00")
    assert_error(r, 400, "invalid_request")
    r = await app.call("GET", f"/dossiers/{world.patient.dossier_id}/items",
                       params={"key_ref": "ab\x00cd"}, token=world.patient.session)
    assert_error(r, 400, "invalid_request")


async def test_bad_path_and_query_parameters(app: Harness) -> None:
    patient = await app.patient(items=0)
    token = patient.session
    d = patient.dossier_id
    before = await app.row_counts()
    for method, path, params in [
        ("GET", f"/dossiers/{d.upper()}", None),
        ("GET", f"/dossiers/{d}0", None),
        ("GET", f"/dossiers/{d}/slots/master", None),
        ("GET", f"/dossiers/{d}/items", {"limit": "0"}),
        ("GET", f"/dossiers/{d}/items", {"limit": "1001"}),
        ("GET", f"/dossiers/{d}/items", {"limit": "ten"}),
        ("GET", f"/dossiers/{d}/items", {"after": "zz"}),
        ("DELETE", f"/dossiers/{d}/items/{'g' * 32}", None),
        ("GET", f"/dossiers/{d}/attachments/{'0' * 31}", None),
        ("GET", "/professionals/123", None),
    ]:
        r = await app.call(method, path, params=params, token=token)
        assert_error(r, 400, "invalid_request")
    # the operator's routes check the operator token first (a guard), then the parameters
    r = await app.operator("GET", "/operator/professionals?status=gone")
    assert_error(r, 400, "invalid_request")
    assert await app.row_counts() == before


@pytest.fixture
async def small_app(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(backend, database_url, tmp_path,
                            max_body_bytes=SMALL_BODY) as harness:
        yield harness


async def test_oversized_bodies_are_refused(small_app: Harness) -> None:
    app = small_app
    world = await World.build(app)
    doc = await openapi_document(app)
    planned = plausible_requests(app, world)
    before = await app.row_counts()
    routes = await body_routes(app, world)
    for key, op in routes:
        request = planned[key]
        valid = encode(request.body)
        assert len(valid) < SMALL_BODY, key
        # the same valid body, made too large by trailing white space (still valid JSON)
        content = valid + b" " * SMALL_BODY
        r = await app.call(request.method, request.path, content=content,
                           token=credential_for(request, world))
        assert_error(r, 413, "too_large")
        assert "413" in op["responses"], f"{key}: 413 is not documented"
    assert await app.row_counts() == before
    # below the limit, the same kind of body goes through
    nir = world.patient.person.nir
    r = await app.call("POST", "/auth/params", content=encode({"login": nir}) + b" " * 100)
    assert r.status_code == 200, r.text
    assert doc["paths"]

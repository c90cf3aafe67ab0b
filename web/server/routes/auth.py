"""Login (P15): params -> challenge -> signed answer -> session; logout."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post

from web import schemas
from web.nir import parse_nir
from web.server.routes.common import address, bearer, errors, services_of, session, strict_body


@post("/params", status_code=200, responses=errors(429),
      summary="Salt and Argon2id parameters of a patient's key slots (nothing else)")
async def params(request: Request[Any, Any, Any],
                 data: schemas.ParamsRequest) -> schemas.ParamsBody:
    return await services_of(request).auth.params(parse_nir(data.login), address(request))


@post("/challenge", status_code=200, responses=errors(429),
      summary="A single-use, expiring login challenge")
async def challenge(request: Request[Any, Any, Any],
                    data: schemas.ChallengeRequest) -> schemas.ChallengeBody:
    if data.kind == "patient":
        data = schemas.ChallengeRequest(login=parse_nir(data.login), kind=data.kind, slot=data.slot)
    return await services_of(request).auth.challenge(data, address(request))


@post("/login", status_code=200, responses=errors(401, 429),
      summary="Answer a challenge with the login key's signature; opens a session")
async def login(request: Request[Any, Any, Any], data: schemas.LoginRequest) -> schemas.SessionBody:
    return await services_of(request).auth.login(data, address(request))


@post("/logout", status_code=204, responses=errors(401), summary="End this session")
async def logout(request: Request[Any, Any, Any]) -> None:
    await services_of(request).auth.logout(bearer(request))


@get("/session", responses=errors(401), summary="Who this session is")
async def whoami(request: Request[Any, Any, Any]) -> schemas.SessionBody:
    s = await session(request)
    return schemas.SessionBody(session="", expires_at=s.expires_at,
                            kind=s.kind,  # type: ignore[arg-type]
                            subject=s.subject, roles=list(s.roles))


router = Router(path="/auth", route_handlers=[params, challenge, login, logout, whoami],
                tags=["auth"], before_request=strict_body)

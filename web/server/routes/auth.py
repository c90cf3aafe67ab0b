"""Login (P15): params -> challenge -> signed answer -> session; logout."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post

from web import schemas
from web.nir import parse_nir
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.deps import address, bearer
from web.server.guards import requires_session
from web.server.openapi import errors
from web.server.services.directory import is_approved
from web.server.storage.ports import Session
from web.server.views import session_body


@post("/params", status_code=200, responses=errors(429),
      summary="Salt and Argon2id parameters of a patient's key slots (nothing else)")
async def params(request: Request[Any, Any, Any], services: Services,
                 data: schemas.ParamsRequest) -> schemas.ParamsBody:
    found = await services.auth.params(parse_nir(data.login), address(request))
    return schemas.ParamsBody(
        passphrase=schemas.KdfBody(salt=found.passphrase.salt, opslimit=found.passphrase.opslimit,
                                   memlimit=found.passphrase.memlimit),
        recovery=schemas.KdfBody(salt=found.recovery.salt, opslimit=found.recovery.opslimit,
                                 memlimit=found.recovery.memlimit))


@post("/challenge", status_code=200, responses=errors(429),
      summary="A single-use, expiring login challenge")
async def challenge(request: Request[Any, Any, Any], services: Services,
                    data: schemas.ChallengeRequest) -> schemas.ChallengeBody:
    login = parse_nir(data.login) if data.kind == "patient" else data.login
    found = await services.auth.challenge(login, data.kind, data.slot, address(request))
    return schemas.ChallengeBody(challenge=found.challenge, expires_at=found.expires_at)


@post("/login", status_code=200, responses=errors(401, 429),
      summary="Answer a challenge with the login key's signature; opens a session")
async def login(request: Request[Any, Any, Any], services: Services,
                data: schemas.LoginRequest) -> schemas.SessionBody:
    return session_body(await services.auth.login(data.challenge, data.signature,
                                                  address(request)))


@post("/logout", status_code=204, responses=errors(401), summary="End this session")
async def logout(request: Request[Any, Any, Any], services: Services) -> None:
    await services.auth.logout(bearer(request))


@get("/session", guards=[requires_session], responses=errors(401), summary="Who this session is")
async def whoami(services: Services, session: Session) -> schemas.SessionBody:
    # A professional's roles as the directory has them now (an operator's change applies to
    # sessions opened before it: web.server.guards.requires_professional).
    roles = list(session.roles)
    if session.kind == "professional":
        pro = await services.directory.entry(session.subject)
        roles = list(pro.roles) if is_approved(pro) else []
    return schemas.SessionBody(session="", expires_at=session.expires_at,
                               kind=session.kind,  # type: ignore[arg-type]
                               subject=session.subject, roles=roles)


router = Router(path="/auth", route_handlers=[params, challenge, login, logout, whoami],
                tags=["auth"], before_request=strict_body)

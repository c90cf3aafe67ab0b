"""Who may call a route: plain litestar guards, ``guards=[requires_patient]``.

Each guard authenticates the caller (401 ``unauthorized``) and authorizes them (403
``forbidden``) before the handler runs, then records who it admitted so the handler can ask
for ``session`` (and ``professional``) by name (``web.server.deps``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from web.server.deps import admit, bearer, services_of
from web.server.params import is_id
from web.server.services.errors import Forbidden, Unauthorized
from web.server.storage.ports import Session

Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Coroutine[Any, Any, None]]


async def _session(connection: Connection) -> Session:
    return await services_of(connection).auth.session(bearer(connection))


async def requires_session(connection: Connection, _: BaseRouteHandler) -> None:
    """Any live session (a patient's or a professional's). A professional's directory entry
    is read with it (one statement) and kept for the handler as ``entry`` (whatever its
    status: acting on it is ``DirectoryService.acts``), never as ``professional``."""
    session, entry = await services_of(connection).auth.signed_in(bearer(connection))
    admit(connection, session, entry=entry)


async def requires_patient(connection: Connection, _: BaseRouteHandler) -> None:
    """The holder of the dossier named by the path's ``dossier_id``.

    A malformed id is left to the route's parameter validation (400 ``invalid_request``): it
    names no dossier, so there is nothing to authorize."""
    dossier_id = str(connection.path_params["dossier_id"])
    if not is_id(dossier_id):
        return
    session = await _session(connection)
    services_of(connection).auth.require_dossier(session, dossier_id)
    admit(connection, session)


def requires_professional(role: str | None = None) -> Guard:
    """A guard for a signed-in professional whom the operator approved (with ``role``, if
    given); the handler may ask for ``professional`` (their directory entry).

    Approval and roles are read from the directory on every request, never from the
    session (whose ``roles`` are what the professional had at login): an operator's change
    (roles removed, professional blocked or no longer approved) takes effect at the very next
    request of a session opened before it."""

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        session, entry = await services_of(connection).auth.signed_in(bearer(connection))
        if session.kind != "professional":
            raise Forbidden("this needs a professional's session")
        current = services_of(connection).directory.acts(entry)
        if role is not None and role not in current.roles:
            raise Forbidden(f"this needs the {role} role")
        admit(connection, session, current)

    guard.__name__ = f"requires_professional_{role or 'any'}"
    return guard


async def requires_operator(connection: Connection, _: BaseRouteHandler) -> None:
    """The operator's bearer token (compared in constant time)."""
    token = bearer(connection)
    expected = services_of(connection).settings.operator_token
    if not token:
        raise Unauthorized("operator token required (Authorization: Bearer <token>)")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("this is not the operator token")

"""What a handler may ask for by name (litestar ``Provide``): the app's services and the caller
a guard admitted.

``services`` is the container built once by ``create_app``. ``session`` and ``professional``
are only available behind the guard that establishes them (``web.server.guards``); without
one they answer 401, never a way around authentication.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide

from web.server.container import Services
from web.server.services.errors import Unauthorized
from web.server.storage.ports import Professional, Session

_SESSION: Final = "carnet_session"
_PROFESSIONAL: Final = "carnet_professional"
_ENTRY: Final = "carnet_entry"


def services_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    """The services container of the app serving ``connection``."""
    return connection.app.state["services"]  # type: ignore[no-any-return]


def bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token of the ``Authorization`` header, or None."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's network address (for rate limits)."""
    return connection.client.host if connection.client else "unknown"


def admit(connection: ASGIConnection[Any, Any, Any, Any], session: Session,
          professional: Professional | None = None, *,
          entry: Professional | None = None) -> None:
    """Record who a guard admitted, for ``session``/``professional`` dependencies;
    ``entry`` is a directory entry read with the session but not checked (``entry``)."""
    connection.state[_SESSION] = session
    if professional is not None:
        connection.state[_PROFESSIONAL] = professional
    connection.state[_ENTRY] = entry


def _services(request: Request[Any, Any, Any]) -> Services:
    return services_of(request)


def _admitted(request: Request[Any, Any, Any], key: str) -> Any:
    # Dependencies are resolved before the parameters are validated: a guard that let a
    # malformed request through (for validation to refuse it) admitted no one. Fail closed.
    found = request.state.get(key)
    if found is None:
        raise Unauthorized("sign in first (Authorization: Bearer <session>)")
    return found


# The providers form a chain (services <- session <- professional | entry) although none
# needs the one before: litestar resolves the dependencies of one depth together in an anyio
# task group, which cost about 8 % of a loaded server's main thread on the token check
# (issue 14); one dependency per depth is awaited directly. ``services`` is the container,
# already built: resolving it for a route that does not ask for it costs one dict lookup.
def _session(request: Request[Any, Any, Any], services: Services) -> Session:
    return _admitted(request, _SESSION)  # type: ignore[no-any-return]


def _professional(request: Request[Any, Any, Any], session: Session) -> Professional:
    return _admitted(request, _PROFESSIONAL)  # type: ignore[no-any-return]


def _entry(request: Request[Any, Any, Any], session: Session) -> Professional | None:
    found: Professional | None = request.state.get(_ENTRY)  # behind a guard that admitted
    return found  # a session (the ``session`` this depends on)


DEPENDENCIES: Final = {
    "services": Provide(_services, sync_to_thread=False),
    "session": Provide(_session, sync_to_thread=False),
    "professional": Provide(_professional, sync_to_thread=False),
    "entry": Provide(_entry, sync_to_thread=False),
}

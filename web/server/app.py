"""The litestar application. ``create_app(settings)`` is the only way to build it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig

from web.server.container import Services, build_services
from web.server.deps import DEPENDENCIES
from web.server.errors import EXCEPTION_HANDLERS
from web.server.faults import middleware as test_faults
from web.server.openapi import errors
from web.server.routes import (
    activation,
    auth,
    clinical_index,
    consent,
    dossiers,
    emergency,
    history_events,
    links,
    operator,
    pages,
    professionals,
)
from web.server.routes import writes as writes_api
from web.server.routes.health import ready
from web.server.settings import Settings


@get("/health", summary="Service health", tags=["service"], responses=errors())
async def health() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


def create_app(settings: Settings, services: Services | None = None) -> Litestar:
    """Build the app; ``services`` may be given by tests (clock, mailer...)."""
    built = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await built.start()
        try:
            yield
        finally:
            await built.stop()

    return Litestar(
        route_handlers=[pages.router, pages.static, health, ready, auth.router, dossiers.router,
                        activation.router, clinical_index.router,
                        operator.router, professionals.router, professionals.directory_router,
                        consent.router, emergency.router, writes_api.router,
                        links.router, history_events.router],
        exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        dependencies=dict(DEPENDENCIES),
        openapi_config=OpenAPIConfig(title="Carnet", version="0.1.0",
                                     description="Zero-knowledge API: every blob is ciphertext."),
        request_max_body_size=settings.max_body_bytes,
        middleware=test_faults(settings),  # crash hooks: development + CARNET_TEST_FAULTS only
        state={"services": built},  # type: ignore[arg-type]
        lifespan=[lifespan],
        debug=False,
    )

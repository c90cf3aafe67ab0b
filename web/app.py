"""The litestar application. ``create_app(settings)`` is the only way to build it."""

from __future__ import annotations

from litestar import Litestar, MediaType, get
from litestar.openapi import OpenAPIConfig

from web.errors import EXCEPTION_HANDLERS
from web.settings import Settings

_HOME = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Carnet</title></head><body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>Carnet</h1><p>Dossier médical partagé, chiffré de bout en bout. Le serveur ne voit que
des données chiffrées.</p><p><a href="/health">État du service</a> ·
<a href="/schema">API (OpenAPI)</a></p></body></html>"""


@get("/", media_type=MediaType.HTML, include_in_schema=False)
async def home() -> str:
    return _HOME


@get("/health", summary="Service health", tags=["service"])
async def health() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


def create_app(settings: Settings) -> Litestar:
    return Litestar(
        route_handlers=[home, health],
        exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="Carnet", version="0.1.0"),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )

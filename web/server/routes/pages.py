"""The web app's pages (``web.server.pages``) and its static files, with the security headers
every page carries (a Content-Security-Policy without inline script, no referrer, no
framing). Nothing here reads a session: a page is the same for everyone; the browser does the
rest with the API."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar import MediaType, Request, Response, Router, get
from litestar.static_files import create_static_files_router

from web.server import pages

STATIC: Final = Path(__file__).resolve().parents[2] / "static"


def _page(name: str, request: Request) -> Response[str]:  # type: ignore[type-arg]
    lang = pages.choose_lang(request.query_params.get("lang"),
                             request.headers.get("accept-language"))
    return Response(pages.render(name, lang), media_type=MediaType.HTML,
                    headers=dict(pages.HEADERS))


@get("/", include_in_schema=False)
async def home(request: Request) -> Response[str]:  # type: ignore[type-arg]
    return _page("home", request)


@get("/patient", include_in_schema=False)
async def patient(request: Request) -> Response[str]:  # type: ignore[type-arg]
    return _page("patient", request)


async def _secured(response: Response) -> Response:  # type: ignore[type-arg]
    """Static files carry the pages' headers too (a script's CSP, no sniffing)."""
    response.headers.update({**pages.HEADERS, "cache-control": "no-cache"})
    return response


@get("/pro", include_in_schema=False)
async def professional(request: Request) -> Response[str]:  # type: ignore[type-arg]
    return _page("pro", request)


@get("/urgence", include_in_schema=False)
async def emergency(request: Request) -> Response[str]:  # type: ignore[type-arg]
    return _page("emergency", request)


@get("/proche", include_in_schema=False)
async def contact(request: Request) -> Response[str]:  # type: ignore[type-arg]
    return _page("contact", request)


router = Router(path="/", route_handlers=[home, patient, professional, emergency, contact],
                include_in_schema=False)
static = create_static_files_router(path="/static", directories=[STATIC],
                                    include_in_schema=False, send_as_attachment=False,
                                    after_request=_secured)

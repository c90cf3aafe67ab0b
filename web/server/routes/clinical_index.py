"""The interaction index for the browser's alerts (P11): the same document the Python client
reads (``clinical/index.py``, format 1, built at install by ``scripts/clinical_data.py``),
published as a static, versioned asset.

``GET /clinical/index`` says which version is served and where: ``{version, url}``, the URL
naming the document's SHA-256, so the document itself
(``GET /clinical/ansm-interactions.<sha256>.json``) never changes and is cached for good. The
index is public reference data (the ANSM thesaurus and Carnet's product table): serving it
tells the server nothing about anyone; the alerts are computed in the browser after
decryption. 503 ``clinical_index_unavailable`` when the install step has not built it, 404
``not_found`` for another digest (an index replaced since the page asked).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from litestar import MediaType, Request, Response, Router, get
from litestar.openapi.datastructures import ResponseSpec

from clinical.index import LOCATION
from web import schemas
from web.server import pages
from web.server.container import Services

__all__ = ["Published", "index_file", "published", "router"]

PREFIX: Final = "/clinical"
NAME: Final = "ansm-interactions"
_FOREVER: Final = "public, max-age=31536000, immutable"
_DIGEST_HEX: Final = 16


@dataclass(frozen=True, slots=True)
class Published:
    """One index file as served: its version, digest, bytes (plain and gzip)."""

    version: str
    digest: str
    data: bytes
    gzipped: bytes

    @property
    def url(self) -> str:
        return f"{PREFIX}/{NAME}.{self.digest}.json"


_cache: dict[Path, tuple[tuple[int, int, int], Published]] = {}


def index_file(services: Services) -> Path:
    """``CARNET_CLINICAL_INDEX`` (settings), else where the install step writes it."""
    return services.settings.clinical_index or Path(sys.prefix).joinpath(*LOCATION)


def published(path: Path) -> Published | None:
    """The index at ``path`` (read again only when the file changes), or None when absent
    or not an index."""
    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        data = path.read_bytes()
        doc = json.loads(data)
        version = doc["version"] if isinstance(doc, dict) and doc.get("format") == 1 else None
    except (OSError, ValueError, KeyError):
        return None
    if not isinstance(version, str):
        return None
    found = Published(version, hashlib.sha256(data).hexdigest()[:_DIGEST_HEX], data,
                      gzip.compress(data, compresslevel=9, mtime=0))
    _cache[path] = (stamp, found)
    return found


def _missing(path: Path) -> Response[dict[str, str]]:
    return Response({"code": "clinical_index_unavailable",
                     "detail": f"no interaction index on this server ({path.name}); the "
                               "install step (scripts/_env.sh) builds it"},
                    status_code=503, headers={"cache-control": "no-store", "retry-after": "60"})


@get(f"{PREFIX}/index", summary="Where the interaction index is", tags=["clinical"],
     responses={503: ResponseSpec(data_container=schemas.ErrorBody, generate_examples=False,
                                  description="The install step did not build the index")})
async def where(services: Services) -> Response[Any]:
    """``{version, url}`` of the ANSM interaction index the browser's alerts read; 503
    ``clinical_index_unavailable`` when it was not built."""
    path = index_file(services)
    found = published(path)
    if found is None:
        return _missing(path)
    return Response({"version": found.version, "url": found.url},
                    headers={"cache-control": "no-cache"})


@get(f"{PREFIX}/{{name:str}}", include_in_schema=False)
async def document(name: str, request: Request[Any, Any, Any],
                   services: Services) -> Response[Any]:
    """The index document itself, immutable under its digest, gzip when accepted."""
    path = index_file(services)
    found = published(path)
    if found is None:
        return _missing(path)
    if name != found.url.rsplit("/", 1)[1]:
        return Response({"code": "not_found", "detail": "no interaction index of that digest "
                                                        "(ask GET /clinical/index again)"},
                        status_code=404, headers={"cache-control": "no-store"})
    headers = {**pages.HEADERS, "cache-control": _FOREVER, "vary": "accept-encoding",
               "etag": f'"{found.digest}"'}
    if request.headers.get("if-none-match") == headers["etag"]:
        return Response(b"", status_code=304, headers=headers)
    accepts = "gzip" in request.headers.get("accept-encoding", "").lower()
    if accepts:
        headers["content-encoding"] = "gzip"
    return Response(found.gzipped if accepts else found.data, media_type=MediaType.JSON,
                    headers=headers)


router = Router(path="/", route_handlers=[where, document])

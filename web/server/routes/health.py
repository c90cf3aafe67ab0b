"""Readiness: ``GET /health/ready`` answers 200 only while the database answers.

``GET /health`` (in ``app.py``) stays pure liveness: the process is up. A load balancer
routes traffic on readiness and restarts on liveness, so a database outage must not make
the process look dead.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec

from web import schemas
from web.server.deps import services_of


@get("/health/ready", summary="Service readiness (the database answers)", tags=["service"],
     responses={503: ResponseSpec(data_container=schemas.ErrorBody, generate_examples=False,
                                  description="The database is unavailable; retry later")})
async def ready(request: Request[Any, Any, Any]) -> dict[str, str]:
    """200 ``{"status": "ready"}``, or 503 ``storage_unavailable`` with ``Retry-After``."""
    await services_of(request).db.ping()
    return {"status": "ready"}


route_handlers = [ready]

"""The patient's declared history events (issue 10, item 7): what only the patient's device
sees (an export, an import, masking, unmasking, using the recovery code), from a closed
list, any detail sealed to the patient. Patient-only; the server records them as the
patient's (``web.server.services.journal.declare``)."""

from __future__ import annotations

from litestar import Router, post

from web.schemas.history import DeclaredEvent
from web.server.bodies import strict_body
from web.server.container import Services
from web.server.guards import requires_patient
from web.server.openapi import errors
from web.server.params import IdParam
from web.server.services import journal


@post("/dossiers/{dossier_id:str}/history/events", status_code=204,
      guards=[requires_patient], responses=errors(400, 401, 403, 404, 410, 413),
      summary="Declare one of the patient's own actions that the server cannot see (export, "
              "import, mask, unmask, recovery), any detail sealed to the patient")
async def declare(services: Services, dossier_id: IdParam, data: DeclaredEvent) -> None:
    await services.store.dossier(dossier_id)  # 404 unknown, 410 closed
    await journal.declare(services.consent, dossier_id, data.kind, count=data.count,
                          sealed=data.what_sealed)


router = Router(path="/", tags=["consent"], route_handlers=[declare],
                before_request=strict_body)

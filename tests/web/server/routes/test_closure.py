"""Closing a dossier: one service call that owns its order and can be run again."""

from __future__ import annotations

import pytest

from tests.web.server.routes.api_support import Harness, assert_error
from vault.errors import DossierClosed
from web import schemas

CLOSED_TEXT = ("Bonjour Camille,\n\nVotre dossier Carnet a été fermé et son contenu détruit. "
               "Une nouvelle activation reste possible.\n— Carnet\n")


async def test_closure_runs_again_and_tells_the_holder_once(app: Harness) -> None:
    patient = await app.patient(items=1)
    blob = patient.tombstone(app.clock.now)
    r = await app.call("POST", f"/dossiers/{patient.dossier_id}/close", token=patient.session,
                       json=schemas.TombstoneBody(blob=blob))
    assert r.status_code == 204, r.text
    # again, as the service: the same answer as any use of a closed dossier, nothing more
    with pytest.raises(DossierClosed):
        await app.services.closure.close(patient.dossier_id, blob)
    await app.services.notifier.drain()
    closed = [m for m in app.mailer.to(patient.person.email)
              if m.subject == "Votre dossier Carnet est fermé"]
    assert [m.body for m in closed] == [CLOSED_TEXT]
    assert await app.services.db.beneficiary_of_dossier(patient.dossier_id) is None
    r = await app.call("GET", f"/dossiers/{patient.dossier_id}/tombstone")
    assert r.status_code == 200, r.text


async def test_a_tombstone_of_another_dossier_closes_nothing(app: Harness) -> None:
    patient, other = await app.patient(items=0), await app.patient(items=0)
    r = await app.call("POST", f"/dossiers/{patient.dossier_id}/close", token=patient.session,
                       json=schemas.TombstoneBody(blob=other.tombstone(app.clock.now)))
    assert_error(r, 403, "not_allowed", "the tombstone must be signed by this dossier's key")
    r = await app.call("GET", f"/dossiers/{patient.dossier_id}/keyring", token=patient.session)
    assert r.status_code == 200, r.text

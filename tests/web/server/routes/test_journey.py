"""The patient's journey with the real Python client (``web.client``: Argon2id, key slots,
encrypted items) against the in-process app, on SQLite and PostgreSQL. The other API tests
use fake patients; this one shows that the real client and the server agree."""

from __future__ import annotations

import base64

from tests.web.server.routes.api_support import BASE_URL, Harness, assert_error
from vault.errors import UnlockFailed
from web.client import Api, activate, login, recover


async def test_activate_write_login_recover_close(app: Harness) -> None:
    person = await app.beneficiary()
    code = await app.pharmacy_code(person)
    api = Api(BASE_URL, transport=app.transport)
    dossier, recovery_code = await activate(api, person.nir, code, "une phrase secrète",
                                            clock=app.clock)
    item = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01",
                             {"reaction": "urticaire"})
    await dossier.mask(item.item_id)
    # nothing the server holds is the plaintext, the passphrase or the recovery code
    dump = await app.dump()
    for secret in ("Pénicilline", "urticaire", "une phrase secrète", recovery_code):
        assert secret not in dump
        assert base64.b64encode(secret.encode()).decode() not in dump

    again = await login(Api(BASE_URL, transport=app.transport), person.nir,
                        "une phrase secrète", clock=app.clock)
    assert [(i.title, i.masked) for i in await again.list()] == [("Pénicilline", True)]
    try:
        await login(Api(BASE_URL, transport=app.transport), person.nir, "pas la bonne",
                    clock=app.clock)
    except UnlockFailed:
        pass
    else:
        raise AssertionError("a wrong passphrase opened the dossier")

    recovered = await recover(Api(BASE_URL, transport=app.transport), person.nir,
                              recovery_code, "une autre phrase", clock=app.clock)
    archive = await recovered.export_archive()
    assert archive
    await recovered.close()
    r = await app.call("GET", f"/dossiers/{recovered.dossier_id}/tombstone")
    assert r.status_code == 200, r.text
    r = await app.call("GET", f"/dossiers/{recovered.dossier_id}/keyring",
                       token=api.session)
    assert_error(r, 401, "unauthorized")  # closing ended every session of the dossier
    await app.services.notifier.drain()
    subjects = [m.subject for m in app.mailer.to(person.email)]
    assert "Votre dossier Carnet est ouvert" in subjects
    assert "Votre dossier Carnet est fermé" in subjects

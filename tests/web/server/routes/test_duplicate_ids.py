"""Duplicate ids are a 409, not a 500 (issue 8 item 10), on SQLite and PostgreSQL.

Every request whose body names an id the client chose is sent twice with the same id: the
first is stored, the second answers 409 ``{code, detail}`` and stores nothing more. The
ids: a patient's item revision, an attachment, a professional's item, a deposit, a grant,
an emergency card and a professional's idNat_PS. (A dossier id at activation is covered by
``test_activation.test_a_dossier_id_cannot_be_taken_twice``; a request nonce seen twice is
a replay, refused with 401 by design, ``test_sessions``/``test_oracles``.)

The same request is re-sent byte for byte (``Twice``) where it carries no request signature;
a signed one (professional item, deposit) is signed afresh, so only the id repeats.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from consent import deposit as deposit_format
from tests.web.server.routes.api_support import (
    BASE_URL,
    Harness,
    assert_error,
    new_id,
    new_ps_id,
    put_item_body,
)
from tests.web.server.routes.grant_world import close_all, give, open_as, patient, professional
from vault import items
from vault.crypto import system_random
from vault.errors import VaultError
from vault.items import Author
from web import schemas
from web.client import Api, ProfessionalIdentity
from web.client.consent import request_signer
from web.client.emergency import issue_card
from web.client.writes import seal_for_grant, send_item


class Twice(httpx.AsyncBaseTransport):
    """Sends the first POST whose path ends with ``suffix`` a second time, unchanged, and
    keeps that second answer in ``again``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, suffix: str) -> None:
        self._inner, self._suffix = inner, suffix
        self.again: httpx.Response | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if (self.again is None and request.method == "POST"
                and request.url.path.endswith(self._suffix)):
            await response.aread()
            copy = httpx.Request(request.method, request.url, headers=request.headers,
                                 content=request.content)
            self.again = await self._inner.handle_async_request(copy)
            await self.again.aread()
        return response


class Recorder(httpx.AsyncBaseTransport):
    """Keeps the last answer (the client turns errors into exceptions, some without status)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.last: httpx.Response | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.last = await self._inner.handle_async_request(request)
        await self.last.aread()
        return self.last


async def _patient_item(app: Harness) -> httpx.Response:
    p = await app.patient(items=0)
    body = put_item_body(with_chunk=True)
    path = f"/dossiers/{p.dossier_id}/items"
    first = await app.call("POST", path, json=body, token=p.session)
    assert first.status_code == 201, first.text
    return await app.call("POST", path, json=body, token=p.session)


async def _attachment(app: Harness) -> httpx.Response:
    p = await app.patient(items=0)
    first, second = put_item_body(with_chunk=True), put_item_body()
    second.chunks.extend(first.chunks)  # a new item, the first one's attachment id
    path = f"/dossiers/{p.dossier_id}/items"
    r = await app.call("POST", path, json=first, token=p.session)
    assert r.status_code == 201, r.text
    return await app.call("POST", path, json=second, token=p.session)


async def _professional_item(app: Harness) -> httpx.Response:
    dossier, api = await patient(app)
    writer = await professional(app)
    opened = await open_as(app, writer, await give(app, dossier, api, writer, ["allergies"],
                                                   write=True))
    draft = items.draft("allergies", "allergy", "Amoxicilline", "2024-03-03", None,
                        Author.professional(writer.ps_id, "Dr Anne Leroy"))
    record = seal_for_grant(opened, draft, created_at=app.clock.now)
    recorder = Recorder(app.transport)
    recorded = Api(BASE_URL, transport=recorder, session=writer.api.session)
    await send_item(recorded, writer.identity, opened.text, record, now=app.clock.now)
    with pytest.raises(VaultError):
        await send_item(recorded, writer.identity, opened.text, record, now=app.clock.now)
    await close_all(api, writer.api, recorded)
    assert recorder.last is not None
    return recorder.last


async def _deposit(app: Harness) -> httpx.Response:
    dossier, api = await patient(app)
    depositor = await professional(app)
    box_public = (await app.services.store.dossier(dossier.dossier_id)).box_public
    sealed = deposit_format.seal(b"opaque to the server", box_public, system_random)
    deposit_id = new_id()
    signature = deposit_format.sign(dossier.dossier_id, deposit_id, sealed,
                                    depositor.identity.signing_key)
    upload = schemas.DepositUpload(dossier_id=dossier.dossier_id, deposit_id=deposit_id,
                                   sealed=sealed, signature=signature)
    recorder = Recorder(app.transport)
    recorded = Api(BASE_URL, transport=recorder, session=depositor.api.session)
    await recorded.send("POST", "/deposits", upload, schemas.DepositReceipt,
                        signer=request_signer(depositor.identity, app.clock.now))
    with pytest.raises(VaultError):
        await recorded.send("POST", "/deposits", upload, schemas.DepositReceipt,
                            signer=request_signer(depositor.identity, app.clock.now))
    await close_all(api, depositor.api, recorded)
    assert recorder.last is not None
    return recorder.last


async def _grant(app: Harness) -> httpx.Response:
    dossier, api = await patient(app)
    reader = await professional(app)
    twice = Twice(app.transport, "/grants")
    replaying = Api(BASE_URL, transport=twice, session=api.session)
    await give(app, dossier, replaying, reader, ["allergies"])
    await close_all(api, reader.api, replaying)
    assert twice.again is not None
    return twice.again


async def _card(app: Harness) -> httpx.Response:
    dossier, api = await patient(app)
    twice = Twice(app.transport, "/cards")
    replaying = Api(BASE_URL, transport=twice, session=api.session)
    await issue_card(dossier, replaying)
    await close_all(api, replaying)
    assert twice.again is not None
    return twice.again


async def _ps_id(app: Harness) -> httpx.Response:
    twice = Twice(app.transport, "/professionals/")
    async with Api(BASE_URL, transport=twice) as api:
        await ProfessionalIdentity.new(new_ps_id()).register(api, name="Dr Double",
                                                             profession="médecin")
    assert twice.again is not None
    return twice.again


CASES: dict[str, Callable[[Harness], Awaitable[httpx.Response]]] = {
    "patient item revision": _patient_item,
    "attachment id": _attachment,
    "professional item id": _professional_item,
    "deposit id": _deposit,
    "grant id": _grant,
    "card id": _card,
    "idNat_PS": _ps_id,
}
CODES = {"attachment id": "attachment_taken"}


@pytest.mark.parametrize("kind", list(CASES))
async def test_a_duplicate_id_is_a_409(app: Harness, kind: str) -> None:
    second = await CASES[kind](app)
    assert_error(second, 409, CODES.get(kind, "conflict"))

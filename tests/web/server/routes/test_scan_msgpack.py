"""The scan's answer as MessagePack (issue 14, item 3): the Python client asks for it (bytes
as bin: no base64, no JSON on the professional's hot path), the browser keeps JSON; both
carry the same answer, and the client opens every granted item from it."""

from __future__ import annotations

import httpx
import msgspec

from tests.web.server.routes.api_support import Harness, same_in_both
from tests.web.server.routes.grant_world import give, patient, professional
from web import schemas
from web.client.consent import request_signer, scan


async def test_the_scan_answers_the_same_in_messagepack_and_json(app: Harness) -> None:
    dossier, api = await patient(app)
    for i in range(3):
        await dossier.add("allergies", "allergy", f"Allergie {i}", "2024-03-01", {"grade": i})
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"])
    body = msgspec.json.encode(schemas.ScanRequest(token=issued.text))
    answers = []
    for accept in ("application/json", schemas.MSGPACK):
        headers = {"accept": accept, **request_signer(pro.identity, app.clock.now)(
            "POST", "/consent/scan", body)}
        answers.append(await app.call("POST", "/consent/scan", content=body,
                                      token=pro.api.session, headers=headers))
    as_json, as_msgpack = answers
    packed: schemas.ScanBody = same_in_both(as_json, as_msgpack, schemas.ScanBody)
    assert len(packed.items) == 3
    assert packed.items[0].ciphertext in as_msgpack.content  # bin, not base64 text
    assert packed.items[0].ciphertext not in as_json.content

    seen: list[str] = []

    async def note(response: httpx.Response) -> None:
        seen.append(response.headers.get("content-type", ""))
    pro.api._http.event_hooks["response"].append(note)
    got = await scan(pro.api, pro.identity, issued.text, now=app.clock.now)
    assert sorted(i.title for i in got.items) == ["Allergie 0", "Allergie 1", "Allergie 2"]
    assert got.unreadable == () and seen == [schemas.MSGPACK]
    await api.aclose()
    await pro.api.aclose()

"""The item page as MessagePack (issue 14, item 3): the Python client asks for it, the
browser keeps JSON; both carry the same page, and the Python client opens what it lists."""

from __future__ import annotations

from tests.web.server.routes.api_support import Harness, same_in_both
from tests.web.server.routes.grant_world import patient
from web import schemas


async def test_the_item_page_is_the_same_in_messagepack_and_json(app: Harness) -> None:
    dossier, api = await patient(app)
    for i in range(3):
        await dossier.add("allergies", "allergy", f"Allergie {i}", "2024-03-01", {"grade": i})
    path = f"/dossiers/{dossier.dossier_id}/items"
    token = api.session
    as_json = await app.call("GET", path, token=token)
    as_msgpack = await app.call("GET", path, token=token,
                                headers={"accept": schemas.MSGPACK})
    page: schemas.ItemPage = same_in_both(as_json, as_msgpack, schemas.ItemPage)
    assert len(page.items) == 3
    # Bytes travel as MessagePack bin, not as base64 text.
    assert page.items[0].ciphertext in as_msgpack.content
    assert page.items[0].ciphertext not in as_json.content
    # Anyone else is refused, in either encoding.
    refused = await app.call("GET", path, headers={"accept": schemas.MSGPACK})
    assert refused.status_code == 401
    # The client lists through the MessagePack page and opens every item.
    titles = sorted(i.title for i in await dossier.list())
    assert titles == ["Allergie 0", "Allergie 1", "Allergie 2"]
    assert dossier.unreadable == []
    await api.aclose()

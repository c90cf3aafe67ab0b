"""A token check without opening the dossier (``POST /consent/check``, issue 14's
token-check-only endpoint; ``web.client.consent_check``): every check of a scan, its nonce
spent, its refusals in the patient's history, and nothing of the dossier read or answered.
Real clients against the in-process app, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import msgspec
import nacl.signing
import pytest

from consent import token
from consent.errors import InvalidToken
from tests.web.server.routes.api_support import Harness
from tests.web.server.routes.grant_world import give, patient, professional
from vault import Dossier, Section
from web import schemas
from web.client import Api, ApiError
from web.client.consent import request_signer, verified_history
from web.client.consent_check import check


async def _kinds(dossier: Dossier, api: Api) -> list[str]:
    events, _, _ = await verified_history(dossier, api, server_public=None, last_seen=None)
    return [e.kind for e in events]


async def test_a_check_answers_what_the_token_opens_and_reads_nothing(app: Harness) -> None:
    dossier, api = await patient(app)
    secret = await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01")
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies", "current_treatments"], write=True)
    before = await _kinds(dossier, api)
    claims = token.decode(token.from_text(issued.text)).claims

    got = await check(pro.api, pro.identity, issued.text, now=app.clock.now)
    assert got.dossier_id == dossier.dossier_id and got.grant_id == issued.grant_id
    assert got.sections == {Section.ALLERGIES, Section.CURRENT_TREATMENTS} and got.write
    assert not got.emergency and got.expires_at == claims.expires_at
    assert await _kinds(dossier, api) == before  # opens nothing: no access to record

    body = msgspec.json.encode(schemas.ScanRequest(token=issued.text))
    headers = request_signer(pro.identity, app.clock.now)("POST", "/consent/check", body)
    first = await app.call("POST", "/consent/check", content=body, token=pro.api.session,
                           headers=dict(headers))
    assert first.status_code == 200, first.text
    assert set(first.json()) == {"dossier_id", "patient_public", "grant_id", "sections",
                                 "write", "emergency", "expires_at"}
    stored = await dossier._store.revisions(dossier.dossier_id, secret.item_id)
    assert all(r.ciphertext not in first.content and r.wrapped_key not in first.content
               for r in stored)
    again = await app.call("POST", "/consent/check", content=body, token=pro.api.session,
                           headers=dict(headers))  # the same signed request: a replay
    assert again.status_code == 401, again.text
    await api.aclose()
    await pro.api.aclose()


async def test_a_revoked_token_is_refused_and_the_refusal_logged(app: Harness) -> None:
    dossier, api = await patient(app)
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"])
    await api.call("POST", f"/dossiers/{dossier.dossier_id}/grants/{issued.grant_id}/revoke")
    with pytest.raises(ApiError) as refused:
        await check(pro.api, pro.identity, issued.text, now=app.clock.now)
    assert refused.value.code == "token_revoked"
    events, _, _ = await verified_history(dossier, api, server_public=None, last_seen=None)
    [event] = [e for e in events if e.kind == "token_refused"]
    assert event.actor == f"ps:{pro.ps_id}" and event.detail["result"] == "revoked"
    await api.aclose()
    await pro.api.aclose()


async def test_only_the_named_professional_passes_a_check(app: Harness) -> None:
    dossier, api = await patient(app)
    named = await professional(app)
    other = await professional(app, name="Dr Paul Martin")
    issued = await give(app, dossier, api, named, ["allergies"])
    with pytest.raises(ApiError) as refused:
        await check(other.api, other.identity, issued.text, now=app.clock.now)
    assert refused.value.code in {"wrong_recipient", "invalid_token"}
    unsigned = await app.call("POST", "/consent/check", token=named.api.session,
                              json={"token": issued.text})
    assert unsigned.status_code == 401 and unsigned.json()["code"]
    assert (await app.call("POST", "/consent/check", json={"token": issued.text})
            ).status_code == 401  # no session
    for api_ in (api, named.api, other.api):
        await api_.aclose()


@pytest.mark.parametrize("lie", ["another patient", "more sections", "later expiry"])
async def test_the_client_refuses_a_server_that_answers_for_another_token(
        app: Harness, lie: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dossier, api = await patient(app)
    pro = await professional(app)
    issued = await give(app, dossier, api, pro, ["allergies"])
    real_send = Api.send

    async def lying(self: Api, method: str, path: str, body: Any, expect: Any,
                    **kw: Any) -> Any:
        answer = await real_send(self, method, path, body, expect, **kw)
        if lie == "another patient":
            stranger = nacl.signing.SigningKey.generate().verify_key.encode()
            return msgspec.structs.replace(answer, patient_public=stranger)
        if lie == "more sections":
            more = [*answer.sections, "current_treatments"]
            return msgspec.structs.replace(answer, sections=more)
        return msgspec.structs.replace(answer, expires_at=answer.expires_at + 86400)
    monkeypatch.setattr(Api, "send", lying)
    with pytest.raises(InvalidToken):
        await check(pro.api, pro.identity, issued.text, now=app.clock.now)
    await api.aclose()
    await pro.api.aclose()

"""An operator's change to a professional applies to the sessions opened before it (issue 8,
item 8), on SQLite and PostgreSQL, through the app.

The attack: a pharmacist signed in, the operator removed the pharmacist role, and the same
session went on creating activation codes (the guard read the roles cached in the session at
login). Now every professional route reads approval and roles from the directory on each
request (``web.server.guards.requires_professional``, ``docs/service.md``).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.web.server.routes.api_support import (
    Harness,
    Professional,
    assert_error,
    put_item_body,
)
from web import schemas

UNSIGNED = "this request must be signed (X-Carnet-Nonce, X-Carnet-Time, X-Carnet-Signature)"


async def _set_roles(app: Harness, pro: Professional, roles: list[str]) -> None:
    """The operator re-approves ``pro`` with ``roles`` (countersigned anew)."""
    r = await app.operator("GET", f"/operator/professionals/{pro.ps_id}")
    assert r.status_code == 200, r.text
    r = await app.operator("POST", f"/operator/professionals/{pro.ps_id}/approve",
                           app.approval(r.json(), roles))
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == roles


async def _start_activation(app: Harness, pro: Professional) -> httpx.Response:
    person = await app.beneficiary()
    return await app.call("POST", "/activation/pharmacy", token=pro.session,
                          json=schemas.ActivationRequest(nir=person.nir,
                                                         birth_date=person.birth_date))


async def _whoami(app: Harness, pro: Professional) -> dict[str, Any]:
    r = await app.call("GET", "/auth/session", token=pro.session)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_removed_role_refuses_the_session_opened_before(app: Harness) -> None:
    pharmacist = await app.professional(roles=["pharmacist"])
    other = await app.professional(roles=["pharmacist"])
    r = await _start_activation(app, pharmacist)
    assert r.status_code == 201, r.text  # the control: with the role, it works
    await _set_roles(app, pharmacist, [])
    assert_error(await _start_activation(app, pharmacist), 403, "forbidden",
                 "this needs the pharmacist role")
    assert (await _whoami(app, pharmacist))["roles"] == []
    # another pharmacist, whose roles did not change, still works with their session
    r = await _start_activation(app, other)
    assert r.status_code == 201, r.text
    # and the role given back works again, still in the same session
    await _set_roles(app, pharmacist, ["pharmacist"])
    r = await _start_activation(app, pharmacist)
    assert r.status_code == 201, r.text
    assert (await _whoami(app, pharmacist))["roles"] == ["pharmacist"]


async def test_a_role_given_after_login_counts_at_once(app: Harness) -> None:
    pro = await app.professional(roles=[])
    assert_error(await _start_activation(app, pro), 403, "forbidden",
                 "this needs the pharmacist role")
    await _set_roles(app, pro, ["pharmacist"])
    r = await _start_activation(app, pro)
    assert r.status_code == 201, r.text


async def test_a_removed_emergency_role_refuses_break_glass(app: Harness) -> None:
    samu = await app.professional(roles=["emergency"])
    person = await app.beneficiary()
    body = {"nir": person.nir, "reason": "inconscient aux urgences"}
    # with the role, the guard lets the request through (it is then refused as unsigned)
    assert_error(await app.call("POST", "/emergency/break-glass", json=body,
                                token=samu.session),
                 401, "unauthorized", UNSIGNED)
    await _set_roles(app, samu, [])
    assert_error(await app.call("POST", "/emergency/break-glass", json=body,
                                token=samu.session),
                 403, "forbidden", "this needs the emergency role")


async def _scan(app: Harness, pro: Professional) -> httpx.Response:
    return await app.call("POST", "/consent/scan", token=pro.session,
                          json=schemas.ScanRequest(token="C1:" + "A" * 40))


async def _write(app: Harness, pro: Professional) -> httpx.Response:
    return await app.call("POST", "/consent/items", token=pro.session,
                          json={"token": "C1:" + "A" * 40, "item": put_item_body().item})


async def test_a_professional_no_longer_approved_cannot_scan_nor_write(app: Harness) -> None:
    doctor = await app.professional(roles=[])
    colleague = await app.professional(roles=[])
    # approved: past the guard, the unsigned request is what gets refused
    for r in (await _scan(app, doctor), await _write(app, doctor)):
        assert_error(r, 401, "unauthorized", UNSIGNED)
    # a status change that does not end sessions (the guard must not rely on it)
    assert await app.services.db.set_professional_status(doctor.ps_id, "pending", [])
    for r in (await _scan(app, doctor), await _write(app, doctor)):
        assert_error(r, 403, "forbidden", "this professional is not approved")
    assert (await _whoami(app, doctor))["roles"] == []
    # the control: a colleague still approved is past the guard
    assert_error(await _scan(app, colleague), 401, "unauthorized", UNSIGNED)


async def test_a_blocked_professional_is_refused_at_once(app: Harness) -> None:
    pharmacist = await app.professional(roles=["pharmacist"])
    r = await app.operator("POST", f"/operator/professionals/{pharmacist.ps_id}/block")
    assert r.status_code == 200, r.text
    assert_error(await _start_activation(app, pharmacist), 401, "unauthorized")
    assert_error(await _scan(app, pharmacist), 401, "unauthorized")

"""Two devices of one patient against a real server (SQLite and PostgreSQL): stale writes are
refused with 409, not merged silently (issue 9 item 2, P16), and the client does what the
refusal asks (reload the keyring and apply again, or tell the patient). Then a section mask
and item masks stay independent, driven through the CLI (issue 10 item 2).

Device A is the patient's client from activation; device B logs in separately (its own
keyring copy) through a transport that records every answer and can let A act between B's
last read and B's write (``Recorder.race``)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from consent import grant as grant_format
from tests.e2e.conftest import Server
from vault import Dossier, ItemGone, Section, StaleKeyring, StaleRevision, items, seal_item
from vault.errors import NotFound
from web import schemas
from web.client import Api, HttpStore, ProfessionalIdentity, activate, login
from web.client.consent import issue_grant, list_grants, revoke_grant
from web.client.directory import approve
from web.nir import nir_key

PASSPHRASE = "deux appareils, une seule patiente 7"
_WRITE = re.compile(r"^/dossiers/[0-9a-f]{32}/(items(/[0-9a-f]{32})?|rewrap|keyring)$")


def now() -> int:
    return int(time.time())


class Recorder(httpx.AsyncBaseTransport):
    """Device B's transport: every (method, path, status, code); ``race`` runs once, before
    B's next write to its dossier (item, deletion, rewrap, keyring)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.race: Callable[[], Awaitable[object]] | None = None
        self.answers: list[tuple[str, str, int, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.race is not None and request.method != "GET" and _WRITE.match(request.url.path):
            race, self.race = self.race, None
            await race()
        response = await self._inner.handle_async_request(request)
        await response.aread()
        code = ""
        if response.status_code >= 400:
            code = str(json.loads(response.content).get("code", ""))
        self.answers.append((request.method, request.url.path, response.status_code, code))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def refused(self) -> list[tuple[str, str]]:
        """(method, code) of every 409 answer B got."""
        return [(m, c) for m, _, s, c in self.answers if s == 409]


@dataclass
class Patient:
    nir: str
    a: Dossier
    a_api: Api
    b: Dossier
    b_api: Api
    recorder: Recorder

    async def close(self) -> None:
        for api in (self.a_api, self.b_api):
            await api.aclose()


@dataclass
class Cast:
    pharmacist: ProfessionalIdentity
    doctor: ProfessionalIdentity
    pharmacist_session: str


async def _cast(server: Server) -> Cast:
    operator_token = server.operator_token_file.read_text().strip()
    async with Api(server.direct_url, session=operator_token) as operator:
        pros = []
        for ps_id, name, profession, roles in (
                ("810000000091", "Pharmacie des Deux", "pharmacien", ["pharmacist"]),
                ("840000000091", "Dr Claire Dumas", "médecin", [])):
            pro = ProfessionalIdentity.new(ps_id)
            async with Api(server.direct_url) as api:
                await pro.register(api, name=name, profession=profession)
            await approve(operator, ps_id, roles, server.authority())
            pros.append(pro)
    async with Api(server.direct_url) as api:
        session = (await pros[0].login(api)).session
    return Cast(pros[0], pros[1], session)


@pytest.fixture(scope="module")
def cast(server: Server) -> Cast:
    return asyncio.run(_cast(server))


async def _patient(server: Server, cast: Cast, n: int) -> Patient:
    body = f"2910675{n + (0 if server.engine == 'sqlite' else 50):06d}"
    nir = body + nir_key(body)
    async with Api(server.direct_url,
                   session=server.operator_token_file.read_text().strip()) as operator:
        await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
            csv=f"nir,last_name,first_name,birth_date,address,email\n{nir},Roux,Léa,"
                f"1991-06-01,3 rue Basse,\n"), schemas.RegistryLoadResult)
    async with Api(server.direct_url, session=cast.pharmacist_session) as api:
        code = await cast.pharmacist.start_activation(api, nir, "1991-06-01")
    a_api = Api(server.direct_url)
    a, _ = await activate(a_api, nir, code.code, PASSPHRASE, clock=now)
    recorder = Recorder()
    b_api = Api(server.direct_url, transport=recorder)
    b = await login(b_api, nir, PASSPHRASE, clock=now)
    return Patient(nir, a, a_api, b, b_api, recorder)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


async def _send_stale(d: Dossier, version: int, section: Section, item_type: str) -> None:
    """A new item sealed under ``d``'s keyring and sent as it is, based on keyring
    ``version``, without the client's retry: what an older or interrupted client sends."""
    draft = items.draft(section, item_type, "Brouillon", "2025-01-01")
    record = seal_item(items.encode(draft, created_at=now()), dossier_id=d.dossier_id,
                       item_id=secrets.token_hex(16), revision=1, created_at=now(),
                       wrapping=d.ring.current(section), section=section,
                       rng=secrets.token_bytes)
    store = d._store
    assert isinstance(store, HttpStore)
    await store.put_item(record, keyring_version=version, base_revision=None)


# ----------------------------------------------------------------------------- 1. mask vs edit
async def _mask_vs_edit(server: Server, cast: Cast) -> None:
    p = await _patient(server, cast, 1)
    x = await p.a.add("medical_history", "condition", "Dépression", "2022-01-01")
    await p.b.refresh()  # B has seen X; its keyring is A's as it is now
    # The server itself refuses B's write based on the keyring before A's mask:
    p.recorder.race = lambda: p.a.mask(x.item_id)
    edited = await p.b.edit(x.item_id, title="Dépression (suivie)")
    assert p.recorder.refused() == [("POST", "stale_keyring")]  # B's first write: 409
    assert edited.masked and edited.revision == 2
    await p.a.refresh()
    got = await p.a.get(x.item_id)
    assert got.title == "Dépression (suivie)" and got.masked  # masked, with B's edit
    for record in await p.a._store.revisions(p.a.dossier_id, x.item_id):
        assert record.key_ref == p.a.ring.mask_ref  # no revision under a section key
    await p.close()


def test_mask_vs_edit(server: Server, cast: Cast) -> None:
    _run(_mask_vs_edit(server, cast))


# ----------------------------------------------------------------------------- 2. delete vs edit
async def _delete_vs_edit(server: Server, cast: Cast) -> None:
    p = await _patient(server, cast, 2)
    x = await p.a.add("allergies", "allergy", "Latex", "2020-01-01")
    p.recorder.race = lambda: p.a.delete(x.item_id)
    with pytest.raises(ItemGone) as told:
        await p.b.edit(x.item_id, title="Latex (confirmé)")
    assert p.recorder.refused() == [("POST", "item_gone")]
    # What the CLI prints (one line, exit 2, as for every vault error): its own sentence.
    assert (told.value.code, str(told.value)) == ("item_gone",
                                                  "this item was deleted on another device")
    with pytest.raises(NotFound):  # the deleted item did not come back
        await p.a._store.revisions(p.a.dossier_id, x.item_id)
    assert x.item_id not in {i.item_id for i in await p.a.list()}
    # Changed (not deleted) on the other device: refused too, nothing merged.
    y = await p.a.add("allergies", "allergy", "Iode", "2021-01-01")
    p.recorder.race = lambda: p.a.edit(y.item_id, title="Iode (A)")
    with pytest.raises(StaleRevision) as changed:
        await p.b.edit(y.item_id, title="Iode (B)")
    assert p.recorder.refused()[-1] == ("POST", "stale_revision")
    assert str(changed.value) == ("this item was changed on another device; show it again "
                                  "and redo the edit")
    assert [i.title for i in await p.a.history(y.item_id)] == ["Iode", "Iode (A)"]
    await p.close()


def test_delete_vs_edit(server: Server, cast: Cast) -> None:
    _run(_delete_vs_edit(server, cast))


# ----------------------------------------------------------------------------- 3. masked section
async def _add_to_masked_section(server: Server, cast: Cast) -> None:
    p = await _patient(server, cast, 3)

    async def mask_section() -> None:
        await p.a.mask_section("personal_notes")
    # Driven directly: B's write based on the keyring from before A's section mask, under
    # the section's key (unmasked): the server refuses it.
    stale = p.b._ring_version
    await mask_section()
    with pytest.raises(StaleKeyring):
        await _send_stale(p.b, stale, Section.PERSONAL_NOTES, "note")
    assert p.recorder.refused() == [("POST", "stale_keyring")]
    # Through the client: refused once, applied again from the fresh keyring, masked.
    await p.a.unmask_section("personal_notes")
    await p.b.refresh()
    p.recorder.race = mask_section
    added = await p.b.add("personal_notes", "note", "Journal intime", "2025-01-01")
    assert p.recorder.refused()[-1] == ("POST", "stale_keyring")
    assert added.masked
    assert p.recorder.refused().count(("POST", "stale_keyring")) == 2
    await p.a.refresh()
    (record,) = await p.a._store.revisions(p.a.dossier_id, added.item_id)
    assert record.key_ref == p.a.ring.mask_ref
    assert len(await p.a.list("personal_notes")) == 1  # the refused writes left nothing
    await p.close()


def test_stale_add_to_a_section_masked_meanwhile(server: Server, cast: Cast) -> None:
    _run(_add_to_masked_section(server, cast))


# ----------------------------------------------------------------------------- 4. rotation
async def _write_after_rotation(server: Server, cast: Cast) -> None:
    p = await _patient(server, cast, 4)
    await p.a.add("allergies", "allergy", "Arachide", "2019-01-01")
    issued = await issue_grant(p.a, p.a_api, cast.doctor.ps_id, ["allergies"], seconds=3600,
                               now=now(), authority_public=server.authority().verify_key.encode())
    (info,) = [g for g in await list_grants(p.a, p.a_api) if g.grant_id == issued.grant_id]
    carried = set(grant_format.SignedGrant.decode(info.grant).core.key_refs)
    await p.b.refresh()  # B now holds the keyring the grant was issued from
    stale = p.b._ring_version
    # A revokes: the server marks the grant, A rotates the section (one keyring write).
    await revoke_grant(p.a, p.a_api, issued.grant_id)
    assert p.a.ring.current(Section.ALLERGIES).ref not in carried
    # B, stale, writes under the key the revoked grant carried: the server refuses it.
    assert p.b.ring.current(Section.ALLERGIES).ref in carried
    with pytest.raises(StaleKeyring):
        await _send_stale(p.b, stale, Section.ALLERGIES, "allergy")
    assert p.recorder.refused() == [("POST", "stale_keyring")]
    # Through the client: B's first write based on its old keyring (its before-write
    # grant sync's keyring write, or the item itself) is refused; B reloads, writes again.
    added = await p.b.add("allergies", "allergy", "Pollen", "2025-01-01")
    assert len(p.recorder.refused()) >= 2
    assert {c for _, c in p.recorder.refused()} == {"stale_keyring"}
    await p.a.refresh()
    (record,) = await p.a._store.revisions(p.a.dossier_id, added.item_id)
    assert record.key_ref not in carried
    assert record.key_ref == p.a.ring.current(Section.ALLERGIES).ref
    await p.close()


def test_stale_write_after_a_rotation(server: Server, cast: Cast) -> None:
    _run(_write_after_rotation(server, cast))


# ----------------------------------------------------------------------------- issue 10.2, CLI
def _cli_pro(server: Server, ps_id: str, home: str, roles: list[str]) -> dict[str, str]:
    env = {"CARNET_PASSPHRASE": f"phrase secrète de {ps_id} 42"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", f"Dr {ps_id[-2:]}",
                    "--profession", "médecin", home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def test_unmasking_a_section_keeps_an_item_mask_by_cli(server: Server, tmp_path: Path) -> None:
    body = f"2910676{5 if server.engine == 'sqlite' else 6:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Blanc,Élise,1991-06-01,1 rue Haute,\n")
    server.operator("load-registry", str(csv_path))
    ph = _cli_pro(server, "810000000092", "ph92", ["pharmacist"])
    doc = _cli_pro(server, "840000000092", "doc92", [])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1991-06-01", home="ph92", env=ph)["code"]
    pat = {"CARNET_PASSPHRASE": PASSPHRASE}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="elise", env=pat)
    own = server.cli_json("patient", "add", "medical_history", "condition", "Hépatite C",
                          "--date", "2020-01-01", home="elise", env=pat)["item_id"]
    server.cli_json("patient", "add", "medical_history", "condition", "Asthme", "--date",
                    "2018-01-01", home="elise", env=pat)
    server.cli_json("patient", "mask", own, home="elise", env=pat)
    server.cli_json("patient", "mask", "--section", "medical_history", home="elise", env=pat)
    undone = server.cli_json("patient", "unmask", "--section", "medical_history",
                             home="elise", env=pat)
    assert undone["items"] == 1  # Asthme only
    listed = server.cli_json("patient", "list", home="elise", env=pat)["items"]
    masked = {i["title"]: i["masked"] for i in listed}
    assert masked["Hépatite C"] and not masked["Asthme"]

    granted = server.cli_json("patient", "grant", "--to", "840000000092", "--section",
                              "medical_history", "--duration", "30d", "--yes",
                              home="elise", env=pat)
    seen = server.cli_json("pro", "scan", "--text", granted["token"], home="doc92", env=doc)
    titles = {i["title"] for i in seen["items"]}
    assert "Asthme" in titles and "Hépatite C" not in titles

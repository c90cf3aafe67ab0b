"""Consent end to end against a real server (SQLite and PostgreSQL), through the Python
client: named recipient (P3), patient signature (P4), expiry and revocation with rotation
(P5), masked items never reachable, and a verifiable history (P6)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Any

import pytest

from consent import audit, grant, qr, token
from consent.errors import ConsentError
from tests.e2e.conftest import Server
from tests.e2e.db import query
from vault import unwrap_item_key
from vault.crypto import system_random
from vault.dossier import Dossier
from vault.errors import DecryptionFailed
from vault.keyring import KeyLookup
from vault.sections import Section
from web import schemas
from web.client import Api, ApiError, ProfessionalIdentity, activate, login
from web.client.consent import issue_grant, revoke_grant, scan, verified_history
from web.client.directory import approve
from web.nir import nir_key
from web.server import atrest


def now() -> int:
    return int(time.time())


@dataclass
class World:
    server: Server
    dossier: Dossier
    patient_api: Api
    doctor: ProfessionalIdentity
    other: ProfessionalIdentity
    pharmacist: ProfessionalIdentity | None = None


async def _pro(server: Server, operator: Api, ps_id: str, role: list[str]) -> ProfessionalIdentity:
    pro = ProfessionalIdentity.new(ps_id)
    async with Api(server.direct_url) as api:
        await pro.register(api, name=f"Dr {ps_id[-3:]}", profession="médecin")
    await approve(operator, ps_id, role, server.authority())
    return pro


async def _world(server: Server, n: int, email: str = "") -> World:
    body = f"1700575{n:06d}"
    nir = body + nir_key(body)
    operator = Api(server.direct_url, session=server.operator_token_file.read_text().strip())
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
        csv=f"nir,last_name,first_name,birth_date,address,email\n{nir},Roux,Léa,1970-05-01,"
            f"1 place Bellecour,{email}\n"), schemas.RegistryLoadResult)
    pharmacist = await _pro(server, operator, f"8100000{n:05d}", ["pharmacist"])
    doctor = await _pro(server, operator, f"8200000{n:05d}", [])
    other = await _pro(server, operator, f"8300000{n:05d}", [])
    await operator.aclose()
    async with Api(server.direct_url) as api:
        await pharmacist.login(api)
        code = await pharmacist.start_activation(api, nir, "1970-05-01")
    patient_api = Api(server.direct_url)
    dossier, _ = await activate(patient_api, nir, code.code, "patient passphrase",
                                clock=now)
    return World(server, dossier, patient_api, doctor, other, pharmacist)


async def _scan(w: World, who: ProfessionalIdentity, text: str) -> Any:
    async with Api(w.server.direct_url) as api:
        await who.login(api)
        return await scan(api, who, text, now=now())


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _consent_story(server: Server) -> None:
    w = await _world(server, 1 if server.engine == "sqlite" else 2)
    d = w.dossier
    seen = await d.add("allergies", "allergy", "Pénicilline", "2024-03-01", {"grade": 3})
    hidden = await d.add("allergies", "allergy", "Latex (privé)", "2024-03-02")
    await d.mask(hidden.item_id)
    other = await d.add("medical_history", "condition", "Asthme", "2010-01-01")
    authority = w.server.authority().verify_key.encode()
    issued = await issue_grant(d, w.patient_api, w.doctor.ps_id,
                               ["allergies", "current_treatments"], seconds=3600, now=now(),
                               authority_public=authority)
    text = issued.text
    assert qr.qr_version(text) <= qr.MAX_VERSION
    assert qr.read_token(qr.render_png(text)) == issued.token

    # The named professional sees exactly the granted, unmasked items.
    got = await _scan(w, w.doctor, text)
    assert [i.item_id for i in got.items] == [seen.item_id]
    assert got.items[0].title == "Pénicilline"
    assert hidden.item_id not in {i.item_id for i in got.items}
    assert other.item_id not in {i.item_id for i in got.items}

    # P4: a grant the server invents (here: one whose patient signature it altered) fails the
    # professional's own check, whatever the server says.
    pg = w.server.engine == "postgres"
    rows = await query(w.server, "SELECT blob FROM carnet_grant WHERE grant_id = "
                       + ("$1" if pg else "?"), issued.grant_id)
    original = bytes(rows[0][0])
    # The server holds the grant sealed at rest under the dossier's store key (its key store),
    # so a server forging one reseals it.
    store_key = (w.server.data_dir / "keys" / f"{d.dossier_id}.key").read_bytes()
    held = atrest.open_(store_key, d.dossier_id, "grant", issued.grant_id, original)
    forged_grant = atrest.seal(store_key, d.dossier_id, "grant", issued.grant_id,
                               held[:-1] + bytes([held[-1] ^ 1]), system_random)
    await query(w.server, "UPDATE carnet_grant SET blob = " + ("$1::bytea WHERE grant_id = $2"
                if pg else "? WHERE grant_id = ?"), forged_grant, issued.grant_id)
    with pytest.raises(ConsentError):
        await _scan(w, w.doctor, text)
    await query(w.server, "UPDATE carnet_grant SET blob = " + ("$1::bytea WHERE grant_id = $2"
                if pg else "? WHERE grant_id = ?"), original, issued.grant_id)

    # P3: another professional is refused, and cannot open the sealed grant either.
    with pytest.raises(ApiError) as refused:
        await _scan(w, w.other, text)
    assert refused.value.status == 403 and refused.value.code == "wrong_recipient"
    grants = (await w.patient_api.get(f"/dossiers/{d.dossier_id}/grants", schemas.GrantList)).grants
    signed = grant.SignedGrant.decode(grants[0].grant)
    with pytest.raises(ConsentError):
        grant.open_keys(signed, w.other.box_secret)

    # P4: a widened section mask, a later expiry or another recipient, not re-signed: refused.
    tok = token.decode(issued.token)
    for claims in (replace(tok.claims, sections=frozenset(Section)),
                   replace(tok.claims, expires_at=tok.claims.expires_at + 86400),
                   replace(tok.claims, recipient_fpr=bytes(16))):
        forged = token.Token(claims=claims, signature=tok.signature)
        with pytest.raises(ApiError) as bad:
            await _scan(w, w.doctor, token.to_text(forged.data))
        assert bad.value.status in (400, 403)

    # P5: revocation -> refused; the next write rotates the section key.
    keys_before = grant.open_keys(signed, w.doctor.box_secret)
    await revoke_grant(d, w.patient_api, issued.grant_id)
    with pytest.raises(ApiError) as revoked:
        await _scan(w, w.doctor, text)
    assert revoked.value.code == "token_revoked"
    later = await d.add("allergies", "allergy", "Arachide", "2025-06-01")
    (record,) = await d._store.revisions(d.dossier_id, later.item_id)
    assert keys_before.get(record.key_ref) is None
    for ref in keys_before.refs:
        lookup = KeyLookup(ref, keys_before.get(ref) or b"", Section.ALLERGIES)
        with pytest.raises(DecryptionFailed):
            unwrap_item_key(record, lookup, Section.ALLERGIES)

    # Expiry: a token past its end is refused.
    short = await issue_grant(d, w.patient_api, w.doctor.ps_id, ["allergies"], seconds=2,
                              now=now(), authority_public=authority)
    await asyncio.sleep(3)
    with pytest.raises(ApiError) as expired:
        await _scan(w, w.doctor, short.text)
    assert expired.value.status in (401, 403)

    # P6: the history shows the grant, the scan (with the doctor's signed request) and the
    # revocation, and verifies.
    events, head, key = await verified_history(d, w.patient_api, server_public=None,
                                               last_seen=None)
    kinds = [e.kind for e in events if e.kind != "item_added"]  # the patient's items aside
    assert kinds[:1] == ["grant_issued"] and "token_scanned" in kinds and "grant_revoked" in kinds
    assert "token_refused" in kinds  # the revoked and expired tokens presented above
    scanned = next(e for e in events if e.kind == "token_scanned")
    assert scanned.actor == f"ps:{w.doctor.ps_id}" and scanned.signed_request
    # The server (or a dump's editor) swaps the doctor's key for its own: the entry no longer
    # carries the authority's countersignature, so the patient's client refuses to seal to it.
    pg = w.server.engine == "postgres"
    await query(w.server, "UPDATE carnet_professional SET box_public = "
                + ("$1::bytea WHERE ps_id = $2" if pg else "? WHERE ps_id = ?"),
                bytes(32), w.doctor.ps_id)
    with pytest.raises(ConsentError) as untrusted:
        await issue_grant(d, w.patient_api, w.doctor.ps_id, ["allergies"], seconds=60,
                          now=now(), authority_public=authority)
    assert untrusted.value.code == "untrusted_directory_entry"
    await w.patient_api.aclose()
    await _tamper_history(w, d, head, key)


async def _tamper_history(w: World, d: Dossier, head: audit.ChainHead, key: bytes) -> None:
    """Rewriting, deleting or truncating rows in the database is caught by the client."""
    async def check() -> None:
        async with Api(w.server.direct_url) as api:
            again = await login(api, _nir_of(w), "patient passphrase", clock=now)
            await verified_history(again, api, server_public=key, last_seen=head)

    await check()  # untouched: it verifies
    pg = w.server.engine == "postgres"
    p = "$1" if pg else "?"
    b1, p2 = ("$1::bytea", "$2") if pg else ("?", "?")
    rows = await query(w.server, f"SELECT seq, blob FROM carnet_audit WHERE dossier_id = {p} "
                                 "ORDER BY seq", d.dossier_id)
    original = {int(r[0]): bytes(r[1]) for r in rows}
    store_key = (w.server.data_dir / "keys" / f"{d.dossier_id}.key").read_bytes()
    edits = [
        (f"UPDATE carnet_audit SET blob = {b1} WHERE dossier_id = {p2} AND seq = 1",
         [original[1][:-1] + bytes([original[1][-1] ^ 1]), d.dossier_id]),  # rewritten
        (f"DELETE FROM carnet_audit WHERE dossier_id = {p} AND seq = 1", [d.dossier_id]),
        (f"DELETE FROM carnet_audit WHERE dossier_id = {p} AND seq >= 1", [d.dossier_id]),
    ]
    for sql, args in edits:
        await query(w.server, sql, *args)
        with pytest.raises(ConsentError):
            await check()
        # put the original rows back for the next tampering
        await query(w.server, f"DELETE FROM carnet_audit WHERE dossier_id = {p}", d.dossier_id)
        for seq, blob in original.items():
            events = [audit.decode_event(atrest.open_(store_key, d.dossier_id, "audit", "", b))
                      for _, b in sorted(original.items())]  # sealed at rest (P8)
            h: audit.ChainHead | None = None
            for e in events[:seq + 1]:
                h = audit.append(h, e)
            assert h is not None
            sql_insert = ("INSERT INTO carnet_audit (dossier_id, seq, blob, hash) VALUES "
                          + ("($1, $2, $3::bytea, $4::bytea)" if pg else "(?, ?, ?, ?)"))
            await query(w.server, sql_insert, d.dossier_id, seq, blob, h.hash)
        await check()


def test_consent_end_to_end(server: Server) -> None:
    run(_consent_story(server))


def _nir_of(w: World) -> str:
    body = f"1700575{1 if w.server.engine == 'sqlite' else 2:06d}"
    return body + nir_key(body)

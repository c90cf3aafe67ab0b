"""The scan benchmark's fixture: patients with 20-item dossiers, each with a grant (4
sections, read) to a professional of their own, made through the real client and server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import msgspec
import nacl.signing

from scripts.benchmarks.scanload import Scanner
from scripts.benchmarks.serverproc import dev_keys_of
from vault.sections import Section
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import issue_grant, scan
from web.client.directory import approve
from web.nir import nir_key

SECTIONS = (Section.ALLERGIES, Section.CURRENT_TREATMENTS, Section.EXAM_RESULTS,
            Section.MEDICAL_HISTORY)
CONSULTATION = 4 * 3600
PASSPHRASE = "bench passphrase 2026"  # noqa: S105 (benchmark data)
PER_ADDRESS = 8  # registrations/activations from one loopback address (server allows 10/20)


def _nir(i: int) -> str:
    body = f"1850575{200000 + i:06d}"
    return body + nir_key(body)


def _from(i: int) -> httpx.AsyncHTTPTransport:
    """A transport bound to a loopback source address of its own every PER_ADDRESS uses: the
    server limits registrations and activations per client address."""
    return httpx.AsyncHTTPTransport(local_address=f"127.0.{1 + i // (PER_ADDRESS * 250)}."
                                                  f"{2 + i // PER_ADDRESS % 250}")


async def _professional(url: str, operator: Api, authority: nacl.signing.SigningKey, i: int,
                        roles: list[str]) -> tuple[ProfessionalIdentity, Api]:
    """Register, have the operator countersign (directory authority) and approve, log in."""
    ps_id = f"8{200000000 + i:011d}"
    pro = ProfessionalIdentity.new(ps_id)
    api = Api(url, transport=_from(i))
    await pro.register(api, name=f"Dr Banc {i}", profession="médecin")
    await approve(operator, ps_id, roles, authority)
    await pro.login(api)
    return pro, api


async def fixture(url: str, operator_token: str, data_dir: Path,
                   count: int) -> list[Scanner]:
    """``count`` patients, each with a dossier of 20 items and a grant (4 sections, read) to a
    professional of their own; returns each professional's session and token text."""
    operator = Api(url, session=operator_token)
    csv = "nir,last_name,first_name,birth_date,address,email\n" + "".join(
        f"{_nir(i)},Banc,Patient{i},1985-05-01,1 rue du Banc,\n" for i in range(count))
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(csv=csv),
                        schemas.RegistryLoadResult)
    # The development directory authority key (the operator's, beside the data dir).
    authority = nacl.signing.SigningKey(
        bytes.fromhex((dev_keys_of(data_dir) / "authority.key").read_text().strip()))
    pinned = authority.verify_key.encode()
    pharmacist, pharmacy_api = await _professional(url, operator, authority, 10_000,
                                                   ["pharmacist"])
    scanners: list[Scanner] = []
    for i in range(count):
        doctor, doctor_api = await _professional(url, operator, authority, i, [])
        code = await pharmacist.start_activation(pharmacy_api, _nir(i), "1985-05-01")
        patient_api = Api(url, transport=_from(i))
        dossier, _ = await activate(patient_api, _nir(i), code.code, PASSPHRASE,
                                    clock=lambda: int(time.time()))
        for k in range(4):
            await dossier.add("allergies", "allergy", f"Allergie {k}", "2024-03-01",
                              {"grade": k, "text": "réaction cutanée " * 4})
            await dossier.add("medical_history", "condition", f"Antécédent {k}", "2010-01-01",
                              {"text": "antécédent " * 10})
        for k in range(6):
            await dossier.add("current_treatments", "medication", f"Traitement {k}",
                              "2025-01-01", {"dose": "1 cp matin et soir", "text": "x" * 80})
            await dossier.add("exam_results", "lab_result", f"Bilan {k}", "2025-02-01",
                              {"text": "résultat " * 20, "value": k})
        issued = await issue_grant(dossier, patient_api, doctor.ps_id, SECTIONS,
                                   seconds=CONSULTATION, authority_public=pinned,
                                   now=int(time.time()))
        await patient_api.aclose()
        if i == 0:  # the whole path once, through the client: the patient's 20 items open
            got = await scan(doctor_api, doctor, issued.text, now=int(time.time()))
            if len(got.items) != 20:
                raise RuntimeError(f"the scan opened {len(got.items)} items, not 20")
        if doctor_api.session is None:
            raise RuntimeError("the professional has no session")
        body = msgspec.json.encode(schemas.ScanRequest(token=issued.text))
        scanners.append(Scanner(doctor, doctor_api.session, issued.text, body))
        await doctor_api.aclose()
    await pharmacy_api.aclose()
    await operator.aclose()
    return scanners

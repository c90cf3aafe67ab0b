"""What ``scripts/bench perf`` measures against: a Carnet server process (one worker, or N
when ``serve`` takes ``--workers``) whose resident memory can be read, the scan fixture
(patients with 20-item dossiers, each granting several professionals), and a Synthea patient
(one bundle imported through the real client) with a grant of every section."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nacl.signing

from scripts.benchmarks.scanfixture import (
    CONSULTATION,
    PASSPHRASE,
    SECTIONS,
    _from,
    _nir,
    _professional,
)
from scripts.benchmarks.scanload import Scanner
from scripts.benchmarks.serverproc import REPO, dev_keys_of, free_port, wait_ready
from vault import Dossier
from vault.sections import Section
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import issue_grant
from web.client.fhir import import_files, prepare

SYNTHEA = REPO.parent / "shared" / "data" / "fhir" / "synthea"
SYNTHEA_BUNDLE = "Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json.gz"


@dataclass
class Server:
    url: str
    operator_token: str
    process: subprocess.Popen[bytes]

    def rss_mib(self) -> float:
        """VmRSS of the server process and of its children (uvicorn's workers), in MiB."""
        return sum(_vm_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024


def _vm_rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _tree(pid: int) -> list[int]:
    found = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += _tree(int(child))
    return found


def serve_takes_workers() -> bool:
    shown = subprocess.run([sys.executable, "-m", "web.server", "serve", "--help"], cwd=REPO,
                           capture_output=True, text=True, check=False)
    return "--workers" in shown.stdout


@contextlib.contextmanager
def carnet(data_dir: Path, *, workers: int = 1, prepared: str | None = None) -> Iterator[Server]:
    """Init and migrate (unless ``prepared``, the operator token of a data dir already set
    up), then ``python -m web.server serve``; yields the running server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    token = prepared or secrets.token_urlsafe(24)
    env.update(CARNET_DATABASE_URL=f"sqlite:///{data_dir / 'carnet.sqlite'}",
               CARNET_DATA_DIR=str(data_dir), CARNET_OPERATOR_TOKEN=token,
               CARNET_DEV_KEYS_DIR=str(dev_keys_of(data_dir)))
    secret = data_dir / "bench-secret"
    if prepared is None:
        secret.write_text(secrets.token_urlsafe(32))
    env["CARNET_SECRET_KEY"] = secret.read_text()
    for step in ([] if prepared else ["init", "migrate"]):
        subprocess.run([sys.executable, "-m", "web.server", step], cwd=REPO, env=env,
                       check=True, capture_output=True)
    port = free_port()
    extra = ["--workers", str(workers)] if workers > 1 else []
    if workers > 1:  # its rate limits in Redis: under a prefix of this run's own
        env["CARNET_REDIS_PREFIX"] = f"carnet:bench-perf:{secrets.token_hex(6)}:"
    with (data_dir / f"server-{workers}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port), *extra],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/health", process)
        yield Server(url, token, process)
    finally:
        process.terminate()
        process.wait(timeout=15)


async def _dossier(url: str, i: int, pharmacist: ProfessionalIdentity,
                   pharmacy_api: Api) -> tuple[Dossier, Api]:
    code = await pharmacist.start_activation(pharmacy_api, _nir(i), "1985-05-01")
    api = Api(url, transport=_from(i))
    dossier, _ = await activate(api, _nir(i), code.code, PASSPHRASE,
                                clock=lambda: int(time.time()))
    return dossier, api


async def _twenty_items(dossier: Dossier) -> None:
    """The scan fixture's dossier (scanfixture.py): 20 items in the 4 granted sections."""
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


@dataclass
class Synthea:
    doctor: ProfessionalIdentity
    doctor_api: Api
    text: str
    dossier: Dossier
    patient_api: Api


@dataclass
class World:
    scanners: list[Scanner]
    synthea: Synthea


async def build(server: Server, data_dir: Path, patients: int, per_patient: int) -> World:
    """``patients`` dossiers of 20 items, each granting (4 sections, read) ``per_patient``
    professionals of their own; plus the Synthea patient."""
    url = server.url
    operator = Api(url, session=server.operator_token)
    csv = "nir,last_name,first_name,birth_date,address,email\n" + "".join(
        f"{_nir(i)},Banc,Patient{i},1985-05-01,1 rue du Banc,\n" for i in range(patients + 1))
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(csv=csv),
                        schemas.RegistryLoadResult)
    authority = nacl.signing.SigningKey(
        bytes.fromhex((dev_keys_of(data_dir) / "authority.key").read_text().strip()))
    pinned = authority.verify_key.encode()
    pharmacist, pharmacy_api = await _professional(url, operator, authority, 10_000,
                                                   ["pharmacist"])
    scanners: list[Scanner] = []
    for p in range(patients):
        dossier, patient_api = await _dossier(url, p, pharmacist, pharmacy_api)
        await _twenty_items(dossier)
        for k in range(per_patient):
            doctor, doctor_api = await _professional(url, operator, authority,
                                                     1000 + p * per_patient + k, [])
            issued = await issue_grant(dossier, patient_api, doctor.ps_id, SECTIONS,
                                       seconds=CONSULTATION, authority_public=pinned,
                                       now=int(time.time()))
            if doctor_api.session is None:
                raise RuntimeError("the professional has no session")
            body = msgspec.json.encode(schemas.ScanRequest(token=issued.text))
            scanners.append(Scanner(doctor, doctor_api.session, issued.text, body))
            await doctor_api.aclose()
        await patient_api.aclose()

    dossier, patient_api = await _dossier(url, patients, pharmacist, pharmacy_api)
    files = [(SYNTHEA_BUNDLE, (SYNTHEA / SYNTHEA_BUNDLE).read_bytes())]
    today = dt.date.today().isoformat()
    await import_files(dossier, files, today=today, prepared=prepare(files, today=today))
    doctor, doctor_api = await _professional(url, operator, authority, 9_000, [])
    held = sorted({Section.parse(i.section) for i in await dossier.list()})
    issued = await issue_grant(dossier, patient_api, doctor.ps_id, held,
                               seconds=CONSULTATION, authority_public=pinned,
                               now=int(time.time()))
    await pharmacy_api.aclose()
    await operator.aclose()
    return World(scanners, Synthea(doctor, doctor_api, issued.text, dossier, patient_api))

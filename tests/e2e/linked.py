"""A real server (SQLite) whose operator set ``CARNET_PUBLIC_URL``, and a patient and a doctor
made through the CLI, for the QR-link and card-printing journeys. What the QR codes hold does
not depend on the database engine, so one engine is enough here."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, RecordingProxy, Server, Smtp, free_port
from tests.support import wait_healthy
from vault.storage import migrate
from web.nir import nir_key
from web.server.provision import provision, provision_dev_keys

PUBLIC_URL = "https://carnet.example.fr"
LINK_HEAD = PUBLIC_URL.upper()  # what every code starts with, then /KIND#digits


@pytest.fixture(scope="module")
async def linked(tmp_path_factory: pytest.TempPathFactory, smtp: Smtp) -> AsyncIterator[Server]:
    data_dir = tmp_path_factory.mktemp("server-linked")
    database_url = f"sqlite:///{data_dir / 'carnet.sqlite'}"
    await migrate(database_url)
    port = free_port()
    token_file = data_dir / "operator.token"
    token_file.write_text(secrets.token_urlsafe(24))
    provision(data_dir)
    dev_keys = tmp_path_factory.mktemp("dev-keys-linked")
    provision_dev_keys(dev_keys)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=database_url, CARNET_DATA_DIR=str(data_dir),
               CARNET_SMTP_HOST="127.0.0.1", CARNET_SMTP_PORT=str(smtp.port),
               CARNET_SECRET_KEY=secrets.token_urlsafe(32), CARNET_DEV_KEYS_DIR=str(dev_keys),
               CARNET_PUBLIC_URL=PUBLIC_URL)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220 (starts a server, does not wait)
            [sys.executable, "-m", "web.server", "serve", "--port", str(port)], cwd=REPO,
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    direct = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(direct, process, log_path)
        proxy = RecordingProxy(port)
        homes = data_dir / "homes"
        homes.mkdir()
        yield Server(engine="sqlite", url=f"http://127.0.0.1:{proxy.port}", direct_url=direct,
                     data_dir=data_dir, database_url=database_url, log_path=log_path,
                     operator_token_file=token_file, proxy=proxy, process=process,
                     homes=homes, dev_keys=dev_keys)
        proxy.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class People:
    patient: dict[str, str]  # the patient's env (passphrase)
    doctor: dict[str, str]
    doctor_id: str
    nir: str


def onboard(server: Server, tmp_path: Path, n: int, *, name: str = "Inès Lefèvre") -> People:
    """A patient (home ``pat{n}``, identity ``name``) activated at a pharmacy (``ph{n}``), and
    an approved doctor (``doc{n}``)."""
    body = f"2850575{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / f"registry{n}.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Lefèvre,Inès,1985-05-01,1 rue Haute,\n")
    server.operator("load-registry", str(csv_path))
    envs = {}
    for ps_id, home, roles in ((f"8100000{n:05d}", f"ph{n}", ["pharmacist"]),
                               (f"8200000{n:05d}", f"doc{n}", [])):
        envs[home] = {"CARNET_PASSPHRASE": f"correct horse battery staple {ps_id}"}
        server.cli_json("pro", "register", "--id", ps_id, "--name", f"Dr Élise {ps_id[-2:]}",
                        "--profession", "médecin", home=home, env=envs[home])
        server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1985-05-01", home=f"ph{n}", env=envs[f"ph{n}"])["code"]
    pat = {"CARNET_PASSPHRASE": f"velvet otter quietly juggles {n} lanterns"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home=f"pat{n}",
                    env=pat)
    if name:
        server.cli_json("patient", "identity", "--name", name, "--birth-date", "1985-05-01",
                        home=f"pat{n}", env=pat)
    server.cli_json("patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                    "2024-03-01", home=f"pat{n}", env=pat)
    return People(patient=pat, doctor=envs[f"doc{n}"], doctor_id=f"8200000{n:05d}", nir=nir)

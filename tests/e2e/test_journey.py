"""The whole journey through the `carnet` CLI against a real server (SQLite and PostgreSQL),
and P1 end to end: no canary, passphrase, recovery code or unwrapped key in the database, the
server's log or any byte a client sent."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, Smtp, activation_code
from tests.vault.test_canary import assert_clean
from vault import open_archive
from web.client import Api, login
from web.nir import nir_key

PASSPHRASE = f"journey passphrase {secrets.token_hex(4)}"


def nir(n: int, sex: str = "2") -> str:
    body = f"{sex}85057512{n:03d}"[:13].ljust(13, "0")
    return body + nir_key(body)


def registry(server: Server) -> dict[str, dict[str, str]]:
    people = {
        "email": {"nir": nir(101), "first": "Alice", "email": f"alice-{server.engine}@example.org"},
        "request": {"nir": nir(102), "first": "Bruno",
                    "email": f"bruno-{server.engine}@example.org"},
        "pharmacy": {"nir": nir(103), "first": "Chloé", "email": ""},
    }
    return people


def registry_for(server: Server, tag: str) -> dict[str, dict[str, str]]:
    """:func:`registry` with e-mail addresses of the calling module's own (``tag``): the SMTP
    collector is shared by the whole session, so another module's e-mail is never read."""
    people = registry(server)
    for p in people.values():
        if p["email"]:
            p["email"] = p["email"].replace("@", f"-{tag}@")
    return people


def load_registry(server: Server, people: dict[str, dict[str, str]]) -> None:
    csv_path = server.data_dir / "registry.csv"
    lines = ["nir,last_name,first_name,birth_date,address,email"]
    for p in people.values():
        lines.append(f'{p["nir"]},Martin,{p["first"]},1985-05-01,"3 rue des Lilas, 69001 Lyon",'
                     f'{p["email"]}')
    csv_path.write_text("\n".join(lines) + "\n")
    result = server.operator("load-registry", str(csv_path))
    assert result["loaded"] + result["updated"] == 3 and result["rejected"] == []


def patient_env(passphrase: str = PASSPHRASE) -> dict[str, str]:
    return {"CARNET_PASSPHRASE": passphrase}


def encodings_of_key(key: bytes) -> list[bytes]:
    return [key, key.hex().encode(), base64.b64encode(key).rstrip(b"="),
            base64.urlsafe_b64encode(key).rstrip(b"=")]


def database_dump(server: Server) -> bytes:
    if server.engine == "sqlite":
        path = Path(server.database_url[len("sqlite:///"):])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    import subprocess
    return subprocess.run([pg_dump, "--no-owner", server.database_url], check=True,
                          capture_output=True, timeout=120).stdout


def test_journey_by_email_with_canaries(server: Server, smtp: Smtp, tmp_path: Path) -> None:
    people = registry(server)
    load_registry(server, people)
    alice = people["email"]
    sent = server.operator("send-codes", "--channel", "email", "--nir", alice["nir"])
    assert sent["sent"] == 1
    code = activation_code(smtp.wait_for(alice["email"], "code d'activation"))

    activated = server.cli_json("patient", "activate", "--nir", alice["nir"], "--code", code,
                                home="alice", env=patient_env())
    recovery = activated["recovery_code"]
    dossier_id = activated["dossier_id"]
    # The code is single use.
    again = server.cli("patient", "activate", "--nir", alice["nir"], "--code", code,
                       home="alice-2", env=patient_env(), check=False)
    assert again.returncode == 2 and "activation" in again.stderr

    canaries = [f"CANARY{secrets.token_hex(10)}" for _ in range(4)]
    attachment = tmp_path / "compte-rendu.pdf"
    attachment.write_bytes(b"%PDF-1.7\n" + canaries[3].encode() * 100)
    env = patient_env()
    a = server.cli_json("patient", "add", "allergies", "allergy", f"Pénicilline {canaries[0]}",
                        "--date", "2024-03-01", "--body",
                        json.dumps({"reaction": canaries[1]}), home="alice", env=env)
    b = server.cli_json("patient", "add", "exam_results", "lab_result", "Bilan sanguin",
                        "--date", "2025-01-10", "--body", json.dumps({"note": canaries[2]}),
                        "--attach", str(attachment), home="alice", env=env)
    server.cli_json("patient", "add", "blood_group", "blood_group", "A+", "--date",
                    "2020-01-01", home="alice", env=env)
    server.cli_json("patient", "mask", b["item_id"], home="alice", env=env)
    listed = server.cli_json("patient", "list", home="alice", env=env)["items"]
    by_id = {i["item_id"]: i for i in listed}
    assert len(listed) == 3
    assert by_id[b["item_id"]]["masked"] and not by_id[a["item_id"]]["masked"]
    assert canaries[0] in by_id[a["item_id"]]["title"]
    saved = tmp_path / "back.pdf"
    server.cli_json("patient", "show", b["item_id"], "--save-attachment", str(saved),
                    home="alice", env=env)
    assert saved.read_bytes() == attachment.read_bytes()

    # The keys the client holds once unlocked: none of them may ever reach the server.
    keys = asyncio.run(_unwrapped_keys(server.direct_url, alice["nir"]))

    archive = tmp_path / "alice.carnet-archive"
    server.cli_json("patient", "export", str(archive), home="alice", env=env)
    closed = server.cli_json("patient", "close", "--yes", home="alice", env=env)
    assert closed["closed"]
    contents = open_archive(archive.read_bytes(), recovery_code=recovery)
    assert {e.item.title for e in contents.entries} >= {f"Pénicilline {canaries[0]}", "A+"}
    # Closed: the login fails, and an e-mail told the patient.
    gone = server.cli("patient", "unlock", home="alice", env=env, check=False)
    assert gone.returncode == 2
    smtp.wait_for(alice["email"], "fermé")

    secrets_ = [*canaries, PASSPHRASE, recovery]
    sent_bytes = server.proxy.captured()
    assert f"/dossiers/{dossier_id}".encode() in sent_bytes  # the proxy did see the traffic
    for where, blob in (("database", database_dump(server)), ("server log", server.log()),
                        ("requests", sent_bytes)):
        assert_clean(blob, secrets_)
        for key in keys:
            for form in encodings_of_key(key):
                assert form not in blob, f"an unwrapped key reached the {where}"


async def _unwrapped_keys(url: str, nir_: str) -> list[bytes]:
    async with Api(url) as api:
        dossier = await login(api, nir_, PASSPHRASE, clock=lambda: 1)
        ring = dossier.ring
        keys = [dossier._master, ring.sign_seed, ring.box_secret, ring.mask_key]
        for section in ring.sections.values():
            keys.extend(section.keys.values())
        return keys


def test_activation_by_nir_request(server: Server, smtp: Smtp) -> None:
    people = registry(server)
    load_registry(server, people)
    bruno = people["request"]
    answers = [server.cli_json("patient", "request-code", "--nir", n, "--birth-date", d)
               for n, d in ((bruno["nir"], "1985-05-01"), (nir(199), "1985-05-01"),
                            (bruno["nir"], "1990-01-01"))]
    assert answers[0] == answers[1] == answers[2]  # no enumeration
    code = activation_code(smtp.wait_for(bruno["email"], "code d'activation"))
    server.cli_json("patient", "activate", "--nir", bruno["nir"], "--code", code, home="bruno",
                    env=patient_env())
    unlocked = server.cli_json("patient", "unlock", home="bruno", env=patient_env())
    assert unlocked["items"] == 0
    bad = server.cli("patient", "request-code", "--nir", bruno["nir"][:-1] + "0",
                     "--birth-date", "1985-05-01", check=False)
    assert bad.returncode == 2


def test_activation_at_pharmacy_and_recovery(server: Server, tmp_path: Path) -> None:
    people = registry(server)
    load_registry(server, people)
    chloe = people["pharmacy"]
    pro_env = {"CARNET_PASSPHRASE": "pharmacist secret passphrase"}
    ps_id = "810000000007"
    registered = server.cli_json("pro", "register", "--id", ps_id, "--name", "Pharmacie Lilas",
                                 "--profession", "pharmacien", "--city", "Lyon",
                                 home="pharmacist", env=pro_env)
    assert registered["status"] == "pending"
    refused = server.cli("pharmacist", "start-activation", "--nir", chloe["nir"],
                         "--birth-date", "1985-05-01", home="pharmacist", env=pro_env,
                         check=False)
    assert refused.returncode == 2  # not approved yet
    server.operator("approve", ps_id, "--role", "pharmacist")
    printed: dict[str, Any] = server.cli_json("pharmacist", "start-activation", "--nir",
                                              chloe["nir"], "--birth-date", "1985-05-01",
                                              home="pharmacist", env=pro_env)
    activated = server.cli_json("patient", "activate", "--nir", chloe["nir"], "--code",
                                printed["code"], home="chloe", env=patient_env())
    server.cli_json("patient", "add", "current_treatments", "medication", "Metformine 500",
                    "--date", "2025-02-01", home="chloe", env=patient_env())
    # Lost passphrase: the recovery code sets a new one; the old one stops working.
    code_file = tmp_path / "code.txt"
    code_file.write_text(activated["recovery_code"])
    server.cli_json("patient", "recover", "--nir", chloe["nir"], "--recovery-code-file",
                    str(code_file), home="chloe-new",
                    env={"CARNET_NEW_PASSPHRASE": "a brand new passphrase"})
    assert server.cli_json("patient", "unlock", home="chloe-new",
                           env={"CARNET_PASSPHRASE": "a brand new passphrase"})["items"] == 1
    old = server.cli("patient", "unlock", "--nir", chloe["nir"], home="chloe",
                     env=patient_env(), check=False)
    assert old.returncode == 2

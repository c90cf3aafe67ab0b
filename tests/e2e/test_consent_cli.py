"""Consent through the `carnet` CLI, as a patient and professionals would drive it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, Server
from tests.e2e.db import query
from web.nir import nir_key

QR_DATA = REPO.parent / "shared" / "data" / "qr"


def _nir(server: Server) -> str:
    body = f"2800575{7 if server.engine == 'sqlite' else 8:06d}"
    return body + nir_key(body)


def _pro(server: Server, ps_id: str, home: str, roles: list[str]) -> dict[str, str]:
    env = {"CARNET_PASSPHRASE": f"secret of {ps_id}"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", f"Dr {ps_id[-2:]}",
                    "--profession", "médecin", home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def test_grant_scan_revoke_history_by_cli(server: Server, tmp_path: Path) -> None:
    nir = _nir(server)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Petit,Inès,1980-05-01,1 rue Haute,\n")
    server.operator("load-registry", str(csv_path))
    ph = _pro(server, "810000000055", "ph", ["pharmacist"])
    doc = _pro(server, "820000000055", "doc", [])
    other = _pro(server, "830000000055", "other", [])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1980-05-01", home="ph", env=ph)["code"]
    pat = {"CARNET_PASSPHRASE": "ines passphrase"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="ines", env=pat)
    server.cli_json("patient", "add", "allergies", "allergy", "Iode", "--date", "2023-01-01",
                    home="ines", env=pat)
    secret = server.cli_json("patient", "add", "allergies", "allergy", "Privé", "--date",
                             "2023-01-02", home="ines", env=pat)
    server.cli_json("patient", "mask", secret["item_id"], home="ines", env=pat)

    qr_file = tmp_path / "consent.png"
    granted = server.cli_json("patient", "grant", "--to", "820000000055", "--section",
                              "allergies", "--duration", "30d", "--qr", str(qr_file),
                              home="ines", env=pat)
    assert granted["qr_version"] <= 8 and qr_file.stat().st_size > 0
    seen = server.cli_json("pro", "scan", "--image", str(qr_file), home="doc", env=doc)
    assert [i["title"] for i in seen["items"]] == ["Iode"]  # never the masked one
    wrong = server.cli("pro", "scan", "--text", granted["token"], home="other", env=other,
                       check=False)
    assert wrong.returncode == 2 and "wrong_recipient" in wrong.stderr

    listed = server.cli_json("patient", "grants", home="ines", env=pat)["grants"]
    assert [g["state"] for g in listed] == ["active"]
    server.cli_json("patient", "revoke", granted["grant_id"], home="ines", env=pat)
    refused = server.cli("pro", "scan", "--image", str(qr_file), home="doc", env=doc,
                         check=False)
    assert refused.returncode == 2 and "token_revoked" in refused.stderr

    history = server.cli_json("patient", "history", home="ines", env=pat)
    # The patient's own item events aside (added, masked: their own test), in order:
    # activation left break-glass on (the default); the masking rotated the allergies' key,
    # so the client sealed the break-glass package again; then the consultation, whose
    # revocation rotated that key again (and the package was sealed again).
    shown = [e for e in history["events"] if e["kind"] not in ("item_added", "item_masked")]
    assert [e["kind"] for e in shown] == [
        "break_glass_changed", "break_glass_changed", "grant_issued", "token_scanned",
        "grant_revoked", "break_glass_changed", "token_refused"]
    assert [e["detail"] for e in shown if e["kind"] == "break_glass_changed"] == [
        {"break_glass": "on"}, {"break_glass": "resealed"}, {"break_glass": "resealed"}]
    assert shown[3]["actor"] == shown[6]["actor"] == "ps:820000000055"
    # The log shrinks in the database: this device remembers the head it saw.
    asyncio.run(query(server, f"DELETE FROM carnet_audit WHERE seq = {history['head_seq']} "
                      "AND dossier_id = " + ("$1" if server.engine == "postgres" else "?"),
                      _dossier_of(server, tmp_path)))
    broken = server.cli("patient", "history", home="ines", env=pat, check=False)
    assert broken.returncode == 2 and "does not verify: shrunk" in broken.stderr


def _dossier_of(server: Server, tmp_path: Path) -> str:
    out = server.cli_json("patient", "unlock", home="ines",
                          env={"CARNET_PASSPHRASE": "ines passphrase"})
    return str(out["dossier_id"])


def test_scanning_something_else_says_so(server: Server) -> None:
    if not QR_DATA.is_dir():
        pytest.skip(f"no QR test images at {QR_DATA}")
    images = sorted(p for p in QR_DATA.rglob("*") if p.suffix.lower() in (".png", ".jpg",
                                                                           ".jpeg", ".gif"))
    done = server.cli("pro", "scan", "--image", str(images[0]), home="nobody", check=False)
    assert done.returncode == 2
    assert "not a Carnet consent token" in done.stderr or "qr" in done.stderr.lower()
    text = server.cli("pro", "scan", "--text", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH",
                      home="nobody", check=False)
    assert text.returncode == 2 and "not a Carnet consent token" in text.stderr


def test_grant_to_identity_qr_with_profession_defaults(server: Server, tmp_path: Path) -> None:
    n = 3 if server.engine == "sqlite" else 4
    body = f"2800576{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Noir,Max,1980-05-01,1 rue Haute,\n")
    server.operator("load-registry", str(csv_path))
    ph = _pro(server, f"8100000001{n:02d}", f"ph{n}", ["pharmacist"])
    kine = _pro(server, f"8200000001{n:02d}", f"kine{n}", [])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1980-05-01", home=f"ph{n}", env=ph)["code"]
    pat = {"CARNET_PASSPHRASE": "max passphrase"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="max", env=pat)
    server.cli_json("patient", "add", "current_treatments", "medication", "Doliprane",
                    "--date", "2024-01-01", home="max", env=pat)
    server.cli_json("patient", "add", "medical_history", "condition", "Entorse", "--date",
                    "2024-01-01", home="max", env=pat)
    card = tmp_path / "id.png"
    shown = server.cli_json("pro", "identity-qr", "--out", str(card), home=f"kine{n}", env=kine)
    assert len(shown["fingerprint"]) == 32
    granted = server.cli_json("patient", "grant", "--to-qr", str(card), home="max", env=pat)
    listed = server.cli_json("patient", "grants", home="max", env=pat)["grants"]
    # _pro registers "médecin": the default matrix opens everything but personal notes.
    assert "personal_notes" not in listed[0]["sections"]
    assert "medical_history" in listed[0]["sections"]
    seen = server.cli_json("pro", "scan", "--text", granted["token"], home=f"kine{n}", env=kine)
    assert {i["title"] for i in seen["items"]} == {"Doliprane", "Entorse"}

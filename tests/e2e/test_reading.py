"""What professionals, emergency readers and contacts are shown, driven through the `carnet`
CLI on a real server: whose dossier, what was opened and not, the masking notice, each item's
details, authors in human terms, attachments saved (issue 10, items 1, 3 and 4)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import REPO, Server, engine_independent
from web.nir import nir_key

PASS = {"CARNET_PASSPHRASE": "violet tractor hums under seven lanterns"}
DOC = {"CARNET_PASSPHRASE": "orange kettle sings beside nine harbours"}
PH = {"CARNET_PASSPHRASE": "quiet walrus paints eleven copper bridges"}
# "you" as the author of what the patient wrote (addressing the reader as "you" is fine).
YOU = re.compile(r"\bby you\b|\bauthor\W+you\b|\(you\)", re.IGNORECASE)


def _text(server: Server, *args: str, home: str, env: dict[str, str]) -> str:
    """The command as a person runs it (no --json), in English, on a wide terminal."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CARNET_", "LC_", "LANG"))}
    full.update(env, LANG="en_US.UTF-8", COLUMNS="160")
    done = subprocess.run([sys.executable, "-m", "web.cli", "--server", server.url, "--home",
                           str(server.homes / home), *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


SAMU = {"CARNET_PASSPHRASE": "amber falcon guards twelve silent valleys"}


def _setup(server: Server, tmp_path: Path) -> str:
    n = 21 if server.engine == "sqlite" else 22
    body = f"2800575{n:06d}"
    nir = body + nir_key(body)
    (tmp_path / "r.csv").write_text("nir,last_name,first_name,birth_date,address,email\n"
                                    f"{nir},Petit,Inès,1980-05-01,1 rue Haute,\n")
    server.operator("load-registry", str(tmp_path / "r.csv"))
    server.cli_json("pro", "register", "--id", "810000000071", "--name", "Pharmacie Haute",
                    "--profession", "pharmacien", home="ph", env=PH)
    server.operator("approve", "810000000071", "--role", "pharmacist")
    server.cli_json("pro", "register", "--id", "820000000071", "--name", "Dr Claire Martin",
                    "--profession", "médecin", home="doc", env=DOC)
    server.operator("approve", "820000000071")
    server.cli_json("pro", "register", "--id", "830000000071", "--name", "Dr Paul Samu",
                    "--profession", "médecin", home="samu-doc", env=SAMU)
    server.operator("approve", "830000000071", "--role", "emergency")
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1980-05-01", home="ph", env=PH)["code"]
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, "--name",
                    "Inès Petit", "--birth-date", "1980-05-01", home="ines", env=PASS)
    return nir


def test_what_readers_are_shown(server: Server, tmp_path: Path) -> None:
    engine_independent(server, "the reader's view is built in the client")
    nir = _setup(server, tmp_path)
    add = ("patient", "add")
    allergy = server.cli_json(*add, "allergies", "allergy", "Pénicilline", "--date",
                              "2020-01-01", "--body", '{"reaction": "urticaire géante"}',
                              home="ines", env=PASS)
    server.cli_json(*add, "current_treatments", "medication", "Kardégic", "--date",
                    "2024-01-01", "--body", '{"dosage": "75 mg par jour"}', home="ines",
                    env=PASS)
    scan_pdf = tmp_path / "bilan.pdf"
    scan_pdf.write_bytes(b"%PDF-1.4 bilan " + bytes(range(256)) * 40)
    server.cli_json(*add, "exam_results", "lab_result", "Bilan lipidique", "--date",
                    "2024-02-01", "--attach", str(scan_pdf), home="ines", env=PASS)

    # The only allergy masked: the patient is warned (it is in the emergency summary) ...
    masked = server.cli_json("patient", "mask", allergy["item_id"], home="ines", env=PASS)
    assert "emergency summary" in masked["warning"]
    # ... and a card reader is told the view may be incomplete, never "no known allergy".
    card_file = tmp_path / "card.png"
    made = server.cli_json("patient", "card", "--out", str(card_file), home="ines", env=PASS)
    passcode = {"CARNET_CARD_PASSCODE": made["passcode"]}
    opened = server.cli_json("emergency", "open", "--image", str(card_file), home="samu",
                             env=passcode)
    assert opened["patient"] == {"name": "Inès Petit", "birth_date": "1980-05-01"}
    assert "may_be_incomplete" in {n["code"] for n in opened["notices"]}
    allergies = next(s for s in opened["by_section"] if s["section"] == "allergies")
    assert allergies["items"] == [] and "masked by the patient" in allergies["empty"]
    assert "exam_results" in opened["sections_not_carried"]
    shown = _text(server, "emergency", "open", "--image", str(card_file), home="samu",
                  env=passcode)
    assert "Inès Petit, born 1980-05-01" in shown
    assert "nothing recorded here, or masked by the patient" in shown
    assert "this view may be" in shown and "Dosage: 75 mg par jour" in shown
    assert not YOU.search(shown)
    # Break-glass: the same notices, whose dossier, what the summary leaves out.
    broke = server.cli_json("emergency", "break-glass", "--nir", nir, "--reason",
                            "patiente inconsciente aux urgences", home="samu-doc",
                            env={**SAMU, "CARNET_DEV_KEYS_DIR": str(server.dev_keys)})
    assert broke["kind"] == "break_glass" and broke["patient"]["name"] == "Inès Petit"
    assert "may_be_incomplete" in {n["code"] for n in broke["notices"]}
    assert next(s for s in broke["by_section"] if s["section"] == "allergies")["empty"]

    # A grant without allergies names them as not opened.
    token = tmp_path / "token.txt"
    token.write_text(server.cli_json(
        "patient", "grant", "--to", "820000000071", "--section", "current_treatments",
        "--section", "exam_results", "--yes", home="ines", env=PASS)["token"])
    seen = server.cli_json("pro", "scan", "--text-file", str(token), home="doc", env=DOC)
    assert "allergies" in seen["sections_not_carried"]
    assert seen["patient"]["name"] == "Inès Petit"
    assert any("Allergies" in n["text"] for n in seen["notices"] if n["code"] == "not_carried")
    shown = _text(server, "pro", "scan", "--text-file", str(token), home="doc", env=DOC)
    assert "Not opened by this consent" in shown and "Allergies" in shown
    assert "Dosage: 75 mg par jour" in shown and "by the patient (Inès Petit)" in shown
    assert "Dossier of Inès Petit, born 1980-05-01" in shown and not YOU.search(shown)

    # The attachment, decrypted into a directory, byte for byte; one item with pro show.
    out = tmp_path / "saved"
    got = server.cli_json("pro", "scan", "--text-file", str(token), "--save-attachment",
                          str(out), home="doc", env=DOC)
    assert got["attachments_saved"] == [str(out / "bilan.pdf")]
    assert (out / "bilan.pdf").read_bytes() == scan_pdf.read_bytes()
    assert (out / "bilan.pdf").stat().st_mode & 0o077 == 0
    lab = next(i for i in got["items"] if i["title"] == "Bilan lipidique")
    one = server.cli_json("pro", "show", lab["item_id"], "--text-file", str(token),
                          "--save-attachment", str(tmp_path / "one"), home="doc", env=DOC)
    assert [i["title"] for i in one["items"]] == ["Bilan lipidique"]
    assert (tmp_path / "one" / "bilan.pdf").read_bytes() == scan_pdf.read_bytes()
    refused = server.cli("pro", "show", allergy["item_id"], "--text-file", str(token),
                         home="doc", env=DOC, check=False)
    assert refused.returncode == 2 and "not among what this consent opens" in refused.stderr

    # Unmasked and granted: the doctor reads the reaction; his own item carries his name.
    server.cli_json("patient", "unmask", allergy["item_id"], home="ines", env=PASS)
    full = tmp_path / "full.txt"
    full.write_text(server.cli_json("patient", "grant", "--to", "820000000071", "--write",
                                    "--yes", home="ines", env=PASS)["token"])
    server.cli_json("pro", "add", "--token-file", str(full), "allergies", "allergy", "Latex",
                    "--date", "2024-03-01", "--body", '{"reaction": "eczéma"}', home="doc",
                    env=DOC)
    shown = _text(server, "pro", "scan", "--text-file", str(full), home="doc", env=DOC)
    assert "Reaction: urticaire géante" in shown and "may add items" in shown
    assert "by Dr Claire Martin, médecin" in shown and not YOU.search(shown)
    doc = server.cli_json("pro", "scan", "--text-file", str(full), home="doc", env=DOC)
    labels = {i["title"]: i["author_label"] for i in doc["items"]}
    assert labels["Latex"] == "Dr Claire Martin, médecin"
    assert labels["Pénicilline"] == "the patient (Inès Petit)"
    # The patient's own list still says "you" for what the patient wrote.
    mine = _text(server, "patient", "list", "--section", "allergies", home="ines", env=PASS)
    assert "you" in mine

"""A history people can read and notifications people read (issue 10, items 7 and 8),
driven through the `carnet` CLI on a real server (SQLite and PostgreSQL) with a real SMTP
server: a whole consultation reads as French sentences naming the professional, includes the
patient's own actions, and sends one e-mail; a card that locks is e-mailed, naming it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import REPO, Server, Smtp, body_of
from web.nir import nir_key

PATIENT = {"CARNET_PASSPHRASE": "girafe mauve sous la pluie de novembre 1987"}
FRENCH_MOMENT = re.compile(
    r"^(1er|[1-9]|[12]\d|3[01]) (janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre) \d{4} à \d{1,2} h( \d{2})? — ", re.MULTILINE)


def _nir(server: Server) -> str:
    body = f"2750575{31 if server.engine == 'sqlite' else 32:06d}"
    return body + nir_key(body)


def _pro(server: Server, ps_id: str, name: str, profession: str, home: str,
         roles: list[str]) -> dict[str, str]:
    env = {"CARNET_PASSPHRASE": f"tortue bleue {ps_id} marche lentement vers Lyon"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", name, "--profession",
                    profession, home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def _text(server: Server, *args: str, home: str, env: dict[str, str],
          lang: str = "fr") -> subprocess.CompletedProcess[str]:
    """The CLI as a person runs it: no --json, in ``lang``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    full.update(env)
    cmd = [sys.executable, "-m", "web.cli", "--server", server.url, "--home",
           str(server.homes / home), "--lang", lang, *args]
    return subprocess.run(cmd, cwd=REPO, env=full, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, check=False)


def _consultation_mails(smtp: Smtp, to: str) -> list[str]:
    """What the scans and writes of a grant sent (their bodies say "avec votre accord")."""
    return [b for b in map(body_of, smtp.all_to(to)) if "avec votre accord" in b]


def test_a_consultation_reads_as_sentences_and_sends_one_email(server: Server, smtp: Smtp,
                                                                tmp_path: Path) -> None:
    n = 41 if server.engine == "sqlite" else 42
    email = f"claire-{server.engine}@example.org"
    nir = _nir(server)
    (tmp_path / "r.csv").write_text("nir,last_name,first_name,birth_date,address,email\n"
                                    f"{nir},Moreau,Claire,1975-05-02,3 rue Haute,{email}\n")
    server.operator("load-registry", str(tmp_path / "r.csv"))
    ph = _pro(server, f"8100000001{n}", "Pharmacie des Lilas", "pharmacien", "ph-h",
              ["pharmacist"])
    doctor_id = f"8200000001{n}"
    doc = _pro(server, doctor_id, "Dr Anne Martin", "médecin", "doc-h", [])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1975-05-02", home="ph-h", env=ph)["code"]
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="claire",
                    env=PATIENT)

    # The patient's own actions.
    server.cli_json("patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                    "2020-04-01", home="claire", env=PATIENT)
    private = server.cli_json("patient", "add", "personal_notes", "note", "Note privée",
                              "--date", "2024-01-01", home="claire", env=PATIENT)
    server.cli_json("patient", "mask", private["item_id"], home="claire", env=PATIENT)

    # One consultation: grant, scan, write. One e-mail.
    granted = server.cli_json("patient", "grant", "--to", doctor_id, "--section", "allergies",
                              "--write", "--duration", "consultation", home="claire",
                              env=PATIENT)
    server.cli_json("pro", "scan", "--text", granted["token"], home="doc-h", env=doc)
    written = server.cli_json("pro", "add", "--token", granted["token"], "allergies",
                              "allergy", "Amoxicilline", "--date", "2026-11-30", home="doc-h",
                              env=doc)
    server.cli_json("pro", "scan", "--text", granted["token"], home="doc-h", env=doc)
    first = smtp.wait_for(email, "a ouvert votre dossier")
    assert "Dr Anne Martin (médecin, n° " in body_of(first)
    assert "Cet accord lui permet aussi d'ajouter des documents" in body_of(first)
    time.sleep(2)  # whatever else the server would have sent by now
    assert len(_consultation_mails(smtp, email)) == 1

    # Revoked: the token is refused, and the refusal is in the history.
    server.cli_json("patient", "revoke", granted["grant_id"], home="claire", env=PATIENT)
    refused = server.cli("pro", "scan", "--text", granted["token"], home="doc-h", env=doc,
                         check=False)
    assert refused.returncode == 2 and "token_revoked" in refused.stderr

    # The doctor's document: masked, never deleted by the patient.
    kept = server.cli("patient", "delete", written["item_id"], home="claire", env=PATIENT,
                      check=False)
    assert kept.returncode == 2 and "mask" in kept.stderr

    # A card with a wrong passcode, break-glass off and on.
    card = server.cli_json("patient", "card", "--out", str(tmp_path / "card.png"),
                           home="claire", env=PATIENT)
    wrong = server.cli("emergency", "open", "--image", str(tmp_path / "card.png"),
                       home="anyone", env={"CARNET_CARD_PASSCODE": "00000000"}, check=False)
    assert wrong.returncode == 2
    server.cli_json("patient", "break-glass", "off", home="claire", env=PATIENT)
    server.cli_json("patient", "break-glass", "on", home="claire", env=PATIENT)

    shown = _text(server, "patient", "history", home="claire", env=PATIENT)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    lines = [line for line in text.splitlines() if " — " in line]
    assert lines and all(FRENCH_MOMENT.match(line) for line in lines), text
    doctor = "Dr Anne Martin (médecin"
    for expected in (
            "Vous avez autorisé le bris de glace",
            "Vous avez ajouté « Pénicilline »",
            "Vous avez masqué un élément (« Note privée »)",
            f"Vous avez autorisé {doctor}",
            f"{doctor}) a ouvert votre dossier : allergies",
            f"{doctor}) a ajouté un document à votre dossier",
            f"Vous avez révoqué l'accès de {doctor}",
            f"{doctor}) a présenté un accès que vous aviez révoqué : refusé",
            f"muni de votre carte d'urgence n° {card['card_id'][:8]} a saisi un code erroné",
            "Vous avez refusé le bris de glace."):
        assert expected in text, f"{expected!r} not in:\n{text}"
    for raw in ("mask_changed", "token_scanned", "item_added", "ps:"):
        assert raw not in text  # sentences, not identifiers

    # --json keeps the English identifiers; the sealed title opens only on the device.
    events = server.cli_json("patient", "history", home="claire", env=PATIENT)["events"]
    kinds = [e["kind"] for e in events]
    for kind in ("break_glass_changed", "item_added", "item_masked", "grant_issued",
                 "token_scanned", "item_written", "grant_revoked", "token_refused",
                 "card_issued", "card_used"):
        assert kind in kinds, kinds
    assert "mask_changed" not in kinds
    masked = next(e for e in events if e["kind"] == "item_masked")
    assert masked["actor"] == "patient" and masked["detail"]["what"] == "Note privée"
    patients = {e["kind"] for e in events if e["actor"] == "patient"}
    assert {"item_added", "item_masked", "grant_issued", "grant_revoked",
            "break_glass_changed", "card_issued"} <= patients

    # English on request.
    english = _text(server, "patient", "history", home="claire", env=PATIENT, lang="en")
    assert "You added “Pénicilline”" in english.stdout, english.stdout


def test_a_card_that_locks_is_emailed_naming_it(server: Server, smtp: Smtp,
                                                tmp_path: Path) -> None:
    n = 43 if server.engine == "sqlite" else 44
    email = f"paul-{server.engine}@example.org"
    body = f"1750575{n:06d}"
    nir = body + nir_key(body)
    (tmp_path / "r.csv").write_text("nir,last_name,first_name,birth_date,address,email\n"
                                    f"{nir},Roux,Paul,1975-05-02,2 place Bellecour,{email}\n")
    server.operator("load-registry", str(tmp_path / "r.csv"))
    ph = _pro(server, f"8100000002{n}", "Pharmacie du Pont", "pharmacien", "ph-l",
              ["pharmacist"])
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1975-05-02", home="ph-l", env=ph)["code"]
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="paul",
                    env=PATIENT)
    card = server.cli_json("patient", "card", "--out", str(tmp_path / "card.png"),
                           home="paul", env=PATIENT)
    for attempt in range(5):
        server.cli("emergency", "open", "--image", str(tmp_path / "card.png"), home="thief",
                   env={"CARNET_CARD_PASSCODE": f"0000000{attempt}"}, check=False)
    locked = body_of(smtp.wait_for(email, "est bloquée"))
    assert f"(n° {card['card_id'][:8]})" in locked and "créée le " in locked
    assert "changé(e)" not in locked and "mal saisi cinq fois" in locked
    assert len([m for m in smtp.all_to(email) if "est bloquée" in body_of(m)]) == 1
    shown = _text(server, "patient", "history", home="paul", env=PATIENT)
    assert "la carte est maintenant bloquée" in shown.stdout, shown.stdout

"""Consent is never given blind, and an archive imported into its own dossier adds nothing:
driven through the `carnet` CLI as a patient would, on a real server."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import REPO, Server, engine_independent
from web.nir import nir_key

EN = {"CARNET_LANG": "en"}


def _n(server: Server, base: int) -> int:
    return base + (0 if server.engine == "sqlite" else 1)


def _pro(server: Server, ps_id: str, home: str, name: str, profession: str,
         city: str = "", roles: tuple[str, ...] = ()) -> dict[str, str]:
    env = {**EN, "CARNET_PASSPHRASE": f"tulipe orage marbre cendre {home} 4821"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", name, "--profession",
                    profession, *(("--city", city) if city else ()), home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def _patient(server: Server, tmp_path: Path, n: int, home: str,
             pharmacist: tuple[str, dict[str, str]]) -> dict[str, str]:
    body = f"2850375{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / f"{home}.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Moreau,Lina,1985-03-01,2 rue Basse,\n")
    server.operator("load-registry", str(csv_path))
    ph_home, ph_env = pharmacist
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1985-03-01", home=ph_home, env=ph_env)["code"]
    env = {**EN, "CARNET_PASSPHRASE": f"velo marbre orage {home} tulipe 7391"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home=home, env=env)
    return env


def _text(server: Server, *args: str, home: str, env: dict[str, str],
          stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """``carnet`` as a person runs it: no --json."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "web.cli", "--server", server.url, "--home",
                           str(server.homes / home), *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120, stdin=stdin,
                          check=False)


def _at_terminal(server: Server, *args: str, home: str, env: dict[str, str],
                 answer: bytes) -> subprocess.CompletedProcess[str]:
    """``carnet`` with a terminal for stdin, where the person types ``answer``."""
    master, slave = pty.openpty()
    try:
        os.write(master, answer)
        return _text(server, *args, home=home, env=env, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)


def _shows_the_grant(text: str, expires_at: int) -> None:
    for shown in ("Dr Claire Martin", "Médecin", "Lyon", "allergies", "vaccinations",
                  "yes: they may add items",
                  dt.datetime.fromtimestamp(expires_at).strftime("%Y-%m-%d")):
        assert shown in text, (shown, text)


def test_a_grant_shows_who_what_and_how_long_before_and_after(server: Server,
                                                                tmp_path: Path) -> None:
    engine_independent(server, "what the patient's client shows and refuses")
    n = _n(server, 1)
    ph_id, doc_id = f"8100003000{n:02d}", f"8200003000{n:02d}"
    ph = _pro(server, ph_id, "ph", "Pharmacie Lilas", "pharmacien", "Lyon", ("pharmacist",))
    _pro(server, doc_id, "doc", "Dr Claire Martin", "Médecin", "Lyon")
    pat = _patient(server, tmp_path, 300 + n, "lina", ("ph", ph))
    grant = ("patient", "grant", "--to", doc_id, "--section", "allergies", "--section",
             "vaccinations", "--write", "--duration", "30d")

    # Without a terminal: no question, the summary before (stderr) and after (stdout).
    done = _text(server, *grant, home="lina", env=pat)
    assert done.returncode == 0, done.stderr
    expires_at = int(dt.datetime.now().timestamp()) + 30 * 86400
    assert "You are about to grant" in done.stderr
    _shows_the_grant(done.stderr, expires_at)
    assert "issued" in done.stdout
    _shows_the_grant(done.stdout, expires_at)

    # --json carries the same summary.
    got = server.cli_json(*grant, home="lina", env=pat)
    assert got["recipient"] == {"ps_id": doc_id, "name": "Dr Claire Martin",
                                "profession": "Médecin", "specialty": "", "city": "Lyon"}
    assert got["sections"] == ["allergies", "vaccinations"] and got["write"] is True
    assert got["expires_at"] - got["issued_at"] == 30 * 86400

    # At a terminal the patient is asked; anything but yes issues nothing.
    before = len(server.cli_json("patient", "grants", home="lina", env=pat)["grants"])
    no = _at_terminal(server, *grant, home="lina", env=pat, answer=b"n\n")
    assert no.returncode == 2 and "nothing was issued" in no.stderr
    _shows_the_grant(no.stderr, expires_at)  # shown before the question
    assert len(server.cli_json("patient", "grants", home="lina", env=pat)["grants"]) == before
    yes = _at_terminal(server, *grant, home="lina", env=pat, answer=b"y\n")
    assert yes.returncode == 0 and "Issue this grant?" in yes.stderr, yes.stderr
    skipped = _at_terminal(server, *grant, "--yes", home="lina", env=pat, answer=b"")
    assert skipped.returncode == 0 and "Issue this grant?" not in skipped.stderr
    grants = server.cli_json("patient", "grants", home="lina", env=pat)["grants"]
    assert len(grants) == before + 2


def test_the_profession_is_a_closed_list_and_the_directory_decides(server: Server,
                                                                   tmp_path: Path) -> None:
    engine_independent(server, "what the patient's client shows and refuses")
    n = _n(server, 3)
    ph_id, doc_id, odd_id = (f"81000031{n:04d}", f"82000031{n:04d}", f"83000031{n:04d}")
    ph = _pro(server, ph_id, "ph3", "Pharmacie Iris", "pharmacien", "Nantes", ("pharmacist",))
    _pro(server, doc_id, "doc3", "Dr Hugo Petit", "médecin", "Nantes")
    _pro(server, odd_id, "odd3", "Dr Léa Roux", "Docteur en médecine", "Nantes")
    pat = _patient(server, tmp_path, 310 + n, "noa", ("ph3", ph))

    unknown = server.cli("patient", "grant", "--to", doc_id, "--profession", "docteur",
                         home="noa", env=pat, check=False)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "invalid choice" in unknown.stderr and "medecin" in unknown.stderr
    assert "pharmacien" in unknown.stderr

    # The patient thinks they are granting their pharmacist: the directory says a doctor.
    wrong = server.cli("patient", "grant", "--to", doc_id, "--profession", "pharmacien",
                       home="noa", env=pat, check=False)
    assert wrong.returncode == 2 and "profession_mismatch" in wrong.stdout
    assert "'médecin' in the countersigned directory, not 'pharmacien'" in wrong.stderr
    right = server.cli_json("patient", "grant", "--to", doc_id, "--profession", "Médecin",
                            home="noa", env=pat)
    assert "medical_history" in right["sections"]  # a doctor's defaults, not a pharmacist's

    # A profession the matrix does not know gives no silent defaults: sections are asked for.
    odd = server.cli("patient", "grant", "--to", odd_id, home="noa", env=pat, check=False)
    assert odd.returncode == 2 and "has no default sections" in odd.stderr
    assert "--section" in odd.stderr
    chosen = server.cli_json("patient", "grant", "--to", odd_id, "--section", "allergies",
                             home="noa", env=pat)
    assert chosen["sections"] == ["allergies"]
    listed = server.cli_json("patient", "grants", home="noa", env=pat)["grants"]
    assert len(listed) == 2


def test_a_grant_to_a_blocked_professional_is_refused(server: Server, tmp_path: Path) -> None:
    engine_independent(server, "what the patient's client shows and refuses")
    n = _n(server, 5)
    ph_id, doc_id = f"81000032{n:04d}", f"82000032{n:04d}"
    ph = _pro(server, ph_id, "ph5", "Pharmacie Rose", "pharmacien", "Lille", ("pharmacist",))
    _pro(server, doc_id, "doc5", "Dr Marc Blanc", "médecin", "Lille")
    pat = _patient(server, tmp_path, 320 + n, "eva", ("ph5", ph))
    server.cli_json("patient", "block", doc_id, home="eva", env=pat)
    refused = server.cli("patient", "grant", "--to", doc_id, home="eva", env=pat, check=False)
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["error"]["code"] == "professional_blocked"
    assert f"you blocked Dr Marc Blanc ({doc_id})" in refused.stderr
    assert f"carnet patient unblock {doc_id}" in refused.stderr
    assert server.cli_json("patient", "grants", home="eva", env=pat)["grants"] == []
    server.cli_json("patient", "unblock", doc_id, home="eva", env=pat)
    assert server.cli_json("patient", "grant", "--to", doc_id, home="eva", env=pat)["grant_id"]


def _titles(server: Server, home: str, env: dict[str, str]) -> list[str]:
    items: list[dict[str, Any]] = server.cli_json("patient", "list", home=home, env=env)["items"]
    return sorted(i["title"] for i in items)


def test_importing_an_archive_into_its_own_dossier_adds_nothing(server: Server,
                                                                tmp_path: Path) -> None:
    engine_independent(server, "what the patient's client shows and refuses")
    n = _n(server, 7)
    ph = _pro(server, f"81000033{n:04d}", "ph7", "Pharmacie Lys", "pharmacien", "Metz",
              ("pharmacist",))
    pat = _patient(server, tmp_path, 330 + n, "ana", ("ph7", ph))
    a = server.cli_json("patient", "add", "allergies", "allergy", "Iode", "--date",
                        "2023-01-01", home="ana", env=pat)
    server.cli_json("patient", "edit", a["item_id"], "--title", "Iode (urticaire)",
                    home="ana", env=pat)
    gone = server.cli_json("patient", "add", "vaccinations", "vaccination", "DTP", "--date",
                           "2020-01-01", home="ana", env=pat)
    archive = tmp_path / "ana.carnet-archive"
    server.cli_json("patient", "export", str(archive), home="ana", env=pat)
    before = _titles(server, "ana", pat)

    for _ in range(2):
        again = server.cli_json("patient", "import", str(archive), home="ana", env=pat)
        assert (again["items"], again["revisions"]) == (0, 0)
        assert (again["skipped_items"], again["skipped_revisions"]) == (2, 3)
        assert _titles(server, "ana", pat) == before
    said = _text(server, "patient", "import", str(archive), home="ana", env=pat)
    assert said.returncode == 0 and "skipped 2 items (3 revisions) already in this dossier" \
        in said.stdout

    # What was deleted since the export comes back, and only that.
    server.cli_json("patient", "delete", gone["item_id"], home="ana", env=pat)
    back = server.cli_json("patient", "import", str(archive), home="ana", env=pat)
    assert (back["items"], back["revisions"], back["skipped_items"]) == (1, 1, 1)
    assert _titles(server, "ana", pat) == before

    # Into another dossier, everything is added.
    other = _patient(server, tmp_path, 340 + n, "ben", ("ph7", ph))
    secret = tmp_path / "ana.pass"
    secret.write_text(pat["CARNET_PASSPHRASE"])
    into = server.cli_json("patient", "import", str(archive), "--archive-passphrase-file",
                           str(secret), home="ben", env=other)
    assert (into["items"], into["revisions"], into["skipped_items"]) == (2, 3, 0)
    assert _titles(server, "ben", other) == before

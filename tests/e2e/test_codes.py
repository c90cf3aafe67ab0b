"""Activation codes are not silently replaced, and a deposit does not tell who has a
dossier: driven through the `carnet` CLI (operator, pharmacist, patient, laboratory) on a
real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import REPO, Server, Smtp, activation_code
from web.nir import nir_key

EN = {"CARNET_LANG": "en"}


def _people(server: Server, tmp_path: Path, base: int, count: int) -> list[dict[str, str]]:
    n = base + (0 if server.engine == "sqlite" else 50)
    found = []
    for i in range(count):
        body = f"1860475{n + i:06d}"
        found.append({"nir": body + nir_key(body),
                      "email": f"codes{n + i}.{server.engine}@example.org"})
    csv_path = tmp_path / f"r{base}.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n" + "".join(
        f"{p['nir']},Durand,Paul,1986-04-01,5 rue Haute,{p['email']}\n" for p in found))
    server.operator("load-registry", str(csv_path))
    return found


def _pro(server: Server, ps_id: str, home: str, name: str, profession: str,
         roles: tuple[str, ...] = ()) -> dict[str, str]:
    env = {**EN, "CARNET_PASSPHRASE": f"marbre cendre tulipe orage {home} 5310"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", name, "--profession",
                    profession, home=home, env=env)
    server.operator("approve", ps_id, *[x for r in roles for x in ("--role", r)])
    return env


def _operator_text(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """``carnet operator ...`` as the operator reads it (no --json)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")} | EN
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "--server", server.url, "--home",
         str(server.homes / "operator"), "operator", "--operator-token-file",
         str(server.operator_token_file), *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


def _codes_to(smtp: Smtp, to: str, count: int = 1) -> list[str]:
    """The codes of the e-mails to ``to``, oldest first, once ``count`` have arrived."""
    deadline = time.monotonic() + 20
    while len(smtp.all_to(to)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    found = [activation_code(m) for m in smtp.all_to(to)]
    assert len(found) == count, found
    return found


def _patient_env(name: str) -> dict[str, str]:
    return {**EN, "CARNET_PASSPHRASE": f"orage velo marbre {name} cendre 2718"}


def test_send_codes_keeps_the_live_code_and_resend_replaces_it(server: Server, smtp: Smtp,
                                                               tmp_path: Path) -> None:
    [paul] = _people(server, tmp_path, 100, 1)
    sent = server.operator("send-codes", "--channel", "email", "--nir", paul["nir"])
    assert (sent["sent"], sent["kept"], sent["replaced"]) == (1, 0, 0)
    [first] = _codes_to(smtp, paul["email"])

    again = _operator_text(server, "send-codes", "--channel", "email", "--nir", paul["nir"])
    assert again.returncode == 0, again.stderr
    assert "codes sent by email: 0" in again.stdout
    assert "kept (a code sent earlier is still valid; --resend replaces it): 1" in again.stdout
    assert len(smtp.all_to(paul["email"])) == 1  # nothing sent: the letter in hand still works

    resent = _operator_text(server, "send-codes", "--channel", "email", "--nir", paul["nir"],
                            "--resend")
    assert resent.returncode == 0, resent.stderr
    assert "codes sent by email: 1" in resent.stdout
    assert "1 replaced a code still valid: that earlier code no longer works" in resent.stdout
    codes = _codes_to(smtp, paul["email"], count=2)
    assert codes[0] == first
    newest = codes[1]

    # The patient types the code of the first e-mail: told that a newer one was sent.
    old = server.cli("patient", "activate", "--nir", paul["nir"], "--code", first,
                     home="paul", env=_patient_env("paul"), check=False)
    assert old.returncode == 2 and len(old.stderr.strip().splitlines()) == 1
    assert json.loads(old.stdout)["error"]["code"] == "code_superseded"
    assert "replaced by a newer one, sent by e-mail" in old.stderr
    assert paul["nir"] not in old.stderr
    done = server.cli_json("patient", "activate", "--nir", paul["nir"], "--code", newest,
                           home="paul", env=_patient_env("paul"))
    assert done["dossier_id"]


def test_a_pharmacy_keeps_the_live_code_unless_resend(server: Server, smtp: Smtp,
                                                      tmp_path: Path) -> None:
    [lea] = _people(server, tmp_path, 110, 1)
    n = 0 if server.engine == "sqlite" else 1
    ph = _pro(server, f"81000040000{n}", "ph-codes", "Pharmacie Lilas", "pharmacien",
              ("pharmacist",))
    server.operator("send-codes", "--channel", "email", "--nir", lea["nir"])
    [mailed] = _codes_to(smtp, lea["email"])

    kept = server.cli("pharmacist", "start-activation", "--nir", lea["nir"], "--birth-date",
                      "1986-04-01", home="ph-codes", env=ph, check=False)
    assert kept.returncode == 2 and len(kept.stderr.strip().splitlines()) == 1
    assert "was sent a code by e-mail" in kept.stderr and "--resend" in kept.stderr
    printed = server.cli_json("pharmacist", "start-activation", "--nir", lea["nir"],
                              "--birth-date", "1986-04-01", "--resend", home="ph-codes", env=ph)
    assert printed["replaced"]["channel"] == "email"

    old = server.cli("patient", "activate", "--nir", lea["nir"], "--code", mailed,
                     home="lea", env=_patient_env("lea"), check=False)
    assert old.returncode == 2 and "code_superseded" in old.stdout
    done = server.cli_json("patient", "activate", "--nir", lea["nir"], "--code",
                           printed["code"], home="lea", env=_patient_env("lea"))
    assert done["dossier_id"]


def test_a_deposit_says_nothing_of_who_has_a_dossier(server: Server, smtp: Smtp,
                                                     tmp_path: Path) -> None:
    holder, without = _people(server, tmp_path, 120, 2)
    n = 0 if server.engine == "sqlite" else 1
    lab = _pro(server, f"85000040000{n}", "lab-codes", "Labo Sud", "biologiste")
    server.operator("send-codes", "--channel", "email", "--nir", holder["nir"])
    [code] = _codes_to(smtp, holder["email"])
    env = _patient_env("holder")
    server.cli_json("patient", "activate", "--nir", holder["nir"], "--code", code,
                    home="holder", env=env)
    body = f"1860475{999000 + n:06d}"
    unknown = body + nir_key(body)  # never in the registry
    answers = []
    for nir in (holder["nir"], without["nir"], unknown):
        done = server.cli("pro", "deposit", "--nir", nir, "exam_results", "lab_result",
                          "Ferritine", "--date", "2025-02-04", home="lab-codes", env=lab)
        answers.append(done)
    assert [a.returncode for a in answers] == [0, 0, 0]
    assert len({tuple(sorted(json.loads(a.stdout))) for a in answers}) == 1
    filed = server.cli_json("patient", "deposits", home="holder", env=env)
    assert len(filed["filed"]) == 1 and filed["rejected"] == []

"""Lifecycle, driven as users drive the CLI against a real server (items 11, 13, 14):

- a weak passphrase is refused, in French, with a generated example, for patients and
  professionals, before anything is created;
- a patient logs in on a new device with NIR + passphrase (the profile is saved there), and
  ``patient recover`` finds the NIR in the home (its copy sealed with the recovery code);
- a past event cannot be dated in the future (an appointment can), a blood group needs no
  date, details come as ``--field name=value``;
- a server validation error is a sentence naming the option;
- a professional changes their passphrase and recovers it with a recovery code;
- French human output by default: section names and table headers.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import REPO, Server, Smtp, activation_code, engine_independent
from web.nir import nir_key

STRONG = "lifecycle passphrase of the patient"
STRONG_2 = "another lifecycle passphrase entirely"


def nir(n: int) -> str:
    body = f"28505751{n:05d}"[:13]
    return body + nir_key(body)


def human(server: Server, *args: str, home: str, env: dict[str, str],
          lang: str = "fr") -> subprocess.CompletedProcess[str]:
    """``carnet`` without --json, in ``lang``, as a person reads it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")
            and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    full.update(LANG="C.UTF-8", CARNET_LANG=lang, **env)
    return subprocess.run([sys.executable, "-m", "web.cli", "--server", server.url, "--home",
                           str(server.homes / home), *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)


def _code_for(server: Server, smtp: Smtp, who: str, n: int) -> tuple[str, str]:
    number, email = nir(n), f"{who}-{server.engine}@example.org"
    registry = server.data_dir / f"{who}.csv"
    registry.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f'{number},Durand,{who},1985-05-01,"1 rue Haute, 75001 Paris",{email}\n')
    server.operator("load-registry", str(registry))
    server.operator("send-codes", "--channel", "email", "--nir", number)
    return number, activation_code(smtp.wait_for(email, "code d'activation"))


def test_patient_lifecycle(server: Server, smtp: Smtp) -> None:
    engine_independent(server, "the CLI's and the client's own checks")
    number, code = _code_for(server, smtp, "lea", 301)
    # Item 11: refused before the code is used, in French, with an example and its entropy.
    weak = human(server, "patient", "activate", "--nir", number, "--code", code,
                 home="lea", env={"CARNET_PASSPHRASE": "motdepasse2024"})
    assert weak.returncode == 2 and weak.stderr.count("\n") == 1
    assert "cette phrase secrète est trop facile à deviner" in weak.stderr
    assert "par exemple « " in weak.stderr and "54 bits" in weak.stderr
    env = {"CARNET_PASSPHRASE": STRONG}
    made = server.cli_json("patient", "activate", "--nir", number, "--code", code,
                           home="lea", env=env)
    recovery = made["recovery_code"]
    assert (server.homes / "lea" / "patient.recovery.carnet").is_file()

    # Item 14: dates and details as people write them.
    today = dt.date.today()
    future = (today + dt.timedelta(days=30)).isoformat()
    late = human(server, "patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                 future, home="lea", env=env)
    assert late.returncode == 2 and "dans le futur" in late.stderr
    server.cli_json("patient", "add", "care_history", "appointment", "Cardiologue", "--date",
                    future, home="lea", env=env)
    server.cli_json("patient", "add", "blood_group", "blood_group", "A+", home="lea", env=env)
    server.cli_json("patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                    "2024-03-01", "--field", "reaction=urticaire", "--field", "gravité=forte",
                    home="lea", env=env)
    undated = human(server, "patient", "add", "allergies", "allergy", "Latex", home="lea",
                    env=env)
    assert undated.returncode == 2 and "--date AAAA-MM-JJ" in undated.stderr
    items = {i["type"]: i for i in server.cli_json("patient", "list", home="lea",
                                                   env=env)["items"]}
    assert items["blood_group"]["date"] == today.isoformat()
    assert items["allergy"]["body"] == {"reaction": "urticaire", "gravité": "forte"}
    assert items["appointment"]["date"] == future

    # French for people: section names and headers; identifiers stay English in --json.
    shown = human(server, "patient", "list", home="lea", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "groupe sanguin" in shown.stdout and "titre" in shown.stdout
    assert "historique des soins" in shown.stdout
    assert items["blood_group"]["section"] == "blood_group"

    # Item 13: the server's validation detail in the user's terms.
    card = human(server, "patient", "card", "--out", str(server.homes / "c.pdf"), "--days",
                 "0", home="lea", env=env, lang="en")
    assert card.returncode == 2
    assert "--days must be a whole number, at least 1" in card.stderr, card.stderr
    assert made["dossier_id"] not in card.stderr and "$." not in card.stderr

    # A new device: NIR + passphrase; the profile is saved there.
    fresh = server.cli_json("patient", "unlock", "--nir", number, home="lea-phone", env=env)
    assert fresh["home_saved"] and fresh["items"] == 3
    assert len(server.cli_json("patient", "list", home="lea-phone", env=env)["items"]) == 3

    # Forgotten passphrase: `recover` finds the NIR in the home with the recovery code.
    back = server.cli_json("patient", "recover", home="lea",
                           env={"CARNET_RECOVERY_CODE": recovery,
                                "CARNET_NEW_PASSPHRASE": STRONG_2})
    assert back["dossier_id"] == made["dossier_id"]
    assert server.cli_json("patient", "unlock", home="lea",
                           env={"CARNET_PASSPHRASE": STRONG_2})["items"] == 3
    old = human(server, "patient", "unlock", home="lea-phone", env=env)  # old passphrase
    assert old.returncode == 2 and "carnet patient recover" in old.stderr


def test_professional_changes_and_recovers_the_passphrase(server: Server) -> None:
    engine_independent(server, "the CLI's and the client's own checks")
    ps_id = "810000303030" if server.engine == "sqlite" else "810000303031"
    weak = human(server, "pro", "register", "--id", ps_id, "--name", "Dr Lucie Roy",
                 "--profession", "médecin", home="lucie", env={"CARNET_PASSPHRASE": "lucie"})
    assert weak.returncode == 2 and "trop facile à deviner" in weak.stderr
    assert not (server.homes / "lucie" / "pro.carnet").exists()
    first = {"CARNET_PASSPHRASE": "lucie roy first passphrase here"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Lucie Roy",
                    "--profession", "médecin", home="lucie", env=first)
    code = server.cli_json("pro", "new-recovery-code", home="lucie", env=first)["recovery_code"]

    second = "lucie roy second passphrase here"
    changed = server.cli_json("pro", "passphrase", home="lucie",
                              env={**first, "CARNET_NEW_PASSPHRASE": second})
    assert changed == {"changed": True, "recovery": True}
    assert server.cli_json("pro", "whoami", home="lucie",
                           env={"CARNET_PASSPHRASE": second})["ps_id"] == ps_id
    stale = human(server, "pro", "whoami", home="lucie", env=first)
    assert stale.returncode == 2 and "carnet pro recover" in stale.stderr

    third = "lucie roy third passphrase here"
    weak_new = human(server, "pro", "recover", home="lucie",
                     env={"CARNET_RECOVERY_CODE": code, "CARNET_NEW_PASSPHRASE": "azerty"})
    assert weak_new.returncode == 2 and "trop facile" in weak_new.stderr
    done = server.cli_json("pro", "recover", home="lucie",
                           env={"CARNET_RECOVERY_CODE": code, "CARNET_NEW_PASSPHRASE": third})
    assert done == {"ps_id": ps_id, "recovered": True}
    who = server.cli_json("pro", "whoami", home="lucie", env={"CARNET_PASSPHRASE": third})
    assert who["ps_id"] == ps_id and who["name"] == "Dr Lucie Roy"
    wrong = human(server, "pro", "recover", home="lucie",
                  env={"CARNET_RECOVERY_CODE": "0000-0000-0000-0000-0000-0000-0000-0000",
                       "CARNET_NEW_PASSPHRASE": third}, lang="en")
    assert wrong.returncode == 2 and wrong.stderr.startswith("carnet: ")
    assert Path(server.homes / "lucie" / "pro.recovery.carnet").stat().st_mode & 0o777 == 0o600

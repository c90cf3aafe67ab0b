"""French is the CLI's language: help, argparse's own phrases, errors and section names are
French by default; ``--lang en``, ``$CARNET_LANG=en`` or a ``$LANG`` starting with ``en``
give English; ``--json`` keeps its identifiers. (The suite runs the CLI in English: see
tests/conftest.py; these tests ask for French.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.table import Table
from rich.text import Text

from web import cli
from web.cli._context import TranslatingConsole

REPO = Path(__file__).resolve().parents[3]
GROUPS = ("operator", "pro", "pharmacist", "patient", "emergency")


@pytest.fixture(autouse=True)
def french_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CARNET_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "CARNET_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("CARNET_HOME", str(tmp_path / "home"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_top_help_is_french_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("usage : carnet")
    for french in ("Carnet, le dossier médical partagé chiffré", "afficher cette aide et "
                   "quitter", "votre dossier", "l'accès en urgence", "arguments positionnels"):
        assert french in out
    assert "show this help" not in out and "your dossier" not in out


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_help_is_french(capsys: pytest.CaptureFixture[str], group: str) -> None:
    code, out, _ = run(capsys, group, "--help")
    assert code == 0
    assert "afficher cette aide et quitter" in out and "usage : carnet " + group in out
    assert "show this help message" not in out


@pytest.mark.parametrize("how", [["--lang", "en"], ["--lang=en"]])
def test_lang_en_gives_english(capsys: pytest.CaptureFixture[str], how: list[str]) -> None:
    code, out, _ = run(capsys, *how, "patient", "--help")
    assert code == 0
    assert "show this help message and exit" in out and "usage: carnet patient" in out
    assert "afficher" not in out


def test_environment_chooses_english(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "show this help message" in run(capsys, "--help")[1]
    monkeypatch.setenv("CARNET_LANG", "fr")  # Carnet's own variable wins
    assert "afficher cette aide" in run(capsys, "--help")[1]
    assert "show this help message" in run(capsys, "--lang", "en", "--help")[1]


def test_argparse_errors_are_french_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "patient", "activate")
    assert code == 2 and out == ""
    assert err == ("carnet: ces arguments sont obligatoires : --nir, --code (voir : carnet "
                   "patient activate --help)\n")
    code, _, err = run(capsys, "patient", "frobnicate")
    assert code == 2 and "choix invalide : 'frobnicate'" in err


def test_cli_errors_are_french_and_json_keeps_its_code(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, out, err = run(capsys, "--json", "patient", "request-code", "--nir",
                         "185057512345673", "--birth-date", "01/05/1985")
    assert code == 2
    assert err == "carnet: --birth-date doit être une date écrite AAAA-MM-JJ\n"
    assert json.loads(out)["error"]["code"] == "usage"


def test_patient_add_help_lists_sections_types_and_examples(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "patient", "add", "--help")
    assert "Sections (SECTION) et les types (TYPE)" in out
    assert "blood_group          groupe sanguin : blood_group" in out
    assert "care_history         historique des soins : appointment" in out
    assert 'carnet patient add allergies allergy "Pénicilline" --date 2024-03-01 --field ' \
           "reaction=urticaire" in out
    assert "--field NAME=VALUE" in out
    _, out, _ = run(capsys, "--lang", "en", "patient", "add", "--help")
    assert "blood_group          blood_group: blood_group" in out and "Examples:" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("carnet ") and out.strip().split()[1][0].isdigit()


def test_section_names_and_headers_in_tables_are_french() -> None:
    console = TranslatingConsole(record=True, width=120, lang="fr")
    table = Table()
    for name in ("id", "section", "type", "title", "flags"):
        table.add_column(name)
    table.add_row(Text("I1"), Text("medical_history"), Text("condition"), Text("Asthme"),
                  Text("masked own"))
    console.print(table)
    shown = console.export_text()
    assert "antécédents médicaux" in shown and "pathologie" in shown
    assert "titre" in shown and "masqué à vous" in shown and "Asthme" in shown


def test_python_m_web_cli_is_french_without_carnet_lang() -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CARNET_") and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    done = subprocess.run([sys.executable, "-m", "web.cli", "patient", "--help"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "vérifier que vous pouvez vous connecter" in done.stdout

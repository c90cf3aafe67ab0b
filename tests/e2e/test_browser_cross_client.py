"""The browser client library (web/browser, run under Node) and the Python client read each
other's data on a real server: items written by one are listed, decrypted and attributed by
the other, masked ones included (issue 12, "Same formats, proven")."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, Smtp, activation_code
from tests.e2e.test_journey import PASSPHRASE, load_registry, patient_env, registry_for
from tests.support import browser_tool
from vault import open_archive, tombstone

REPO = Path(__file__).resolve().parents[2]
BROWSER = REPO / "web" / "browser"
TOOL = BROWSER / "build" / "test" / "tools" / "crossclient.js"


@pytest.fixture(scope="module")
def node() -> str:
    return browser_tool("crossclient")


def browser(node: str, server: Server, nir: str, *args: str) -> Any:
    return browser_env(node, server, nir, {}, *args)


def browser_env(node: str, server: Server, nir: str, env: dict[str, str], *args: str) -> Any:
    """One command of the browser library's driver (test/tools/crossclient.ts)."""
    done = subprocess.run([node, str(TOOL), args[0], server.url, nir, *args[1:]],
                          env={**os.environ, **patient_env(), **env}, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_items_cross_between_browser_and_python(server: Server, smtp: Smtp, node: str) -> None:
    people = registry_for(server, "xclient")
    load_registry(server, people)
    person = people["email"]
    server.operator("send-codes", "--channel", "email", "--nir", person["nir"])
    code = activation_code(smtp.wait_for(person["email"], "code d'activation"))
    server.cli_json("patient", "activate", "--nir", person["nir"], "--code", code,
                    home="cross", env=patient_env())

    # Browser -> Python: an allergy written by the browser library.
    added = browser(node, server, person["nir"], "add", "allergies", "allergy",
                    "Pénicilline (navigateur)", "2024-03-01",
                    json.dumps({"reaction": "urticaire géante"}))
    listed = server.cli_json("patient", "list", home="cross", env=patient_env())
    rows = listed["items"] if isinstance(listed, dict) else listed
    mine = [r for r in rows if r["item_id"] == added["item_id"]]
    assert len(mine) == 1 and mine[0]["title"] == "Pénicilline (navigateur)"
    shown = server.cli_json("patient", "show", added["item_id"], home="cross", env=patient_env())
    assert "urticaire géante" in json.dumps(shown, ensure_ascii=False)

    # Python -> browser: a treatment, and a masked note, written by the Python client.
    server.cli_json("patient", "add", "current_treatments", "medication", "Warfarine 5 mg",
                    "--date", "2024-05-02", "--body", json.dumps({"dosage": "1 cp le soir"}),
                    home="cross", env=patient_env())
    note = server.cli_json("patient", "add", "personal_notes", "note", "Note privée",
                           "--date", "2024-05-03", home="cross", env=patient_env())
    server.cli_json("patient", "mask", note["item_id"], home="cross", env=patient_env())
    seen = browser(node, server, person["nir"], "list")
    by_title = {i["title"]: i for i in seen if not i.get("unreadable")}
    assert not [i for i in seen if i.get("unreadable")]
    assert by_title["Warfarine 5 mg"]["body"] == {"dosage": "1 cp le soir"}
    assert by_title["Warfarine 5 mg"]["author"] == "patient"
    assert by_title["Note privée"]["masked"] is True
    assert by_title["Pénicilline (navigateur)"]["section"] == "allergies"

    # Masking in the browser, seen by the Python client; a section mask and an item mask are
    # independent in both (issue 10): unmasking the section keeps the item's own mask.
    def py_masked() -> dict[str, bool]:
        out = server.cli_json("patient", "list", home="cross", env=patient_env())
        return {r["title"]: r["masked"] for r in (out["items"] if isinstance(out, dict) else out)}

    browser(node, server, person["nir"], "mask", added["item_id"])
    assert py_masked()["Pénicilline (navigateur)"] is True
    server.cli_json("patient", "add", "allergies", "allergy", "Arachide", "--date",
                    "2023-02-01", home="cross", env=patient_env())
    browser(node, server, person["nir"], "mask-section", "allergies")
    assert py_masked()["Arachide"] is True
    browser(node, server, person["nir"], "unmask-section", "allergies")
    after = py_masked()
    assert after["Arachide"] is False and after["Pénicilline (navigateur)"] is True
    browser(node, server, person["nir"], "unmask", added["item_id"])
    assert py_masked()["Pénicilline (navigateur)"] is False
    # And the Python client's masks, read by the browser.
    seen = {i["title"]: i for i in browser(node, server, person["nir"], "list")}
    assert seen["Note privée"]["masked"] is True and seen["Arachide"]["masked"] is False


def test_archives_cross_and_the_browser_closes(server: Server, smtp: Smtp, node: str,
                                               tmp_path: Path) -> None:
    if server.engine != "sqlite":
        pytest.skip("the browser library's formats do not depend on the engine (SQLite)")
    people = registry_for(server, "xclient")
    load_registry(server, people)
    person = people["request"]
    server.operator("send-codes", "--channel", "email", "--nir", person["nir"])
    code = activation_code(smtp.wait_for(person["email"], "code d'activation"))
    dossier_id = server.cli_json("patient", "activate", "--nir", person["nir"], "--code",
                                 code, home="arch", env=patient_env())["dossier_id"]
    browser(node, server, person["nir"], "add", "vaccinations", "vaccination", "DTP rappel",
            "2022-06-01", json.dumps({"lot": "X12"}))
    server.cli_json("patient", "add", "blood_group", "blood_group", "O+", "--date",
                    "2020-01-01", home="arch", env=patient_env())

    # The browser's archive opens in Python, offline, with the passphrase.
    from_browser = tmp_path / "browser.carnet"
    browser(node, server, person["nir"], "export", str(from_browser))
    contents = open_archive(from_browser.read_bytes(), passphrase=PASSPHRASE)
    assert sorted(e.item.title for e in contents.entries) == ["DTP rappel", "O+"]
    # The Python client's archive opens in the browser library.
    from_python = tmp_path / "python.carnet"
    server.cli_json("patient", "export", str(from_python), home="arch", env=patient_env())
    done = subprocess.run([node, str(TOOL), "open-archive", str(from_python)],
                          env={**os.environ, **patient_env()}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(e["title"] for e in json.loads(done.stdout)) == ["DTP rappel", "O+"]

    # Closing in the browser: the server keeps only the tombstone the browser signed with
    # the patient's key, and the Python client can no longer open the dossier.
    browser(node, server, person["nir"], "close")
    answer = httpx.get(f"{server.direct_url}/dossiers/{dossier_id}/tombstone", timeout=30)
    stone = tombstone.decode(base64.b64decode(answer.json()["blob"]))
    assert stone.dossier_id == dossier_id and stone.verify()
    after = server.cli("patient", "list", home="arch", env=patient_env(), check=False)
    assert after.returncode == 2
    # The archive still opens offline after the closure.
    assert len(open_archive(from_browser.read_bytes(), passphrase=PASSPHRASE).entries) == 2


def test_consent_from_the_browser_scanned_by_the_python_professional(
        server: Server, smtp: Smtp, node: str) -> None:
    people = registry_for(server, "xclient")
    load_registry(server, people)
    person = people["pharmacy"]
    ps_id = "810000000077" if server.engine == "sqlite" else "810000000078"
    doc_env = {"CARNET_PASSPHRASE": f"secret of {ps_id} for the browser test"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Navigateur",
                    "--profession", "médecin", home="doc", env=doc_env)
    server.operator("approve", ps_id, "--role", "pharmacist")
    code = server.cli_json("pharmacist", "start-activation", "--nir", person["nir"],
                           "--birth-date", "1985-05-01", home="doc", env=doc_env)["code"]
    server.cli_json("patient", "activate", "--nir", person["nir"], "--code", code,
                    home="consent", env=patient_env())
    browser(node, server, person["nir"], "add", "allergies", "allergy", "Iode", "2023-01-01",
            json.dumps({"reaction": "œdème"}))
    hidden = browser(node, server, person["nir"], "add", "allergies", "allergy", "Privé",
                     "2023-01-02", "{}")
    browser(node, server, person["nir"], "mask", hidden["item_id"])
    browser(node, server, person["nir"], "add", "personal_notes", "note", "Journal",
            "2023-01-03", "{}")

    authority = server.authority().verify_key.encode().hex()
    issued = browser_env(node, server, person["nir"], {"CARNET_AUTHORITY_PUBLIC": authority},
                         "grant", ps_id, "allergies", "3600")
    assert "#" in issued["link"] and issued["link"].split("#")[1].isdigit()
    seen = server.cli_json("pro", "scan", "--text", issued["link"], home="doc", env=doc_env)
    assert [i["title"] for i in seen["items"]] == ["Iode"]  # not the masked one, not notes

    browser(node, server, person["nir"], "revoke", issued["grant_id"])
    refused = server.cli("pro", "scan", "--text", issued["link"], home="doc", env=doc_env,
                         check=False)
    assert refused.returncode == 2 and "revoked" in refused.stderr
    # The revoked grant's keys were rotated at once: the next allergy is under a new key.
    after = browser(node, server, person["nir"], "add", "allergies", "allergy", "Latex",
                    "2023-02-01", "{}")
    history = server.cli_json("patient", "history", home="consent", env=patient_env())
    kinds = [e["kind"] for e in history["events"]]
    assert "grant_issued" in kinds and "token_scanned" in kinds and "grant_revoked" in kinds
    assert after["masked"] is False


def test_break_glass_allowed_in_the_browser(server: Server, smtp: Smtp, node: str) -> None:
    """Reuses the consent test's patient ("pharmacy") and professional: run after it."""
    if server.engine != "sqlite":
        pytest.skip("the browser library's formats do not depend on the engine (SQLite)")
    people = registry_for(server, "xclient")
    person = people["pharmacy"]
    ps_id = "840000000077" if server.engine == "sqlite" else "840000000078"
    samu = {"CARNET_PASSPHRASE": f"secret of the emergency doctor {ps_id}"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Urgence",
                    "--profession", "médecin", home="samu", env=samu)
    server.operator("approve", ps_id, "--role", "emergency")
    key_file = str(server.dev_keys / "emergency.key")

    def glass() -> Any:
        return server.cli("emergency", "break-glass", "--nir", person["nir"], "--reason",
                          "patient inconscient aux urgences", "--service-key-file", key_file,
                          home="samu", env=samu, check=False)

    browser(node, server, person["nir"], "break-glass", "on")
    opened = glass()
    assert opened.returncode == 0, opened.stderr
    titles = {i["title"] for i in json.loads(opened.stdout)["items"]}
    assert "Iode" in titles and "Privé" not in titles and "Journal" not in titles
    browser(node, server, person["nir"], "break-glass", "off")
    refused = glass()
    assert refused.returncode == 2 and "break" in refused.stderr.lower()

"""The browser client library (web/browser, run under Node) and the Python client read each
other's data on a real server: items written by one are listed, decrypted and attributed by
the other, masked ones included (issue 12, "Same formats, proven")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, Smtp, activation_code
from tests.e2e.test_journey import load_registry, patient_env, registry

REPO = Path(__file__).resolve().parents[2]
BROWSER = REPO / "web" / "browser"
TOOL = BROWSER / "build" / "test" / "tools" / "crossclient.js"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None or not (BROWSER / "node_modules").is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Node.js and web/browser/node_modules are needed (scripts/_env.sh)")
        pytest.skip("Node.js or the browser client's npm packages are not installed")
    if not TOOL.exists():  # scripts/test builds it; a bare pytest run builds it here
        subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=BROWSER, check=True,
                       timeout=300)
    return exe


def browser(node: str, server: Server, nir: str, *args: str) -> Any:
    done = subprocess.run([node, str(TOOL), args[0], server.url, nir, *args[1:]],
                          env={**os.environ, **patient_env()}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_items_cross_between_browser_and_python(server: Server, smtp: Smtp, node: str) -> None:
    people = registry(server)
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

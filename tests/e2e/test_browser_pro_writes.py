"""The professional's writes of the browser library (web/browser/src/prowrite.ts, run under
Node) and the Python client, on a real server (issue 13, "Cross-client"): a prescription the
browser library writes through a read+write consent, after the allergy check stopped it
once, is read by ``carnet patient list`` with the acknowledged alert in it; a deposit the
browser library leaves by NIR is filed and read by the patient's Python client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, Smtp, activation_code
from tests.e2e.test_browser_cross_client import BROWSER
from tests.e2e.test_journey import load_registry, patient_env, registry_for
from tests.support import browser_tool
from web.client import Api, ProfessionalIdentity
from web.client.clinical import check_prescription, index_path, load_index
from web.client.consent import Scanned, scan
from web.client.directory import approve
from web.client.fhir import Author, ips_bundle

TOOL = BROWSER / "build" / "test" / "tools" / "prowrite.js"


@pytest.fixture(scope="module")
def node() -> str:
    return browser_tool("prowrite")


def _professional(server: Server, ps_id: str, name: str, profession: str) -> ProfessionalIdentity:
    """A professional whose keys this test holds (handed to the Node tool by environment)."""
    async def go() -> ProfessionalIdentity:
        pro = ProfessionalIdentity.new(ps_id)
        async with Api(server.direct_url) as api:
            await pro.register(api, name=name, profession=profession)
        async with Api(server.direct_url,
                       session=server.operator_token_file.read_text().strip()) as operator:
            await approve(operator, ps_id, [], server.authority())
        return pro
    return asyncio.run(go())


def tool(node: str, server: Server, pro: ProfessionalIdentity, name: str, *args: str,
         ok: bool = True, env: dict[str, str] | None = None) -> Any:
    """One command of the browser library's professional driver (test/tools/prowrite.ts)."""
    full = {**os.environ, "CARNET_PRO_SEED": pro.sign_seed.hex(),
           "CARNET_PRO_BOX": pro.box_secret.hex(), "CARNET_PRO_NAME": name,
           "CARNET_CLINICAL_INDEX": str(index_path(os.environ)), **(env or {})}
    done = subprocess.run([node, str(TOOL), args[0], server.url, pro.ps_id, *args[1:]],
                          env=full, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode == 0) == ok, done.stderr
    return json.loads(done.stdout) if ok else done.stderr


def _python_scan(server: Server, pro: ProfessionalIdentity, text: str) -> Scanned:
    async def go() -> Scanned:
        async with Api(server.direct_url) as api:
            await pro.login(api)
            return await scan(api, pro, text, now=int(time.time()))
    return asyncio.run(go())


def _rows(listed: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = listed["items"] if isinstance(listed, dict) else listed
    return rows


def test_browser_prescription_and_deposit_read_by_python(server: Server, smtp: Smtp,
                                                         node: str, tmp_path: Path) -> None:
    if server.engine != "sqlite":
        pytest.skip("the browser library's formats do not depend on the engine (SQLite)")
    people = registry_for(server, "prowritexc")
    load_registry(server, people)
    person = people["email"]
    server.operator("send-codes", "--channel", "email", "--nir", person["nir"])
    code = activation_code(smtp.wait_for(person["email"], "code d'activation"))
    server.cli_json("patient", "activate", "--nir", person["nir"], "--code", code,
                    home="pw", env=patient_env())
    server.cli_json("patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                    "2024-03-01", "--body", json.dumps({"reaction": "urticaire"}), home="pw",
                    env=patient_env())
    doctor = _professional(server, "810000000091", "Dr Web Écrit", "médecin")
    lab = _professional(server, "810000000092", "Laboratoire Web", "biologiste")

    granted = server.cli_json("patient", "grant", "--to", doctor.ps_id, "--section",
                              "allergies", "--section", "current_treatments", "--write",
                              "--duration", "30d", "--yes", home="pw", env=patient_env())
    token = tmp_path / "token.txt"
    token.write_text(granted["token"])

    # The check before saving: amoxicillin against the penicillin allergy stops the write.
    body = json.dumps({"dosage": "1 g matin et soir", "duration": "7 jours"})
    stopped = tool(node, server, doctor, "Dr Web Écrit", "prescribe", str(token),
                   "Amoxicilline", "2025-02-03", body)
    assert stopped["saved"] is False
    allergy = [a for a in stopped["alerts"] if a["kind"] == "allergy"]
    assert allergy and allergy[0]["level"] == "contre-indication"
    assert "Amoxicilline" not in json.dumps(_rows(server.cli_json(
        "patient", "list", home="pw", env=patient_env())), ensure_ascii=False)

    # Confirmed: saved, the acknowledged alert in the item as the Python client records it.
    saved = tool(node, server, doctor, "Dr Web Écrit", "prescribe", str(token),
                 "Amoxicilline", "2025-02-03", body, "confirm")
    assert saved["saved"] is True
    rows = [r for r in _rows(server.cli_json("patient", "list", home="pw", env=patient_env()))
            if r["item_id"] == saved["item_id"]]
    assert len(rows) == 1 and rows[0]["title"] == "Amoxicilline"
    assert rows[0]["section"] == "current_treatments" and rows[0]["type"] == "prescription"
    shown = server.cli_json("patient", "show", saved["item_id"], home="pw", env=patient_env())
    text = json.dumps(shown, ensure_ascii=False)
    assert "Dr Web Écrit" in text and doctor.ps_id in text and "1 g matin et soir" in text
    acknowledged = saved["body"]["acknowledged_alerts"]
    assert [a["kind"] for a in acknowledged] == ["allergy"]
    assert acknowledged[0]["drugs"][1]["name"] == "Amoxicilline"
    assert acknowledged[0]["level"] == "contre-indication" and "acknowledged_alerts" in text

    # The IPS export of what the consent opens: the Python client's bytes, at the same time.
    at = 1_790_000_000
    exported = tmp_path / "ips.json"
    tool(node, server, doctor, "Dr Web Écrit", "ips", str(token), str(exported),
         env={"CARNET_NOW": str(at)})
    got = _python_scan(server, doctor, granted["token"])
    assert exported.read_bytes() == ips_bundle(
        got.items, dossier_id=got.dossier_id, shown=got.sections,
        author=Author("professional", doctor.ps_id, "Dr Web Écrit"), now=at)
    # The acknowledged alerts are exactly what the Python client's check gives.
    before = [i for i in got.items if i.item_id != saved["item_id"]]
    python = check_prescription("Amoxicilline", json.loads(body), before,
                                load_index(os.environ), carried=got.sections)
    assert acknowledged == [a.json() for a in python if a.kind in ("interaction", "allergy")]
    bundle = json.loads(exported.read_text())
    assert bundle["resourceType"] == "Bundle" and "Amoxicilline" in exported.read_text()

    # A read-only consent refuses the browser's write before anything is sent.
    ro = server.cli_json("patient", "grant", "--to", doctor.ps_id, "--section", "allergies",
                         "--duration", "30d", "--yes", home="pw", env=patient_env())
    ro_token = tmp_path / "ro.txt"
    ro_token.write_text(ro["token"])
    refused = tool(node, server, doctor, "Dr Web Écrit", "write", str(ro_token), "allergies",
                   "allergy", "Latex", "2025-02-03", "{}", ok=False)
    assert "not_allowed" in refused and "read-only" in refused

    # A deposit by NIR from the browser library: filed by the patient's Python client.
    left = tool(node, server, lab, "Laboratoire Web", "deposit", person["nir"],
                "exam_results", "lab_result", "NFS du 3 février", "2025-02-03",
                json.dumps({"hemoglobin_g_dl": 13.9, "text": "Hémoglobine normale"}))
    assert len(left["deposit_id"]) == 32
    filed = server.cli_json("patient", "deposits", home="pw", env=patient_env())
    assert filed["rejected"] == []
    assert [f["deposit_id"] for f in filed["filed"]] == [left["deposit_id"]]
    assert filed["filed"][0]["section"] == "exam_results"
    item = server.cli_json("patient", "show", filed["filed"][0]["item_id"], home="pw",
                           env=patient_env())
    seen = json.dumps(item, ensure_ascii=False)
    assert "NFS du 3 février" in seen and "Hémoglobine normale" in seen and lab.ps_id in seen
    # A NIR with a wrong key is refused in the library, before any request.
    bad = person["nir"][:-2] + f"{(int(person['nir'][-2:]) + 1) % 97:02d}"
    assert "key" in tool(node, server, lab, "Laboratoire Web", "deposit", bad,
                         "exam_results", "lab_result", "X", "2025-02-03", "{}", ok=False)

"""FHIR import end to end (P12, P13, P1): ``carnet patient import`` against a real server,
with the shared samples in ``../shared/data/fhir`` (skipped with the reason when absent,
a failure under ``CI=true``)."""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir import map_document, read
from tests.e2e.conftest import REPO, Server
from tests.e2e.test_journey import database_dump
from web.nir import nir_key

SHARED = REPO.parent / "shared" / "data" / "fhir"
EN = {"CARNET_LANG": "en"}


@pytest.fixture(scope="module")
def fhir_dir() -> Path:
    if not (SHARED / "synthea" / "MANIFEST.json").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared FHIR samples are not at {SHARED} (required under CI)")
        pytest.skip(f"the shared FHIR samples are not at {SHARED}")
    return SHARED


@pytest.fixture(scope="module")
def pharmacist(server: Server) -> tuple[str, dict[str, str]]:
    env = {**EN, "CARNET_PASSPHRASE": "tulipe orage marbre cendre fhir 4821"}
    ps_id = "810000000911" if server.engine == "sqlite" else "810000000912"
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Pharmacie FHIR",
                    "--profession", "pharmacien", home="fhir-ph", env=env)
    server.operator("approve", ps_id, "--role", "pharmacist")
    return "fhir-ph", env


def _patient(server: Server, tmp_path: Path, n: int,
             pharmacist: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    body = f"1850475{n:06d}"
    nir = body + nir_key(body)
    csv_path = tmp_path / f"p{n}.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Durand,Paul,1985-04-01,5 rue Haute,\n")
    server.operator("load-registry", str(csv_path))
    ph_home, ph_env = pharmacist
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1985-04-01", home=ph_home, env=ph_env)["code"]
    home = f"fhir-patient-{n}"
    env = {**EN, "CARNET_PASSPHRASE": f"velo marbre orage {n} tulipe 7391"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home=home, env=env)
    return home, env


def _items(server: Server, home: str, env: dict[str, str]) -> list[dict[str, Any]]:
    return list(server.cli_json("patient", "list", home=home, env=env)["items"])


def _sections(items: list[dict[str, Any]]) -> Counter[str]:
    return Counter(i["section"] for i in items)


def _expected(path: Path) -> Counter[str]:
    mapped = map_document(read(path.read_bytes()), today="2026-01-01")
    return Counter(i.section for i in mapped.items)


def _resources(path: Path, kind: str) -> int:
    raw = json.loads(gzip.decompress(path.read_bytes()))
    return sum(1 for e in raw["entry"] if e["resource"]["resourceType"] == kind)


def _codes(items: list[dict[str, Any]], section: str) -> list[str]:
    return sorted(c["code"] for i in items if i["section"] == section
                  and i["body"].get("active", True) is not False
                  for c in i["body"].get("codes", []))


def test_every_bundle_imports_once(server: Server, tmp_path: Path, fhir_dir: Path,
                                   pharmacist: tuple[str, dict[str, str]]) -> None:
    if server.engine != "sqlite":
        pytest.skip("the mapping and the alerts run in the client: engine-independent (the "
                    "canary test runs on both engines)")
    synthea = sorted((fhir_dir / "synthea").glob("*.json.gz"))
    # A subset through the real server (one HTTP request per item: the whole set takes
    # minutes here). Every bundle goes through the same client function in
    # tests/clinical/test_client_import.py, and through the server in scripts/bench clinical.
    synthea = synthea[:4]
    home, env = _patient(server, tmp_path, 1 if server.engine == "sqlite" else 2, pharmacist)
    done = server.cli_json("patient", "import-fhir", *map(str, synthea), home=home, env=env,
                           timeout=1200)
    # per bundle, the sections of its mapped resources (the pure tests check each mapping
    # against the raw bundle); the dossier holds exactly their sum
    want: Counter[str] = Counter()
    for path in synthea:
        want += _expected(path)
    items = _items(server, home, env)
    assert _sections(items) == want
    assert want["allergies"] == sum(_resources(p, "AllergyIntolerance") for p in synthea)
    assert want["vaccinations"] == sum(_resources(p, "Immunization") for p in synthea)
    assert want["medical_history"] == sum(_resources(p, "Condition") for p in synthea)
    assert done["added"] == sum(want.values()) and done["already"] == 0
    assert set(done["skipped"]) <= {"Claim", "ExplanationOfBenefit", "CarePlan", "Goal",
                                    "ImagingStudy"}
    again = server.cli_json("patient", "import", str(synthea[0]), home=home, env=env)
    assert again["added"] == 0 and again["already"] == sum(_expected(synthea[0]).values())
    assert _sections(_items(server, home, env)) == want

    # import -> IPS export -> import elsewhere keeps the codes that matter
    ips = tmp_path / "summary.json"
    server.cli_json("patient", "export-ips", str(ips), home=home, env=env)
    home3, env3 = _patient(server, tmp_path, 9 if server.engine == "sqlite" else 10,
                           pharmacist)
    server.cli_json("patient", "import", str(ips), home=home3, env=env3, timeout=600)
    copied = _items(server, home3, env3)
    for section in ("allergies", "current_treatments", "medical_history", "vaccinations"):
        assert _codes(copied, section) == _codes(items, section), section

    others = sorted((fhir_dir / "ips").glob("*.json")) + sorted((fhir_dir / "ans").glob("*.json"))
    home2, env2 = _patient(server, tmp_path, 3 if server.engine == "sqlite" else 4, pharmacist)
    shown = server.cli("patient", "import-fhir", *map(str, others), home=home2, env=env2)
    report = json.loads(shown.stdout)
    assert report["added"] > 0
    assert any("not a valid NIR" in w for w in report["warnings"])
    assert server.cli_json("patient", "import-fhir", *map(str, others), home=home2,
                           env=env2)["added"] == 0


DOC = {**EN, "CARNET_PASSPHRASE": "orange kettle sings beside nine fhir harbours"}


def test_alerts_before_prescribing(server: Server, tmp_path: Path, fhir_dir: Path,
                                   pharmacist: tuple[str, dict[str, str]]) -> None:
    if server.engine != "sqlite":
        pytest.skip("the mapping and the alerts run in the client: engine-independent (the "
                    "canary test runs on both engines)")
    doc_id = "820000000913" if server.engine == "sqlite" else "820000000914"
    server.cli_json("pro", "register", "--id", doc_id, "--name", "Dr Alerte",
                    "--profession", "médecin", home="fhir-doc", env=DOC)
    server.operator("approve", doc_id)
    home, env = _patient(server, tmp_path, 11 if server.engine == "sqlite" else 12, pharmacist)
    tony = next((fhir_dir / "synthea").glob("Tony_Douglas_*.json.gz"))
    server.cli_json("patient", "import-fhir", str(fhir_dir / "ips" /
                                                  "Bundle-IPS-examples-Bundle-01.json"),
                    str(tony), home=home, env=env)

    def token(*sections: str, write: bool = True) -> Path:
        path = tmp_path / f"token-{'-'.join(sections)}.txt"
        path.write_text(server.cli_json(
            "patient", "grant", "--to", doc_id, *[x for s in sections for x in
                                                  ("--section", s)],
            *(["--write"] if write else []), "--yes", home=home, env=env)["token"])
        return path
    full = token("allergies", "current_treatments")
    seen = server.cli_json("pro", "scan", "--text-file", str(full), home="fhir-doc", env=DOC)
    kinds = [(a["kind"], a["level"]) for a in seen["alerts"]]
    interactions = [a for a in seen["alerts"] if a["kind"] == "interaction"]
    assert {tuple(sorted(d["codes"][0]["code"] for d in a["drugs"])) for a in interactions} \
        == {("316049", "849574")}  # MANIFEST: hydrochlorothiazide + naproxen
    assert interactions[0]["levels"] == ["précaution d'emploi"]
    assert ("partial_view", None) in kinds  # masking may hide something
    # a prescription of amoxicillin against the IPS penicillin allergy: refused before saving
    before = _items(server, home, env)
    add = ("pro", "add", "--token-file", str(full), "current_treatments", "prescription",
           "Amoxicillin 500 MG Oral Tablet", "--date", "2026-01-02", "--field",
           "rxnorm=308192", "--prescription")
    refused = server.cli(*add, home="fhir-doc", env=DOC, check=False)
    assert refused.returncode == 2 and "allergy" in refused.stderr
    assert _items(server, home, env) == before
    server.cli_json(*add, "--force", home="fhir-doc", env=DOC)
    saved = [i for i in _items(server, home, env) if i["title"].startswith("Amoxicillin")]
    assert [a["kind"] for a in saved[0]["body"]["acknowledged_alerts"]] == ["allergy"]
    # the allergy masked: the professional cannot see it, and is told the view is partial
    allergy = next(i for i in before if i["section"] == "allergies"
                   and "penicillin" in i["title"].lower())
    server.cli_json("patient", "mask", allergy["item_id"], home=home, env=env)
    again = server.cli_json("pro", "scan", "--text-file", str(token("allergies",
                                                                   "current_treatments")),
                            home="fhir-doc", env=DOC)
    assert "allergy" not in {a["kind"] for a in again["alerts"]}
    assert any(a["kind"] == "partial_view" and "masked" in a["text"] for a in again["alerts"])
    # a grant without the allergies section: the notice names it
    narrow = server.cli_json("pro", "scan", "--text-file",
                             str(token("current_treatments", write=False)),
                             home="fhir-doc", env=DOC)
    notices = [a for a in narrow["alerts"] if a["kind"] == "partial_view"]
    assert any("allergies" in a["details"] for a in notices)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{n:012d}", "resource": r}
                      for n, r in enumerate(resources)]}


PATIENT = {"resourceType": "Patient", "id": "p"}
ALLERGY = {"resourceType": "AllergyIntolerance", "id": "a",
           "patient": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"},
           "code": {"text": "Penicillin"}}


def _bad_files(tmp_path: Path, fhir_dir: Path) -> dict[str, tuple[Path, str]]:
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, words: str) -> None:
        p = tmp_path / name
        p.write_bytes(data)
        files[name] = (p, words)
    good = json.dumps(_bundle(PATIENT, ALLERGY)).encode()
    put("notjson.json", b"\x89PNG\r\n not json at all", "not JSON")
    put("notfhir.json", b'{"name": "a list of things"}', "not FHIR")
    put("stu3.json", json.dumps({"resourceType": "AllergyIntolerance", "clinicalStatus":
                                 "active", "patient": {"reference": "Patient/p"}}).encode(),
        "STU3")
    put("truncated.json", good[: len(good) // 2], "truncated")
    put("truncated.json.gz", gzip.compress(good)[:-10], "truncated gzip")
    bad_ref = _bundle(PATIENT, {**ALLERGY, "patient": {"reference": "urn:uuid:dead"}})
    put("badref.json", json.dumps(bad_ref).encode(), "entry 2 (AllergyIntolerance) patient")
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: 200 MB on paper, nothing on disk
        f.truncate(200 * 1024 * 1024)
    files["big.json"] = (big, "larger than")
    files["nir"] = (fhir_dir / "ans" / "Bundle-example-annexe-fhir-document.json",
                    "not a valid NIR")
    return files


def test_bad_files_change_nothing(server: Server, tmp_path: Path, fhir_dir: Path,
                                  pharmacist: tuple[str, dict[str, str]]) -> None:
    if server.engine != "sqlite":
        pytest.skip("the mapping and the alerts run in the client: engine-independent (the "
                    "canary test runs on both engines)")
    home, env = _patient(server, tmp_path, 5 if server.engine == "sqlite" else 6, pharmacist)
    server.cli_json("patient", "add", "allergies", "allergy", "Latex", "--date", "2024-01-01",
                    home=home, env=env)
    start = _items(server, home, env)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_bundle(PATIENT, ALLERGY)))
    for name, (path, words) in _bad_files(tmp_path, fhir_dir).items():
        extra = ["--strict"] if name == "nir" else []
        # a good file next to a bad one: nothing is imported at all
        done = server.cli("patient", "import-fhir", str(good), str(path), *extra, home=home,
                          env=env, check=False)
        assert done.returncode == 2, (name, done.stderr)
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and words in lines[0], (name, lines)
        assert "Penicillin" not in done.stderr
        assert _items(server, home, env) == start, name


def test_canaries_never_reach_the_database(server: Server, tmp_path: Path,
                                           pharmacist: tuple[str, dict[str, str]]) -> None:
    home, env = _patient(server, tmp_path, 7 if server.engine == "sqlite" else 8, pharmacist)
    canaries = [f"CANARY-FHIR-{server.engine}-{n}-q8z" for n in range(3)]
    bundle = _bundle(
        {**PATIENT, "name": [{"text": canaries[0]}],
         "contact": [{"name": {"text": canaries[1]}, "telecom": [{"system": "phone",
                                                                  "value": "0600000000"}]}]},
        {**ALLERGY, "code": {"text": canaries[2]},
         "note": [{"text": canaries[2] + " note"}]})
    path = tmp_path / "canary.json.gz"
    path.write_bytes(gzip.compress(json.dumps(bundle).encode()))
    done = server.cli_json("patient", "import", str(path), home=home, env=env)
    assert done["sections"] == {"allergies": 1, "emergency_contacts": 1}
    dump = database_dump(server) + server.proxy.captured()
    for canary in canaries:
        assert canary.encode() not in dump

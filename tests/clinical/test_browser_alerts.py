"""One rule set, two runtimes: the browser's alerts (web/browser/src/clinical/, run under
Node) equal the Python client's (web.client.clinical) on every Synthea patient of
``../shared/data/fhir/synthea``, mapped to items by the client's own FHIR import, in a
professional's view and in the patient's own; on every patient merged into one dossier
(every pair of their treatments); and for a prescription of every product the index lists,
checked against each patient. One Node process for all of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clinical import Index
from clinical.fhir import reader
from clinical.text import normalise
from tests.clinical.conftest import INDEX_PATH, missing
from tests.support import browser_tool
from vault import Item, Section
from vault.items import Author
from web.client.clinical import check_prescription, review_items
from web.client.fhir import prepare

REPO = Path(__file__).resolve().parents[2]
BROWSER = REPO / "web" / "browser"
TOOL = BROWSER / "build" / "test" / "tools" / "alerts.js"
TODAY = "2026-12-01"
VECTORS = json.loads((REPO / "tests" / "vectors" / "clinical.json").read_text("utf-8"))
# Names as a professional may type them: ligatures, curly quotes, odd spaces, compatibility
# forms, a combining grapheme joiner, Turkish dotted I.
TRICKY = ["BÊTA- BLOQUANTS", "l’ANSM", "Œstrogènes", "a\u00a0b", "x\u2003-\u2003y", "\ufb01n",
          "Ⅳ", "İstanbul", "Straße", "a\u034fb", "a\x85b", "\ufeffx", " \tTrim\n ", "ﬀ´`‘"]
# A grant without the allergies (a professional's partial view), for every other patient.
GRANTED = [s for s in Section if s not in (Section.ALLERGIES, Section.PERSONAL_NOTES)]


@pytest.fixture(scope="module")
def node() -> str:
    return browser_tool("alerts")


def _patients(fhir_dir: Path) -> list[tuple[str, list[Item]]]:
    found = []
    for n, path in enumerate(sorted((fhir_dir / "synthea").glob("*.json.gz"))):
        mapped = prepare([(path.name, path.read_bytes())], today=TODAY).items
        found.append((path.name, [
            Item(f"p{n}-{k}", 1, Section.parse(m.section), m.item_type, m.title, m.date, m.body,
                 Author.patient(), 0) for k, m in enumerate(mapped)]))
    return found


def _drug_allergies() -> list[Item]:
    found = {(a["name"], json.dumps(a["codes"])): a for c in VECTORS["cases"]
             for a in c["allergies"]}
    items = [Item(f"allergy-{n}", 1, Section.ALLERGIES, "allergy", a["name"], "2020-01-01",
                  {"codes": a["codes"], "clinical_status": ["active"]}, Author.patient(), 0)
             for n, a in enumerate(found.values())]
    return [*items, Item("allergy-nsaid", 1, Section.ALLERGIES, "allergy", "AINS", "2020-01-01",
                         {"clinical_status": ["active"]}, Author.patient(), 0),
            Item("allergy-resolved", 1, Section.ALLERGIES, "allergy", "Warfarine", "2020-01-01",
                 {"rxnorm": "855332", "clinical_status": ["resolved"]}, Author.patient(), 0)]


def _prescriptions(index: Index) -> list[tuple[str, dict[str, Any] | None]]:
    """Every product and ingredient code the index maps, a code typed by hand, a name."""
    coded: list[tuple[str, dict[str, Any] | None]] = [
        (f"RxNorm {code}", {"codes": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                       "code": code}]})
        for code in sorted(index.products)]
    return [*coded, ("Warfarine", {"rxnorm": "855332"}), ("Amoxicilline", None),
            ("Ibuprofène", {})]


def _view(n: int) -> dict[str, Any]:
    """Even patients: a professional's partial view; odd: the patient's own (masked items)."""
    if n % 2 == 0:
        return {"carried": [s.value for s in GRANTED], "masked": None}
    return {"carried": None, "masked": n % 3}


def test_browser_alerts_equal_python_on_every_synthea_patient(
        fhir_dir: Path, index: Index, node: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Validation against the R4 models (most of the import's time) changes nothing in the
    # mapping and is tested with the import (test_client_import.py): skipped here for CI time.
    monkeypatch.setattr(reader, "_validate", lambda doc, entries: None)
    patients = _patients(fhir_dir)
    assert len(patients) >= 20
    # Synthea's allergies are to food, pollen, animals: the drug allergies of the vectors
    # join the merged dossier, so the allergy rules meet every treatment and prescription.
    everyone = [*(i for _, items in patients for i in items), *_drug_allergies()]
    dossiers = [*patients, ("all patients in one dossier", everyone)]
    rx = _prescriptions(index)
    payload: list[dict[str, Any]] = []
    expected: list[dict[str, Any]] = []
    for n, (_, items) in enumerate(dossiers):
        view = _view(n)
        carried = None if view["carried"] is None else [Section(s) for s in view["carried"]]
        payload.append({
            "items": [{"item_id": i.item_id, "section": i.section.value, "title": i.title,
                       "date": i.date, "body": i.body} for i in items],
            **view, "prescriptions": [{"title": t, "body": b} for t, b in rx]})
        expected.append({
            "alerts": [a.json() for a in review_items(items, index, carried=carried,
                                                      masked=view["masked"])],
            "prescriptions": [[a.json() for a in check_prescription(
                t, b, items, index, carried=carried, masked=view["masked"])] for t, b in rx]})
    names = [*json.loads(INDEX_PATH.read_bytes())["names"], *TRICKY,
             *(i.title for _, items in dossiers for i in items)]
    done = subprocess.run([node, str(TOOL), str(INDEX_PATH)], input=json.dumps({
        "patients": payload, "names": names}), capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["normalised"] == [normalise(n) for n in names]
    got = out["patients"]
    assert len(got) == len(expected)
    for (name, _), mine, theirs in zip(dossiers, got, expected, strict=True):
        assert mine["alerts"] == theirs["alerts"], name
        for (title, _), a, b in zip(rx, mine["prescriptions"], theirs["prescriptions"],
                                    strict=True):
            assert a == b, (name, title)
    # The comparison is not empty: the set raises every kind the rules have.
    kinds = {(a["kind"], a["level"]) for e in expected for a in e["alerts"]} | {
        (a["kind"], a["level"]) for e in expected for p in e["prescriptions"] for a in p}
    assert {k for k, _ in kinds} == {"interaction", "allergy", "unchecked", "partial_view"}
    assert {"contre-indication", "association déconseillée", "précaution d'emploi",
            "à prendre en compte"} <= {lv for _, lv in kinds}


def test_the_tool_refuses_a_damaged_index(node: str, tmp_path: Path) -> None:
    broken = tmp_path / "index.json"
    broken.write_text('{"format": 1, "names": []}')
    done = subprocess.run([node, str(TOOL), str(broken)], input='{"patients": []}',
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ})
    assert done.returncode == 2 and "interaction index is damaged" in done.stderr


def test_python_alerts_do_not_depend_on_the_hash_seed() -> None:
    """Ibuprofen and naproxen both belong to two NSAID classes the thesaurus pairs: the entry
    matches either way round, and the one reported must not change from one process to the
    next (the browser, which has no hash seed, must be able to agree)."""
    code = ("import json, os\n"
            "from clinical import Code, Substance, check_prescription\n"
            "from web.client.clinical import load_index\n"
            "R = 'http://www.nlm.nih.gov/research/umls/rxnorm'\n"
            "alerts = check_prescription(Substance('i', (Code(R, '310965'),), 'new'),\n"
            "    [Substance('n', (Code(R, '198014'),), 't')], [], load_index(os.environ))\n"
            "print(json.dumps([a.json() for a in alerts]))\n")
    if not INDEX_PATH.is_file():
        missing(f"no interaction index at {INDEX_PATH}")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=REPO, timeout=120,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(runs) == 1
    assert len(json.loads(runs.pop())) >= 2

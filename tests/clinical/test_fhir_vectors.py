"""tests/vectors/fhir.json: the Python reader, mapping and IPS export still give what the
vectors say (the browser's ``web/browser/test/fhir.test.ts`` passes the same file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir import Author, build, check
from scripts.vectors_fhir import TODAY, VItem, expected

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "fhir.json").read_text(encoding="utf-8"))
DOCS = VECTORS["documents"]
IPS = VECTORS["ips"]


@pytest.mark.parametrize("case", DOCS, ids=[c["name"] for c in DOCS])
def test_mapping_vector(case: dict[str, Any]) -> None:
    assert VECTORS["today"] == TODAY
    assert expected(case) == case["expected"]


@pytest.mark.parametrize("case", IPS, ids=[c["name"] for c in IPS])
def test_ips_vector(case: dict[str, Any]) -> None:
    items = [VItem(i["item_id"], i["section"], i["type"], i["title"], i["date"], i["body"])
             for i in case["items"]]
    a = case["author"]
    doc = build(items, dossier_id=case["dossier_id"], shown=case["shown"],
                author=Author(a["kind"], a["ps_id"], a["name"]), now=case["now"])
    assert json.dumps(doc, ensure_ascii=False, indent=1) == case["expected"]
    check(doc)


def test_nir_vectors() -> None:
    from web.nir import InvalidNir, parse_nir

    for case in VECTORS["nir"]:
        try:
            parse_nir(case["text"])
            assert case["valid"], case
        except InvalidNir:
            assert not case["valid"], case


def test_vectors_cover_the_sources_and_the_edge_cases() -> None:
    names = " ".join(c["name"] for c in DOCS)
    assert names.count("synthea") >= 3 and "ips " in names and "ans " in names
    mapped = [c["expected"] for c in DOCS if "items" in c["expected"]]
    items = [i for e in mapped for i in e["items"]]
    types = {(i["section"], i["type"]) for i in items}
    assert {("allergies", "intolerance"), ("care_history", "note"), ("blood_group", "blood_group"),
            ("exam_results", "imaging"), ("emergency_contacts", "contact"),
            ("care_history", "document"), ("current_treatments", "prescription")} <= types
    skipped = {k for e in mapped for k in e["skipped"]}
    assert {"Claim", "ExplanationOfBenefit", "CarePlan", "Goal", "Basic"} <= skipped
    assert any(i["date"] == TODAY for i in items)  # no date anywhere: the import day
    assert any(i["date"] == "2021-06-30" for i in items)  # no date: the bundle's timestamp
    assert any(i["attachment"] for i in items)
    assert any(len(i["body"]["codes"]) > 1 for i in items)
    assert sum(1 for c in DOCS if "error" in c["expected"]) >= 6
    withheld = [c for c in IPS if '"withheld"' in c["expected"]]
    assert withheld and any(c["author"]["kind"] == "professional" for c in withheld)

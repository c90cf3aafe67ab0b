"""tests/vectors/clinical.json: the alert cases every client must pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinical import Code, Index, Substance, View, check_prescription, review

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "clinical.json")
                     .read_text(encoding="utf-8"))


def _sub(x: dict[str, Any]) -> Substance:
    return Substance(x["name"], tuple(Code(c["system"], c["code"]) for c in x["codes"]),
                     x["ref"])


def _shape(alert: Any) -> dict[str, Any]:
    shape = {"kind": alert.kind, "level": alert.level.value if alert.level else None,
             "levels": [lv.value for lv in alert.levels], "refs": [d.ref for d in alert.drugs],
             "matched": list(alert.matched)}
    if alert.kind == "partial_view":
        shape["details"] = list(alert.details)
    return shape


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_vector(case: dict[str, Any], index: Index) -> None:
    assert index.version.startswith(VECTORS["index"])
    v = case.get("view")
    view = View(masked=v["masked"], missing=frozenset(v["missing"])) if v else View()
    treatments = [_sub(t) for t in case["treatments"]]
    allergies = [_sub(a) for a in case["allergies"]]
    if case["check"] == "review":
        alerts = review(treatments, allergies, index, view)
    else:
        alerts = check_prescription(_sub(case["new"]), treatments, allergies, index, view)
    assert [_shape(a) for a in alerts] == case["expected"]


def test_vectors_cover_every_kind_and_level() -> None:
    seen = {(e["kind"], e["level"]) for c in VECTORS["cases"] for e in c["expected"]}
    assert {k for k, _ in seen} == {"interaction", "allergy", "unchecked", "partial_view"}
    assert {"contre-indication", "association déconseillée", "précaution d'emploi"} <= {
        lv for _, lv in seen}


def test_alert_json_carries_what_the_cli_prints(index: Index) -> None:
    [alert] = review([Substance("Warfarin", (Code("", "855332"),), "t1"),
                      Substance("Naproxen", (Code("", "198014"),), "t2")], [], index)
    doc = alert.json()
    assert doc["kind"] == "interaction" and doc["level"] == "association déconseillée"
    assert [d["codes"][0]["code"] for d in doc["drugs"]] == ["855332", "198014"]
    assert doc["matched"] == ["ANTICOAGULANTS ORAUX", "ANTI-INFLAMMATOIRES NON STÉROÏDIENS"]
    assert "hémorragique" in doc["text"]  # the thesaurus' own words

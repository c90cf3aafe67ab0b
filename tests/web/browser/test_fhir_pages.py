"""FHIR import and IPS export in a real Chromium (issue 12): a Synthea bundle imported in the
browser (read, mapped and encrypted there) gives the Python client the very items the
Python mapping makes of the same file; importing it again adds nothing; the IPS bundle the
browser downloads passes ``clinical.fhir.ips.check`` and carries the same resources as the
Python client's ``patient export-ips``. No plaintext on the wire, no CSP violation, no
serious accessibility violation, 375 px without horizontal scrolling."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir import check, map_document, read
from tests.e2e.conftest import Server, Smtp
from tests.web.browser.support import (
    DESK,
    PHONE,
    SCREENSHOTS,
    axe_violations,
    browser_on_sqlite,
    chromium,
    csp_violations,
    emailed_patient,
    new_page,
    no_horizontal_scroll,
)
from tests.web.browser.test_patient_pages import PASSPHRASE, _activate_in_browser

REPO = Path(__file__).resolve().parents[3]
SYNTHEA = (REPO.parent / "shared" / "data" / "fhir" / "synthea"
           / "Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json.gz")
PDF = b"%PDF-1.4\n" + b"compte rendu " * 100 + b"\n%%EOF\n"
DOCUMENT = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
    "resourceType": "DocumentReference", "id": "cr-1", "status": "current",
    "description": "Compte rendu opératoire du genou", "date": "2024-03-03T12:00:00Z",
    "content": [{"attachment": {"contentType": "application/pdf",
                                "data": base64.b64encode(PDF).decode()}}]}}]}


async def _pick(page: Any, data: bytes) -> None:
    await page.get_by_label("Fichier FHIR").set_input_files(
        files=[{"name": "synthea.json", "mimeType": "application/json", "buffer": data}])


async def _import(page: Any, data: bytes) -> str:
    await _pick(page, data)
    await page.get_by_role("button", name="Importer", exact=True).click()
    summary = page.locator("#fhir-summary")
    await summary.get_by_text("ajoutée(s) à partir de").wait_for(timeout=180_000)
    return str(await summary.inner_text())


async def _shot(page: Any, name: str) -> None:
    """The panel only: the dossier below lists a whole Synthea patient."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#fhir-panel").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _key(row: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (row["section"], row["type"], row["title"], row["date"],
            row["body"]["fhir"]["identity"])


async def test_fhir_import_and_ips_export_in_the_browser(server: Server, smtp: Smtp,
                                                          tmp_path: Path) -> None:
    browser_on_sqlite(server)
    if not SYNTHEA.exists():
        pytest.skip(f"the shared Synthea data is missing ({SYNTHEA.parent})")
    person, code = emailed_patient(server, smtp, "fhir")
    data = gzip.decompress(SYNTHEA.read_bytes())
    today = dt.date.today().isoformat()
    mapped = map_document(read(data), today=today)  # what the Python import would add
    want = Counter((i.section, i.item_type, i.title, i.date, i.identity) for i in mapped.items)
    by_section = Counter(i.section for i in mapped.items)

    async with chromium() as browser:
        page, problems = await new_page(browser)
        await _activate_in_browser(page, server, person, code)
        await page.get_by_text("Importer ou exporter (FHIR, IPS)").click()
        assert await axe_violations(page) == []
        await _pick(page, data[: len(data) // 2])  # a truncated file: nothing is added
        await page.get_by_role("button", name="Importer", exact=True).click()
        await page.get_by_role("alert").filter(has_text="ne peut pas être importé").wait_for()
        assert "truncated" in (await page.get_by_role("alert").inner_text())
        text = await _import(page, data)
        assert f"{len(mapped.items)} information(s) ajoutée(s)" in text
        assert f"Allergies : {by_section['allergies']}" in text
        for kind, n in mapped.skipped.items():
            assert f"{kind} : {n} (type non pris en charge)" in text
        assert await page.locator("#fhir-progress").get_attribute("value") == str(
            len(mapped.items))
        await _shot(page, "fhir-import-desk")
        assert await axe_violations(page) == []
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await _shot(page, "fhir-import-phone")
        await page.set_viewport_size(DESK)

        again = await _import(page, data)  # idempotent: every identity is already there
        assert "0 information(s) ajoutée(s)" in again and "Rien de nouveau" in again
        assert f"{len(mapped.items)} déjà présente(s)" in again

        async with page.expect_download() as info:
            await page.get_by_role("button", name="Télécharger le résumé IPS").click()
        download = await info.value
        browser_ips = json.loads(Path(await download.path()).read_bytes())  # noqa: ASYNC240
        await page.get_by_text("Résumé IPS téléchargé").wait_for()
        # A document with its PDF: the file becomes the item's encrypted attachment.
        await _import(page, json.dumps(DOCUMENT).encode())
        await page.locator("#fhir-summary").get_by_text("Historique des soins : 1").wait_for()
        assert await csp_violations(page) == []
        assert problems == []

    check(browser_ips)
    env = {"CARNET_PASSPHRASE": PASSPHRASE}
    listed = server.cli_json("patient", "list", "--nir", person["nir"], home="py-device", env=env)
    rows = listed["items"]
    doc = next(r for r in rows if r["type"] == "document")
    assert doc["attachment"] == {"name": "Compte rendu opératoire du genou.pdf",
                                 "media_type": "application/pdf", "size": len(PDF)}
    saved = tmp_path / "cr.pdf"
    server.cli_json("patient", "show", doc["item_id"], "--save-attachment", str(saved),
                    "--nir", person["nir"], home="py-device", env=env)
    assert saved.read_bytes() == PDF
    rows = [r for r in rows if r is not doc]
    assert Counter(_key(r) for r in rows) == want  # the same items, once each
    py_file = tmp_path / "python-ips.json"
    server.cli_json("patient", "export-ips", str(py_file), "--nir", person["nir"],
                    home="py-device", env=env)
    python_ips = json.loads(py_file.read_text(encoding="utf-8"))
    # Same items, same ids: the resources (after the Composition) are the same bytes.
    assert browser_ips["entry"][1:] == python_ips["entry"][1:]
    assert ([s.get("entry") for s in browser_ips["entry"][0]["resource"]["section"]]
            == [s.get("entry") for s in python_ips["entry"][0]["resource"]["section"]])

    wire = server.proxy.captured()
    for title in {r["title"] for r in rows if len(r["title"]) >= 16}:
        assert title.encode() not in wire, title  # what the bundle says stayed encrypted
    assert b"Kermit" not in wire and b"urn:uuid:" not in wire and b"%PDF" not in wire

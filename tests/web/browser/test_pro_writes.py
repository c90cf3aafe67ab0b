"""The professional's writes in a real Chromium (issue 13): through a read+write consent, an
amoxicillin prescription for a patient allergic to penicillin raises the allergy alert
before anything is saved; confirmed, it is saved with the acknowledged alert, which the
patient's Python client reads; a consultation report with a PDF; the IPS export; and the
"Dépôt de document" page, where a laboratory leaves a result by NIR, filed by the patient's
Python client. CSP, axe, 375 px and screenshots (prowrite-<page>-phone|desk)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

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
    screenshot,
)
from tests.web.browser.test_pro_pages import _sign_in

PATIENT = {"CARNET_PASSPHRASE": f"patiente des écritures {secrets.token_hex(3)}"}
DOCTOR = {"CARNET_PASSPHRASE": f"docteur des écritures {secrets.token_hex(3)}"}
LAB = {"CARNET_PASSPHRASE": f"laboratoire des dépôts {secrets.token_hex(3)}"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _review(page: Any, name: str) -> None:
    """axe at desk width, then 375 px without horizontal scroll; screenshots of both."""
    assert await axe_violations(page) == [], name
    await screenshot(page, f"prowrite-{name}-desk")
    await page.set_viewport_size(PHONE)
    assert await no_horizontal_scroll(page), name
    await screenshot(page, f"prowrite-{name}-phone")
    await page.set_viewport_size(DESK)


def _rows(server: Server) -> list[dict[str, Any]]:
    listed = server.cli_json("patient", "list", home="pwp", env=PATIENT)
    rows: list[dict[str, Any]] = listed["items"] if isinstance(listed, dict) else listed
    return rows


async def test_prescription_checked_before_saving_and_a_deposit(server: Server, smtp: Smtp,
                                                                tmp_path: Path) -> None:
    browser_on_sqlite(server)
    person, code = emailed_patient(server, smtp, "prowrite")
    server.cli_json("patient", "activate", "--nir", person["nir"], "--code", code,
                    home="pwp", env=PATIENT)
    server.cli_json("patient", "add", "allergies", "allergy", "Pénicilline", "--date",
                    "2024-03-01", home="pwp", env=PATIENT)
    doc_id, lab_id = "810000000141", "810000000142"
    server.cli_json("pro", "register", "--id", doc_id, "--name", "Dr Hélène Roux",
                    "--profession", "médecin", home="pwdoc", env=DOCTOR)
    server.operator("approve", doc_id)
    server.cli_json("pro", "register", "--id", lab_id, "--name", "Laboratoire des Brotteaux",
                    "--profession", "biologiste", home="pwlab", env=LAB)
    server.operator("approve", lab_id)
    granted = server.cli_json("patient", "grant", "--to", doc_id, "--section", "allergies",
                              "--section", "current_treatments", "--section", "care_history",
                              "--write", "--duration", "30d", "--yes", home="pwp", env=PATIENT)
    canary = f"CANARY{secrets.token_hex(6)}"
    pdf = tmp_path / "compte-rendu.pdf"
    pdf.write_bytes(PDF)

    async with chromium() as browser:
        doc, problems = await new_page(browser)
        await _sign_in(doc, server, DOCTOR["CARNET_PASSPHRASE"],
                       server.homes / "pwdoc" / "pro.carnet")
        await doc.get_by_role("heading", name="Scanner un code de consentement").wait_for(
            timeout=60_000)
        await doc.locator("#pc-text").fill(granted["token"])
        await doc.locator("#pro-paste-form").get_by_role("button").click()
        await doc.get_by_role("heading", name="Dossier du patient").wait_for(timeout=30_000)
        await doc.get_by_role("heading", name="Ajouter au dossier").wait_for()

        # The prescription: checked before saving; the allergy stops it until confirmed.
        await doc.locator("#pw-rx-panel > summary").click()
        rx = doc.locator("#pw-rx-form")
        await rx.get_by_label("Médicament").fill("Amoxicilline")
        await rx.get_by_label("Posologie").fill(f"1 g matin et soir {canary}")
        await rx.get_by_label("Durée").fill("7 jours")
        await rx.get_by_role("button", name="Vérifier et enregistrer").click()
        check = doc.locator("#pw-rx-check")
        await check.get_by_role("heading", name="Alertes pour cette prescription").wait_for()
        alert = check.locator(".pw-alert", has_text="Allergie : Pénicilline — Amoxicilline")
        assert await alert.count() == 1
        assert "Contre-indication" in (await alert.text_content() or "")
        assert not [r for r in _rows(server) if r["title"] == "Amoxicilline"]  # nothing yet
        await _review(doc, "check")
        await check.get_by_role("button", name="Enregistrer malgré les alertes").click()
        await doc.get_by_role("alert").filter(has_text="Cochez la case").wait_for()
        assert not [r for r in _rows(server) if r["title"] == "Amoxicilline"]
        await check.get_by_label("J'ai pris connaissance de ces alertes").check()
        await check.get_by_role("button", name="Enregistrer malgré les alertes").click()
        await doc.locator("#pw-done", has_text="avec les alertes que vous avez confirmées"
                          ).wait_for(timeout=30_000)
        saved = [r for r in _rows(server) if r["title"] == "Amoxicilline"]
        assert len(saved) == 1 and saved[0]["type"] == "prescription"
        shown = server.cli_json("patient", "show", saved[0]["item_id"], home="pwp",
                                env=PATIENT)
        said = json.dumps(shown, ensure_ascii=False)
        assert "acknowledged_alerts" in said and "contre-indication" in said
        assert "Dr Hélène Roux" in said and canary in said and "7 jours" in said

        # A consultation report with a PDF, encrypted in the browser.
        await doc.locator("#pw-report-panel > summary").click()
        report = doc.locator("#pw-report-form")
        await report.get_by_label("Titre").fill("Consultation de suivi")
        await report.get_by_label("Texte du compte rendu").fill(f"Examen normal {canary}")
        await report.get_by_label("PDF joint (facultatif)").set_input_files(str(pdf))
        await _review(doc, "dossier")
        await report.get_by_role("button", name="Enregistrer le compte rendu").click()
        await doc.locator("#pw-done", has_text="Consultation de suivi").wait_for(timeout=30_000)
        row = [r for r in _rows(server) if r["title"] == "Consultation de suivi"]
        assert len(row) == 1 and row[0]["section"] == "care_history"
        got = tmp_path / "got.pdf"
        server.cli_json("patient", "show", row[0]["item_id"], "--save-attachment", str(got),
                        home="pwp", env=PATIENT)
        assert got.read_bytes() == PDF

        # The IPS export of what the consent opens, built in the browser.
        async with doc.expect_download() as info:
            await doc.get_by_role("button", name="Exporter en IPS (FHIR)").click()
        bundle = json.loads(Path(await (await info.value).path()).read_text())  # noqa: ASYNC240
        assert bundle["resourceType"] == "Bundle" and "Amoxicilline" in json.dumps(bundle)
        assert await csp_violations(doc) == [] and problems == []

        # The deposit page: a laboratory leaves a result by NIR and reads nothing.
        lab, lab_problems = await new_page(browser)
        await _sign_in(lab, server, LAB["CARNET_PASSPHRASE"],
                       server.homes / "pwlab" / "pro.carnet")
        await lab.get_by_role("heading", name="Scanner un code de consentement").wait_for(
            timeout=60_000)
        await lab.get_by_role("button", name="Dépôt de document (laboratoire, hôpital)").click()
        await lab.get_by_role("heading", name="Dépôt de document").wait_for()
        form = lab.locator("#pw-deposit-form")
        nir = person["nir"]
        await form.get_by_label("Numéro de sécurité sociale (NIR) du patient").fill(
            f"{nir[:1]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}")
        await form.get_by_label("Titre").fill("NFS du jour")
        await form.get_by_label("Contenu").fill(f"Hémoglobine 13,9 g/dL {canary}")
        await _review(lab, "deposit")
        await form.get_by_role("button", name="Déposer").click()
        await lab.locator("#pw-deposit-done", has_text="déposé").wait_for(timeout=30_000)
        await form.get_by_label("Numéro de sécurité sociale (NIR) du patient").fill(
            nir[:-2] + f"{(int(nir[-2:]) + 1) % 97:02d}")
        await form.get_by_label("Titre").fill("Erreur de clé")
        await form.get_by_role("button", name="Déposer").click()
        await lab.get_by_role("alert").filter(has_text="pas un numéro de sécurité sociale"
                                              ).wait_for()
        assert await csp_violations(lab) == [] and lab_problems == []
        await lab.goto(f"{server.url}/pro?lang=en")  # the English page (keys dropped)
        assert await lab.locator("#pw-go-deposit").text_content() == \
            "Deposit a document (laboratory, hospital)"
        assert "Check and save" in (await lab.locator("#pw-rx-form").text_content() or "")

    filed = server.cli_json("patient", "deposits", home="pwp", env=PATIENT)
    assert filed["rejected"] == [] and len(filed["filed"]) == 1
    item = server.cli_json("patient", "show", filed["filed"][0]["item_id"], home="pwp",
                           env=PATIENT)
    assert "NFS du jour" in json.dumps(item, ensure_ascii=False)
    # The patient's history page then shows the consultation and the writes, verified.
    async with chromium() as browser:
        page, problems = await new_page(browser)
        await page.goto(f"{server.url}/patient?lang=fr")
        await page.get_by_role("button", name="Me connecter").click()
        await page.fill("#u-nir", person["nir"])
        await page.fill("#u-pass", PATIENT["CARNET_PASSPHRASE"])
        await page.locator("#unlock-form button[type=submit]").click()
        await page.get_by_role("heading", name="Mon dossier").wait_for(timeout=60_000)
        await page.get_by_role("button", name="Historique", exact=True).click()
        view = page.locator('section[data-view="history"]')
        await view.locator("#history-badge").filter(has_text="Historique vérifié").wait_for(
            timeout=60_000)
        kinds = await view.locator("#history-list > li").evaluate_all(
            "els => els.map(e => e.dataset.kind)")
        assert "token_scanned" in kinds and kinds.count("item_written") >= 2, kinds
        written = view.locator('#history-list > li[data-kind="item_written"]').first
        assert "Hélène Roux" in (await written.text_content() or "")
        assert "a ajouté un document à votre dossier" in (await written.text_content() or "")
        assert await csp_violations(page) == [] and problems == []

    wire = server.proxy.captured()
    for secret in (canary, "Amoxicilline", "Consultation de suivi", "NFS du jour"):
        assert secret.encode() not in wire, secret
    print(f"screenshots: {SCREENSHOTS}")

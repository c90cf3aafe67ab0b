"""The patient's history page in a real Chromium (issue 12): the patient activates in the
browser and grants a doctor, whose Python client scans the QR; the history view, verified in
the browser, tells the scan in people's words under the "Historique vérifié" badge, and the
Python client verifies the same events. Then the server's operator rewrites the scan in the
database (fewer sections opened): the browser shows the red alert and no entries, and the
Python client refuses it too. CSP never violated, no serious axe violation, 375 px without
horizontal scrolling, screenshots ``history-page-desk|phone``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from consent import audit
from tests.e2e.conftest import Server, Smtp
from tests.e2e.db import query
from tests.web.browser.support import (
    DESK,
    PHONE,
    axe_violations,
    browser_on_sqlite,
    chromium,
    csp_violations,
    emailed_patient,
    new_page,
    no_horizontal_scroll,
    screenshot,
)
from tests.web.browser.test_patient_pages import PASSPHRASE, _activate_in_browser, _add

PS_ID = "810000000093"
DOCTOR = {"CARNET_PASSPHRASE": "secret du docteur pour l'historique 93"}
PATIENT = {"CARNET_PASSPHRASE": PASSPHRASE}


async def _rewrite_scan(server: Server, scan: dict[str, Any]) -> None:
    """The operator's edit, as ``tests/e2e/test_history_forgery.py`` plays it: the doctor's
    scan (``scan``, as the Python client listed it) replaced in the database by one that
    claims allergies only were opened (unsigned: the doctor's key is not the operator's)."""
    (dossier_id,) = {d for (d,) in await query(server, "SELECT dossier_id FROM carnet_audit")}
    forged = audit.Event(seq=scan["seq"], at=scan["at"], kind="token_scanned",
                         actor=scan["actor"], detail={"grant": scan["detail"]["grant"],
                                                      "items": 1, "sections": "allergies"})
    await query(server, "UPDATE carnet_audit SET blob = ? WHERE dossier_id = ? AND seq = ?",
                audit.encode_event(forged), dossier_id, scan["seq"])


async def test_the_history_is_verified_in_the_browser_and_a_forgery_shows(
        server: Server, smtp: Smtp, tmp_path: Path) -> None:
    browser_on_sqlite(server)
    person, code = emailed_patient(server, smtp, "history")
    server.cli_json("pro", "register", "--id", PS_ID, "--name", "Dr Camille Durand",
                    "--profession", "médecin", "--city", "Lyon", home="doc", env=DOCTOR)
    server.operator("approve", PS_ID)

    async with chromium() as browser:
        page, problems = await new_page(browser)
        await _activate_in_browser(page, server, person, code)
        await _add(page, "allergies", "allergy", "Pénicilline", "2024-03-01", "urticaire")
        await _add(page, "current_treatments", "medication", "Warfarine 5 mg", "2024-05-01")

        await page.get_by_text("Donner accès à un professionnel").click()
        await page.get_by_label("Nom, ville ou numéro RPPS du professionnel").fill("Durand")
        await page.get_by_role("button", name="Chercher").click()
        await page.get_by_role("button", name="Choisir Dr Camille Durand").click()
        await page.get_by_role("button", name="Créer le code QR").click()
        await page.get_by_role("heading", name="Montrez ce code au professionnel").wait_for()
        qr_png = tmp_path / "consent.png"
        await page.locator("#qr-canvas").screenshot(path=str(qr_png))
        seen = server.cli_json("pro", "scan", "--image", str(qr_png), home="doc", env=DOCTOR)
        assert sorted(i["title"] for i in seen["items"]) == ["Pénicilline", "Warfarine 5 mg"]
        await page.get_by_role("button", name="Terminé").click()

        # The history, verified in the browser, newest first.
        await page.get_by_role("button", name="Historique", exact=True).click()
        view = page.locator('section[data-view="history"]')
        await view.get_by_role("heading", name="Historique").wait_for()
        badge = view.locator("#history-badge")
        await badge.filter(has_text="Historique vérifié").wait_for(timeout=60_000)
        entries = view.locator("#history-list > li")
        first = entries.first
        assert await first.get_attribute("data-kind") == "token_scanned"
        scan = await first.locator("p").text_content() or ""
        assert scan.startswith("Dr Camille Durand (médecin, Lyon) a ouvert votre dossier : ")
        assert "allergies" in scan and "traitements en cours" in scan
        assert scan.endswith(" ; 11 éléments.") and "notes personnelles" not in scan  # 9 identity
        await view.get_by_text("Vous avez autorisé Dr Camille Durand (médecin, Lyon) à "
                               "consulter").wait_for()
        await view.get_by_text("Vous avez ajouté « Pénicilline ».").wait_for()
        # The identity in every section at activation: one line, with its count.
        await view.get_by_text("Vous avez ajouté « Identity ». (10 fois)").wait_for()
        kinds: list[str | None] = []
        seqs: list[int] = []
        for li in await entries.all():
            count = int(await li.get_attribute("data-count") or "0")
            kinds += [await li.get_attribute("data-kind")] * count
            seqs.append(int(await li.get_attribute("data-seq") or "-1"))
        assert seqs == sorted(seqs, reverse=True) and len(kinds) == seqs[0] + 1
        assert kinds.count("token_scanned") == 1 and "grant_issued" in kinds
        await screenshot(page, "history-page-desk")
        assert await axe_violations(page) == []
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await screenshot(page, "history-page-phone")
        await page.set_viewport_size(DESK)

        # The Python client, on another device, verifies the same events.
        python = server.cli_json("patient", "history", "--nir", person["nir"], home="py",
                                 env=PATIENT)
        assert python["verified"] is True
        assert [e["kind"] for e in python["events"]][:len(kinds)] == kinds[::-1]

        # The operator rewrites the scan in the database: the browser refuses the history.
        await _rewrite_scan(server, next(e for e in python["events"]
                                         if e["kind"] == "token_scanned"))
        await view.get_by_role("button", name="Vérifier à nouveau").click()
        await badge.filter(has_text="Historique NON vérifié").wait_for(timeout=60_000)
        await view.get_by_role("alert").filter(
            has_text="une entrée a été modifiée après coup").wait_for()
        changed = "the history changed since it was last verified"  # the Python client's words
        await view.get_by_text(f"Détail technique : {changed}").wait_for()
        assert await entries.count() == 0  # nothing the server says is shown as true
        assert await view.get_by_text("Dr Camille Durand").count() == 0
        await screenshot(page, "history-failed-desk")
        assert await axe_violations(page) == []
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await screenshot(page, "history-failed-phone")
        await page.set_viewport_size(DESK)

        await view.get_by_role("button", name="Retour au dossier").click()
        await page.get_by_role("heading", name="Mon dossier").wait_for()
        assert await csp_violations(page) == []

        # A new page (in English) remembers nothing of the last head: the rewrite still shows.
        await page.goto(f"{server.url}/patient?lang=en")
        await page.get_by_role("button", name="Sign in").click()
        unlock = page.locator('section[data-view="unlock"]')
        await unlock.get_by_label("Social security number (NIR)").fill(person["nir"])
        await unlock.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
        await unlock.get_by_role("button", name="Unlock").click()
        await page.get_by_role("heading", name="My record").wait_for(timeout=60_000)
        await page.get_by_role("button", name="History", exact=True).click()
        await badge.filter(has_text="History NOT verified").wait_for(timeout=60_000)
        await view.get_by_role("alert").filter(
            has_text="an entry was changed afterwards").wait_for()
        await view.get_by_text("Technical detail: the access history does not verify: "
                               "rewritten").wait_for()
        assert await entries.count() == 0
        assert await csp_violations(page) == []
        assert problems == []

    refused = server.cli("patient", "history", "--nir", person["nir"], home="py", env=PATIENT,
                         check=False)
    assert refused.returncode == 2 and changed in refused.stderr, refused.stderr
    assert json.dumps(python, ensure_ascii=False).count("token_scanned") == 1

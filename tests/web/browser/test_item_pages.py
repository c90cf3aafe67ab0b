"""The patient's own items in a real Chromium: the typed add forms (blood group, allergy,
treatment), one item's detail view with its fields and versions, an edit (a new version),
a deletion; the Python client then lists the edited version and not the deleted item. And
the reverse: an item the Python client edits meanwhile makes the browser's stale edit fail
with a message, and its versions show in the browser. No CSP violation, no serious axe
violation, 375 px without horizontal scrolling, screenshots (issue 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Server, Smtp, engine_independent
from tests.web.browser.support import (
    DESK,
    PHONE,
    axe_violations,
    chromium,
    csp_violations,
    emailed_patient,
    need_browser,
    new_page,
    no_horizontal_scroll,
    screenshot,
)
from tests.web.browser.test_patient_pages import PASSPHRASE, _activate_in_browser


async def _add(page: Any, section: str, kind: str, fields: dict[str, str],
               title: str = "", date: str = "") -> None:
    panel = page.locator("#add-panel")
    if await panel.get_attribute("open") is None:
        await page.get_by_text("Ajouter une information").click()
    form = page.locator("#add-form")
    await form.get_by_label("Rubrique").select_option(section)
    await form.get_by_label("Type", exact=True).select_option(kind)
    await form.get_by_label("Intitulé").fill(title)
    await form.get_by_label("Date", exact=True).fill(date)
    for label, value in fields.items():
        control = form.get_by_label(label, exact=True)
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(value)
        else:
            await control.fill(value)
    await form.get_by_role("button", name="Enregistrer").click()


def _rows(server: Server, nir: str) -> dict[str, dict[str, Any]]:
    listed = server.cli_json("patient", "list", "--nir", nir, home="py-items",
                             env={"CARNET_PASSPHRASE": PASSPHRASE})
    return {r["type"]: r for r in listed["items"]}


async def test_patient_adds_edits_and_deletes_items_with_typed_forms(server: Server,
                                                                     smtp: Smtp) -> None:
    need_browser()
    engine_independent(server, "the item pages are the browser's")
    person, code = emailed_patient(server, smtp, "items")

    async with chromium() as browser:
        page, problems = await new_page(browser)
        dialogs: list[str] = []

        async def accept(dialog: Any) -> None:
            dialogs.append(dialog.message)
            await dialog.accept()

        page.on("dialog", accept)
        await _activate_in_browser(page, server, person, code)
        # Typed forms: no title or date for a blood group (taken from the group, today).
        await _add(page, "blood_group", "blood_group", {"Groupe ABO": "A", "Rhésus": "+"})
        await page.locator(".item-title", has_text="Groupe sanguin A+").wait_for()
        await _add(page, "allergies", "allergy", {"Substance": "Pénicilline",
                                                  "Réaction": "urticaire",
                                                  "Gravité": "modérée"}, date="2024-03-01")
        await page.locator(".item-title", has_text="Pénicilline").wait_for()
        await _add(page, "current_treatments", "medication",
                   {"Médicament": "Lévothyrox 75 µg", "Posologie": "1 comprimé le matin",
                    "Depuis le": "2024-01-10"}, date="2024-01-10")
        await page.locator(".item-title", has_text="Lévothyrox 75 µg").wait_for()
        # A future date is refused for a past event, in French.
        await _add(page, "vaccinations", "vaccination", {"Vaccin": "DTP"}, date="2999-01-01")
        await page.get_by_role("alert").filter(has_text="dans le futur").wait_for()

        # The detail view: every field, the version, who wrote it.
        await page.get_by_role("button", name="Voir / Détails : « Pénicilline »").click()
        view = page.locator('section[data-view="item"]')
        await view.get_by_role("heading", name="Pénicilline").wait_for()
        fields = view.locator("#item-view-fields")
        for text in ("Substance", "Pénicilline", "Réaction", "urticaire", "Gravité", "modérée"):
            await fields.get_by_text(text, exact=True).wait_for()
        await view.locator("#item-revisions li").filter(has_text="Version 1").filter(
            has_text="par vous").wait_for()
        await screenshot(page, "items-detail-desk")
        assert await axe_violations(page) == []

        # Edit: a new version; the first stays listed.
        await view.get_by_role("button", name="Modifier").click()
        edit = view.locator("#item-edit-form")
        assert await edit.get_by_label("Réaction").input_value() == "urticaire"
        await screenshot(page, "items-edit-desk")
        assert await axe_violations(page) == []
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await screenshot(page, "items-edit-phone")
        await page.set_viewport_size(DESK)
        await edit.get_by_label("Réaction").fill("œdème de Quincke")
        await edit.get_by_label("Gravité").select_option("sévère")
        await edit.get_by_role("button", name="Enregistrer la nouvelle version").click()
        await page.get_by_text("Nouvelle version enregistrée (version 2)").wait_for()
        await fields.get_by_text("œdème de Quincke", exact=True).wait_for()
        revisions = view.locator("#item-revisions li")
        assert await revisions.count() == 2
        assert "(actuelle)" in (await revisions.nth(0).text_content() or "")
        assert "urticaire" in (await revisions.nth(1).text_content() or "")
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await screenshot(page, "items-detail-phone")
        assert await axe_violations(page) == []
        await page.set_viewport_size(DESK)

        # Delete the treatment, after a confirmation.
        await view.get_by_role("button", name="Retour au dossier").click()
        await page.get_by_role("button", name="Voir / Détails : « Lévothyrox 75 µg »").click()
        await view.get_by_role("heading", name="Lévothyrox 75 µg").wait_for()
        await view.get_by_role("button", name="Supprimer").click()
        await page.get_by_text("« Lévothyrox 75 µg » est supprimé.").wait_for()
        assert dialogs and "toutes ses versions" in dialogs[-1]
        assert await page.locator(".item-title", has_text="Lévothyrox").count() == 0

        # Advance directives: text and a PDF, read back from the detail view; then an edit
        # that removes the file.
        pdf = b"%PDF-1.7\n" + b"directives " * 8000 + b"\n%%EOF\n"  # more than one chunk
        await page.locator("#add-form").get_by_label("Fichier joint (facultatif)").set_input_files(
            files=[{"name": "directives.pdf", "mimeType": "application/pdf", "buffer": pdf}])
        await _add(page, "advance_directives", "advance_directive",
                   {"Texte": "Pas d'acharnement thérapeutique"}, title="Mes directives",
                   date="2024-09-01")
        await page.get_by_role("button", name="Voir / Détails : « Mes directives »").click()
        await view.get_by_role("heading", name="Mes directives").wait_for()
        await view.get_by_text("Fichier joint : directives.pdf").wait_for()
        async with page.expect_download() as download_info:
            await view.get_by_role("button", name="Télécharger directives.pdf").click()
        saved = await (await download_info.value).path()
        assert Path(saved).read_bytes() == pdf  # noqa: ASYNC240 (a test)
        await view.get_by_role("button", name="Modifier").click()
        await edit.get_by_label("Texte").fill("Pas d'acharnement ; don d'organes accepté")
        await edit.get_by_label("Retirer le fichier joint").check()
        await edit.get_by_role("button", name="Enregistrer la nouvelle version").click()
        await page.get_by_text("Nouvelle version enregistrée (version 2)").wait_for()
        assert await view.get_by_text("Fichier joint : directives.pdf").count() == 0
        await view.get_by_role("button", name="Retour au dossier").click()

        # The Python client, on another device, reads the edited version, not the deleted one.
        rows = _rows(server, person["nir"])
        assert "medication" not in rows
        allergy = rows["allergy"]
        assert allergy["revision"] == 2 and allergy["title"] == "Pénicilline"
        assert allergy["body"] == {"substance": "Pénicilline", "reaction": "œdème de Quincke",
                                   "severity": "sévère"}
        assert rows["blood_group"]["body"] == {"abo": "A", "rhesus": "+"}
        assert rows["blood_group"]["title"] == "Groupe sanguin A+"
        directive = rows["advance_directive"]
        assert directive["revision"] == 2 and directive["attachment"] is None
        assert directive["body"] == {"text": "Pas d'acharnement ; don d'organes accepté"}

        # The reverse: the Python client edits the allergy while the browser shows version 2.
        await page.get_by_role("button", name="Voir / Détails : « Pénicilline »").click()
        await view.get_by_role("heading", name="Pénicilline").wait_for()
        server.cli_json("patient", "edit", allergy["item_id"], "--nir", person["nir"],
                        "--title", "Allergie à la pénicilline", home="py-items",
                        env={"CARNET_PASSPHRASE": PASSPHRASE})
        await view.get_by_role("button", name="Modifier").click()
        await edit.get_by_label("Réaction").fill("choc")
        await edit.get_by_role("button", name="Enregistrer la nouvelle version").click()
        await page.get_by_role("alert").filter(has_text="modifiée sur un autre appareil").wait_for()
        await view.get_by_role("heading", name="Allergie à la pénicilline").wait_for()
        assert await revisions.count() == 3
        assert "(actuelle)" in (await revisions.nth(0).text_content() or "")
        assert await fields.get_by_text("choc", exact=True).count() == 0  # nothing merged
        assert await csp_violations(page) == []
        assert problems == []

    rows = _rows(server, person["nir"])
    assert rows["allergy"]["revision"] == 3
    assert rows["allergy"]["body"]["reaction"] == "œdème de Quincke"

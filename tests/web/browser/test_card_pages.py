"""The emergency card in a real Chromium (issue 12): the patient makes a card in the browser,
sees it as it prints (only the card goes on paper), downloads it as a PDF and then, on a step
of its own, the access code on a separate slip PDF; the Python client opens the card with
that code and sees the allergy added in the browser. Break-glass off and on shows its state
from the server; a card the Python client made shows in the browser, whose renewal revokes
it. CSP never violated, no serious axe violation, 375 px without horizontal scrolling,
screenshots for review."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image, ImageDraw

from consent import qr
from consent.errors import QrUnreadable
from tests.e2e.conftest import Server, Smtp, activation_code
from tests.e2e.test_journey import load_registry, registry_for
from tests.web.browser.support import (
    DESK,
    PHONE,
    axe_violations,
    browser_on_sqlite,
    chromium,
    csp_violations,
    new_page,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PASSPHRASE = f"sarcelle noisette {secrets.token_hex(3)} phare tilleul"
FRIEND_PASSPHRASE = f"ornithorynque galet {secrets.token_hex(3)} verveine"
MM = 72 / 25.4


def pdf_text(data: bytes) -> tuple[pypdf.PageObject, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    return page, " ".join(page.extract_text().split())


def pdf_qr(data: bytes) -> list[str]:
    """The QR codes of a PDF whose code is drawn as filled black rectangles (cardpdf.ts),
    rasterised here at 8 px a point and read by zxing-cpp."""
    text = data.decode("latin-1")
    stream = text[text.index("stream\n") + 7:text.index("endstream")]
    scale, height = 8, 153.07
    image = Image.new("L", (int(242.65 * scale), int(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    black = False
    for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) rg\n|([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) "
                         r"re\nf", stream):
        if m.group(1):
            black = max(float(m.group(i)) for i in (1, 2, 3)) < 0.1
            continue
        if not black:
            continue
        x, y, w, h = (float(m.group(i)) for i in range(4, 8))
        draw.rectangle((x * scale, (height - y - h) * scale, (x + w) * scale - 1,
                        (height - y) * scale - 1), fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return qr.read_image(out.getvalue())


async def _activate(page: Any, server: Server, person: dict[str, str], code: str) -> None:
    await page.goto(f"{server.url}/patient?lang=fr")
    await page.get_by_role("button", name="Activer mon dossier").click()
    form = page.locator('section[data-view="activate"]')
    await form.get_by_label("Numéro de sécurité sociale (NIR)").fill(person["nir"])
    await form.get_by_label("Code d'activation").fill(code)
    await form.get_by_label("Vos prénom et nom").fill("Inès Lefèvre")
    await form.get_by_label("Date de naissance").fill("1985-05-01")
    await form.get_by_label("Phrase secrète", exact=True).fill(PASSPHRASE)
    await form.get_by_label("Confirmez la phrase secrète").fill(PASSPHRASE)
    await form.get_by_role("button", name="Activer", exact=True).click()
    await page.get_by_role("button", name="J'ai noté mon code").click(timeout=90_000)
    await page.get_by_role("heading", name="Mon dossier").wait_for(timeout=60_000)


async def _unlock(page: Any, nir: str) -> None:
    await page.get_by_role("button", name="Verrouiller").click()
    unlock = page.locator('section[data-view="unlock"]')
    await unlock.get_by_label("Numéro de sécurité sociale (NIR)").fill(nir)
    await unlock.get_by_label("Phrase secrète", exact=True).fill(PASSPHRASE)
    await page.get_by_role("button", name="Déverrouiller").click()
    await page.get_by_role("heading", name="Mon dossier").wait_for(timeout=60_000)
    panel = page.locator("#emergency-panel")
    if await panel.get_attribute("open") is None:
        await page.get_by_text("En cas d'urgence : carte").click()


async def add_allergy(page: Any, title: str, date: str) -> None:
    """Fill and save the open add form as an allergy titled ``title``."""
    await page.get_by_label("Rubrique").select_option("allergies")
    await page.get_by_label("Type").select_option("allergy")
    await page.get_by_label("Intitulé").fill(title)
    await page.get_by_label("Date", exact=True).fill(date)
    await page.get_by_role("button", name="Enregistrer").click()
    await page.locator(".item-title", has_text=title).first.wait_for()


async def _download(page: Any, button: str) -> bytes:
    async with page.expect_download() as info:
        await page.get_by_role("button", name=button).click()
    return Path(await (await info.value).path()).read_bytes()  # noqa: ASYNC240 (a test)


async def _check_view(page: Any, name: str) -> None:
    assert await axe_violations(page) == []
    await screenshot(page, f"{name}-desk")
    await page.set_viewport_size(PHONE)
    assert await no_horizontal_scroll(page)
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size(DESK)


async def test_card_made_printed_and_opened(server: Server, smtp: Smtp, tmp_path: Path) -> None:
    browser_on_sqlite(server)
    people = registry_for(server, "card")
    load_registry(server, people)
    person = people["email"]
    nir = person["nir"]
    server.operator("send-codes", "--channel", "email", "--nir", nir)
    code = activation_code(smtp.wait_for(person["email"], "code d'activation"))
    py = {"CARNET_PASSPHRASE": PASSPHRASE}
    # An emergency contact with a Carnet record of their own (made with the Python client).
    friend = people["request"]
    server.operator("send-codes", "--channel", "email", "--nir", friend["nir"])
    friend_code = activation_code(smtp.wait_for(friend["email"], "code d'activation"))
    friend_env = {"CARNET_PASSPHRASE": FRIEND_PASSPHRASE}
    server.cli_json("patient", "activate", "--nir", friend["nir"], "--code", friend_code,
                    home="friend-card", env=friend_env)
    contact = server.cli_json("patient", "contact-code", home="friend-card",
                              env=friend_env)["code"]

    async with chromium() as browser:
        page, problems = await new_page(browser)
        await _activate(page, server, person, code)
        await page.get_by_text("Ajouter une information").click()
        await page.get_by_label("Rubrique").select_option("allergies")
        await page.get_by_label("Type").select_option("allergy")
        await page.get_by_label("Intitulé").fill("Pénicilline")
        await page.get_by_label("Date", exact=True).fill("2024-03-01")
        await page.get_by_role("button", name="Enregistrer").click()
        await page.locator(".item-title", has_text="Pénicilline").first.wait_for()

        await page.get_by_text("En cas d'urgence : carte").click()
        panel = page.locator("#emergency-panel")
        await panel.get_by_text("Vous n'avez pas de carte d'urgence active.").wait_for()
        await panel.get_by_text("Actuellement : accès d'urgence refusé.").wait_for()
        await panel.get_by_text("Aucune personne à prévenir pour l'instant.").wait_for()
        assert await axe_violations(page) == []

        # The card: its print view, only the card on paper, its PDF.
        await page.get_by_role("button", name="Créer ma carte d'urgence").click()
        view = page.locator('section[data-view="card"]')
        await view.get_by_role("heading", name="Votre carte d'urgence").wait_for(timeout=60_000)
        card = page.locator("#ecard")
        for text in ("Inès Lefèvre", "Date de naissance : 1er mai 1985",
                     "En cas d'urgence : appelez le 15", "l'application Carnet"):
            await card.get_by_text(text).wait_for()
        shot = tmp_path / "qr.png"
        await page.locator("#ec-qr").screenshot(path=str(shot))
        [link] = qr.read_image(shot.read_bytes())
        assert re.fullmatch(r"HTTPS?://[A-Z0-9.:-]+/E#[0-9]+", link), link
        await _check_view(page, "card-print")
        await page.emulate_media(media="print")
        assert await card.is_visible()
        assert not await view.get_by_role("heading").is_visible()
        assert not await page.get_by_role("button", name="Télécharger la carte (PDF)").is_visible()
        await page.emulate_media(media="screen")
        card_pdf = await _download(page, "Télécharger la carte (PDF)")
        assert card_pdf.startswith(b"%PDF-")
        card_page, card_text = pdf_text(card_pdf)
        assert [round(float(x) / MM, 1) for x in card_page.mediabox] == [0, 0, 85.6, 54.0]
        for text in ("CARTE D'URGENCE", "Inès Lefèvre", "1er mai 1985", "appelez le 15",
                     "contact d'urgence"):
            assert text in card_text.replace("\xa0", " "), (text, card_text)
        assert pdf_qr(card_pdf) == [link]  # the PDF's vector QR is the canvas's

        # The access code, on its own step, on a separate slip.
        assert await page.locator("#sl-code").text_content() == ""  # not in the page yet
        await page.get_by_role("button", name="Étape suivante : le code d'accès").click()
        slip_view = page.locator('section[data-view="card-passcode"]')
        await slip_view.get_by_role("heading", name="Le code d'accès de votre carte").wait_for()
        await slip_view.get_by_text("Gardez ce code à part de la carte").wait_for()
        shown = (await page.locator("#sl-code").text_content() or "").strip()
        assert re.fullmatch(r"[0-9]{4} [0-9]{4}", shown), shown
        passcode = shown.replace(" ", "")
        await _check_view(page, "card-passcode")
        slip_pdf = await _download(page, "Télécharger le code (PDF)")
        assert slip_pdf.startswith(b"%PDF-")
        _, slip_text = pdf_text(slip_pdf)
        assert shown in slip_text and "Pour le contact d'urgence de Inès Lefèvre" in slip_text
        assert passcode not in card_text.replace(" ", "") and passcode.encode() not in card_pdf
        with pytest.raises(QrUnreadable):  # no QR on the slip: alone, it opens nothing
            pdf_qr(slip_pdf)
        await page.get_by_role("button", name="J'ai imprimé la carte et le code à part").click()
        await panel.get_by_text(re.compile(r"Carte n° [0-9a-f]{8} active")).wait_for()
        assert not await panel.get_by_role("button", name="Créer ma carte d'urgence").is_visible()
        assert await panel.get_by_role("button", name="Révoquer ma carte").is_visible()
        assert await page.get_by_text(shown).count() == 0  # gone from the page

        # Break-glass on, off, on: the state shown is the server's (again after a new login).
        for button, state in (("Autoriser l'accès d'urgence", "autorisé"),
                              ("Refuser l'accès d'urgence", "refusé"),
                              ("Autoriser l'accès d'urgence", "autorisé")):
            await panel.get_by_role("button", name=button).click()
            await panel.get_by_text(f"Actuellement : accès d'urgence {state}.").wait_for()
        await _unlock(page, nir)
        await panel.get_by_text("Actuellement : accès d'urgence autorisé.").wait_for(
            timeout=30_000)
        status = ("patient", "break-glass", "status", "--nir", nir)
        assert server.cli_json(*status, home="py-card", env=py)["break_glass"] == "on"
        await panel.get_by_role("button", name="Refuser l'accès d'urgence").click()
        await panel.get_by_text("Actuellement : accès d'urgence refusé.").wait_for()
        assert server.cli_json(*status, home="py-card", env=py)["break_glass"] == "off"

        # Emergency contacts: one added from the panel's link to the add form, one who has a
        # record of their own given a standing grant (read back with their Python client).
        await panel.get_by_role("button", name="Ajouter une personne à prévenir").click()
        assert await page.get_by_label("Rubrique").input_value() == "emergency_contacts"
        await page.get_by_label("Type").select_option("contact")
        await page.get_by_label("Intitulé").fill("Paul Martin (frère)")
        await page.get_by_label("Date", exact=True).fill("2024-01-01")
        await page.get_by_role("button", name="Enregistrer").click()
        await panel.locator("#card-contacts").get_by_text("Paul Martin (frère)").wait_for()
        await panel.get_by_label("Code de la personne à prévenir").fill("pas un code")
        await panel.get_by_role("button", name="Donner l'accès à mon résumé d'urgence").click()
        await page.get_by_role("alert").filter(has_text="pas un code de personne").wait_for()
        await panel.get_by_label("Code de la personne à prévenir").fill(contact)
        await panel.get_by_role("button", name="Donner l'accès à mon résumé d'urgence").click()
        await panel.get_by_text("Accès donné.").wait_for(timeout=30_000)
        await screenshot(page, "card-panel-desk")
        assert await axe_violations(page) == []
        token = (await page.locator("#cg-link").text_content() or "").strip()
        read = server.cli_json("patient", "read-contact", "--text", token, home="friend-card",
                               env=friend_env)
        assert "Pénicilline" in str(read) and "Paul Martin (frère)" in str(read)

        # The Python emergency path opens the browser's card with the slip's code.
        opened = server.cli_json("emergency", "open", "--text", link, home="samu-card",
                                 env={"CARNET_CARD_PASSCODE": passcode})
        assert "Pénicilline" in str(opened)

        # Masking one allergy in the browser rotates the allergies' key: the browser seals the
        # card's package again under the card's own key (its key is derived, as Python's), so
        # the printed card still opens the other allergies, one added after too. Before, it
        # opened no allergy at all (an allergy list that read as empty).
        masking_warnings: list[str] = []

        async def accept(dialog: Any) -> None:  # "this hides it from the emergency summary"
            masking_warnings.append(dialog.message)
            await dialog.accept()
        page.once("dialog", accept)
        for title in ("Latex", "Arachide"):
            await panel.get_by_role("button", name="Ajouter une personne à prévenir").click()
            await add_allergy(page, title, "2024-04-01")
            if title == "Latex":
                await page.get_by_role("button", name="Masquer « Pénicilline »").click()
                await page.get_by_role("button", name="Démasquer « Pénicilline »").wait_for(
                    timeout=30_000)
        assert masking_warnings and "urgence" in masking_warnings[0]
        reopened = str(server.cli_json("emergency", "open", "--text", link, home="samu-card",
                                       env={"CARNET_CARD_PASSCODE": passcode}))
        assert "Latex" in reopened and "Arachide" in reopened
        assert "Pénicilline" not in reopened

        # A card the Python client makes shows in the browser; renewing revokes both.
        made = server.cli_json("patient", "card", "--out", str(tmp_path / "py.pdf"), "--nir",
                               nir, home="py-card", env=py)
        await _unlock(page, nir)
        await panel.get_by_text(f"Carte n° {made['card_id'][:8]} active").wait_for(
            timeout=30_000)
        await page.get_by_role("button", name="Renouveler ma carte").click()
        await view.get_by_role("heading", name="Votre carte d'urgence").wait_for(timeout=60_000)
        await page.get_by_role("button", name="Étape suivante : le code d'accès").click()
        await page.get_by_role("button", name="J'ai imprimé la carte et le code à part").click()
        await panel.get_by_text(re.compile(r"Carte n° [0-9a-f]{8} active")).wait_for()
        renewed = await panel.locator("#card-state").text_content() or ""
        assert made["card_id"][:8] not in renewed
        page.on("dialog", lambda d: d.accept())  # "Révoquer la carte ?"
        await panel.get_by_role("button", name="Révoquer ma carte").click()
        await panel.get_by_text("Vous n'avez pas de carte d'urgence active.").wait_for()
        assert await panel.get_by_role("button", name="Créer ma carte d'urgence").is_visible()
        assert await csp_violations(page) == []
        assert problems == []

    listed = server.cli_json("patient", "cards", "--nir", nir, home="py-card", env=py)["cards"]
    states = {c["card_id"]: c["state"] for c in listed}
    assert sorted(states.values()) == ["revoked"] * 3, states  # renewed twice, then revoked
    # The browser's cards have the key Python's card_key makes (so either client re-seals).
    assert all(c["follows_keys"] for c in listed), listed
    refused = server.cli("emergency", "open", "--text", link, home="samu-card",
                         env={"CARNET_CARD_PASSCODE": passcode}, check=False)
    assert refused.returncode == 2  # the browser's first card: revoked by the renewal

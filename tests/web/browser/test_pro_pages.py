"""The professional's pages in a real Chromium, the consultation end to end (issue 13): a
patient (browser) activates, adds a penicillin allergy and two coded treatments that
interact (warfarin and naproxen), masks one item and issues a consent QR; a professional
registers in the browser (keys made there, the key file the Python client's), waits for the
operator's approval, signs in from another browser with that file and **scans the QR through
Chromium's fake camera** (a y4m made here from the patient page's canvas): exactly the
unmasked items, the interaction alert at the thesaurus' level, the partial-view notice. A
second professional (keys from the Python CLI) photographs the same QR: nothing opens. The
patient revokes: the QR scanned again is refused. CSP, axe, 375 px and screenshots of every
professional page."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from PIL import Image

from tests.e2e.conftest import Server, Smtp
from tests.web.browser.camera import write_y4m
from tests.web.browser.support import (
    DESK,
    PHONE,
    SCREENSHOTS,
    axe_violations,
    browser_on_sqlite,
    camera_chromium,
    chromium,
    csp_violations,
    emailed_patient,
    new_page,
    no_horizontal_scroll,
    screenshot,
)
from tests.web.browser.test_patient_pages import PASSPHRASE, _activate_in_browser, _add
from web.client import home as local_home

PRO_PASSPHRASE = f"stéthoscope glycine {secrets.token_hex(3)} cormoran bruine"
OTHER_PASSPHRASE = "secret du second docteur pour le navigateur 92"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NAPROXEN = {"codes": [{"system": RXNORM, "code": "198014",
                       "display": "Naproxen 500 MG Oral Tablet"}]}
SLOW = 60_000  # ms: Argon2id and key rotations on a busy machine
CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


async def _review(page: Any, name: str) -> None:
    """axe at desk width, then 375 px without horizontal scroll; screenshots of both."""
    assert await axe_violations(page) == [], name
    await screenshot(page, f"pro-{name}-desk")
    await page.set_viewport_size(PHONE)
    assert await no_horizontal_scroll(page), name
    await screenshot(page, f"pro-{name}-phone")
    await page.set_viewport_size(DESK)


async def _sign_in(page: Any, server: Server, passphrase: str, keyfile: Path | None) -> None:
    await page.goto(f"{server.url}/pro?lang=fr")
    await page.locator('body[data-ready="pro"]').wait_for(state="attached")
    if await page.locator('section[data-view="welcome"]').is_visible():
        await page.get_by_role("button", name="Me connecter").click()
    form = page.locator("#pro-signin-form")
    if keyfile is not None:
        await form.get_by_label("Fichier de clés pro.carnet (facultatif)").set_input_files(
            str(keyfile))
    await form.get_by_label("Phrase secrète", exact=True).fill(passphrase)
    await form.get_by_role("button", name="Déverrouiller mes clés").click()


async def test_consultation_scanned_through_the_fake_camera(server: Server, smtp: Smtp,
                                                           tmp_path: Path) -> None:
    browser_on_sqlite(server)
    person, code = emailed_patient(server, smtp, "pro")
    ps_id, other_id = "810000000131", "810000000132"
    canary = f"CANARY{secrets.token_hex(6)}"
    qr_png, clip = tmp_path / "consent.png", tmp_path / "consent.y4m"

    async with chromium() as browser:
        # The professional registers in the browser: keys made there, pending approval.
        pro, pro_problems = await new_page(browser)
        pro.set_default_timeout(SLOW)
        response = await pro.goto(f"{server.url}/pro?lang=fr")
        assert response is not None and response.ok
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        await pro.locator('body[data-ready="pro"]').wait_for(state="attached")
        await _review(pro, "welcome")
        await pro.get_by_role("button", name="Créer mon identité professionnelle").click()
        form = pro.locator("#pro-register-form")
        await form.get_by_label("Identifiant national (idNat_PS)").fill(ps_id)
        await form.get_by_label("Nom affiché aux patients").fill("Dr Claire Lefèvre")
        await form.get_by_label("Profession", exact=True).fill("médecin")
        await form.get_by_label("Ville d'exercice").fill("Lyon")
        await form.get_by_label("Phrase secrète", exact=True).fill(PRO_PASSPHRASE)
        await form.get_by_label("Confirmez la phrase secrète").fill(PRO_PASSPHRASE)
        await _review(pro, "register")
        await form.get_by_role("button", name="Créer mes clés et m'inscrire").click()
        await pro.get_by_role("heading", name="Inscription envoyée").wait_for(timeout=60_000)
        async with pro.expect_download() as download_info:
            await pro.get_by_role("button", name="Télécharger mon fichier de clés").click()
        keyfile = Path(await (await download_info.value).path())
        # The Python client's format: the browser's key file opens with local_home.
        profile = local_home.unseal(keyfile.read_bytes(), "pro", PRO_PASSPHRASE)  # noqa: ASYNC240
        assert profile.login == ps_id and profile.name == "Dr Claire Lefèvre"
        await _review(pro, "registered")
        await pro.get_by_role("button", name="Me connecter").click()
        await pro.get_by_text(f"Identité enregistrée dans ce navigateur : {ps_id}").wait_for()
        await _review(pro, "signin")
        await _sign_in(pro, server, PRO_PASSPHRASE, None)
        await pro.get_by_role("heading", name="En attente de validation").wait_for(
            timeout=60_000)
        link = await pro.locator("#pa-identity").get_attribute("data-link") or ""
        assert link.upper().startswith(server.url.upper()) and "/P#" in link
        await _review(pro, "waiting")
        server.operator("approve", ps_id)
        await pro.get_by_role("button", name="Vérifier à nouveau").click()
        await pro.get_by_role("heading", name="Scanner un code de consentement").wait_for()
        assert await csp_violations(pro) == [] and pro_problems == []

        # The patient: allergy, two coded interacting treatments, one masked item, the QR.
        patient, problems = await new_page(browser)
        patient.set_default_timeout(SLOW)
        patient.on("dialog", lambda d: d.accept())
        await _activate_in_browser(patient, server, person, code)
        pdf = tmp_path / "bilan.pdf"
        pdf.write_bytes(b"%PDF-1.7\n" + canary.encode() * 100 + b"\n%%EOF\n")
        # Naproxen coded by the Python client (another device), warfarin typed in the browser
        # as a patient writes it (uncoded, with its strength: found by name).
        for section, kind, title, body, date, attach in (
                ("current_treatments", "medication", "Naproxène 500 mg", NAPROXEN, "2025-06-01",
                 ()),
                ("care_history", "encounter", "Consultation ancienne", {}, "2019-03-01", ()),
                ("exam_results", "lab_result", "Bilan sanguin", {}, "2025-01-10",
                 ("--attach", str(pdf)))):
            server.cli_json("patient", "add", section, kind, title, *attach,
                            "--date", date, "--body", json.dumps(body),
                            "--nir", person["nir"], home="py-device",
                            env={"CARNET_PASSPHRASE": PASSPHRASE})
        await _add(patient, "allergies", "allergy", "Pénicilline", "2024-03-01",
                   f"urticaire {canary}")
        await _add(patient, "current_treatments", "medication", "Warfarine 5 mg", "2025-06-01",
                   "1 cp le soir")
        await _add(patient, "medical_history", "condition", "Épisode confidentiel",
                   "2023-01-10")
        await patient.locator(".item-title", has_text="Naproxène 500 mg").wait_for()
        await patient.get_by_role("button", name="Masquer « Épisode confidentiel »").click()
        await patient.get_by_role("button", name="Démasquer « Épisode confidentiel »").wait_for()
        await patient.get_by_text("Donner accès à un professionnel").click()
        await patient.get_by_label("Nom, ville ou numéro RPPS du professionnel").fill("Lefèvre")
        await patient.get_by_role("button", name="Chercher").click()
        await patient.get_by_role("button", name="Choisir Dr Claire Lefèvre").click()
        await patient.get_by_role("button", name="Créer le code QR").click()
        await patient.get_by_role("heading", name="Montrez ce code au professionnel").wait_for()
        await patient.locator("#qr-canvas").screenshot(path=str(qr_png))
        write_y4m(clip, Image.open(qr_png))

        # A second professional, keys made by the Python CLI, photographs the same QR.
        other_env = {"CARNET_PASSPHRASE": OTHER_PASSPHRASE}
        server.cli_json("pro", "register", "--id", other_id, "--name", "Dr Paul Girard",
                        "--profession", "médecin", "--city", "Lyon", home="other", env=other_env)
        server.operator("approve", other_id)
        other, other_problems = await new_page(browser)
        other.set_default_timeout(SLOW)
        await _sign_in(other, server, OTHER_PASSPHRASE, server.homes / "other" / "pro.carnet")
        await other.get_by_role("heading", name="Scanner un code de consentement").wait_for(
            timeout=60_000)
        await other.get_by_label("Ou une photo du code QR").set_input_files(str(qr_png))
        await other.get_by_role("alert").filter(
            has_text="donné à un autre professionnel").wait_for()
        assert await other.get_by_role("heading", name="Dossier du patient").is_visible() is False
        await other.get_by_label("Ou le texte ou le lien du code").fill("bonjour docteur")
        await other.get_by_role("button", name="Ouvrir", exact=True).click()
        await other.get_by_role("alert").filter(
            has_text="n'est pas un consentement Carnet").wait_for()
        assert await other.get_by_text("Pénicilline").count() == 0
        assert other_problems == []

        # The professional, from another browser with the key file, scans with the camera.
        async with camera_chromium(clip) as camera:
            context = await camera.new_context(viewport=DESK)
            await context.grant_permissions(["camera"])
            scan = await context.new_page()
            scan.set_default_timeout(SLOW)
            scan_problems: list[str] = []
            scan.on("pageerror", lambda e: scan_problems.append(f"pageerror {e}"))
            await scan.add_init_script(_WATCH)
            await _sign_in(scan, server, PRO_PASSPHRASE, keyfile)
            await scan.get_by_role("heading", name="Scanner un code de consentement").wait_for(
                timeout=60_000)
            await _review(scan, "scan")
            await scan.get_by_role("button", name="Scanner avec la caméra").click()
            await scan.get_by_role("heading", name="Dossier du patient").wait_for(timeout=30_000)
            await scan.get_by_text(f"{person['first']} Martin, né(e) le 1985-05-01").wait_for()
            titles = sorted(await scan.locator("#pv-sections .item-title").all_text_contents())
            assert titles == ["Bilan sanguin", "Naproxène 500 mg", "Pénicilline",
                              "Warfarine 5 mg"]  # never the masked one
            async with scan.expect_download() as got:
                await scan.get_by_role("button", name="Télécharger bilan.pdf").click()
            saved = Path(await (await got.value).path())
            assert saved.read_bytes() == pdf.read_bytes()  # noqa: ASYNC240 (decrypted here)
            older = "Afficher les soins de plus de 24 mois (1)"
            await scan.get_by_role("button", name=older).click()
            await scan.locator(".item-title", has_text="Consultation ancienne").wait_for()
            alert = scan.locator('#pv-alert-list li[data-alert="interaction"]')
            assert await alert.count() == 1
            assert await alert.get_attribute("data-level") == "association déconseillée"
            text = await alert.text_content() or ""
            assert "Association déconseillée" in text and "Warfarine 5 mg" in text
            assert "ANTICOAGULANTS ORAUX" in text
            banner = scan.locator("#pv-alerts")
            first = await scan.evaluate(
                "document.querySelector('#pv-alerts').compareDocumentPosition("
                "document.querySelector('#pv-sections')) & Node.DOCUMENT_POSITION_FOLLOWING")
            assert first and await banner.is_visible()
            partial = scan.locator("#pv-partial")
            assert "peut masquer" in (await partial.text_content() or "")
            assert "Notes personnelles" in (await partial.text_content() or "")
            assert await scan.get_by_text("Épisode confidentiel").count() == 0
            await _review(scan, "dossier")
            assert json.loads(await scan.evaluate("JSON.stringify(window.__carnet_csp)")) == []
            assert scan_problems == []

            # The patient revokes; the same QR in front of the camera opens nothing now.
            await patient.get_by_role("button", name="Terminé").click()
            await patient.get_by_role("button", name=f"Retirer l'accès de ps:{ps_id}").or_(
                patient.get_by_role("button", name=f"Retirer l'accès de {ps_id}")).click()
            await patient.get_by_text("retiré").wait_for()
            await scan.get_by_role("button", name="Fermer ce dossier").click()
            assert await scan.get_by_text("Pénicilline").count() == 0
            await scan.get_by_role("button", name="Scanner avec la caméra").click()
            await scan.get_by_role("alert").filter(has_text="retiré ce consentement").wait_for(
                timeout=30_000)
            assert await scan.get_by_role("heading", name="Dossier du patient").is_visible() \
                is False
            await scan.get_by_role("button", name="Arrêter la caméra").or_(
                scan.get_by_role("button", name="Scanner avec la caméra")).first.wait_for()

        # The English switch.
        await pro.goto(f"{server.url}/pro?lang=en")
        assert await pro.get_attribute("html", "lang") == "en"
        await pro.get_by_role("heading", name="Sign in").wait_for()
        assert await csp_violations(patient) == [] and problems == []

    wire = server.proxy.captured()
    for secret in (PRO_PASSPHRASE, OTHER_PASSPHRASE, canary, "Pénicilline", "Warfarine",
                   "Épisode confidentiel", "%PDF-1.7"):
        assert secret.encode() not in wire, secret
    print(f"screenshots: {SCREENSHOTS}")


_WATCH = """
window.__carnet_csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__carnet_csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""

"""The emergency pages in a real Chromium (issue 13, items 3 and 4): an emergency card scanned
through the fake camera and opened with its passcode (the summary only, the patient
notified), a second card photographed and locked by wrong passcodes (attempts left shown, the
server's message), break-glass refused while the patient has it off and opened once on; the
emergency contact signs in with their own record, shows their contact code and opens the
standing summary the patient granted them. No passcode, share or plaintext on the wire; the
CSP respected, no serious accessibility violation, 375 px without horizontal scrolling,
screenshots of every page."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from consent.card import parse_card
from tests.e2e.conftest import Server, Smtp, body_of
from tests.e2e.test_consent import _world, now
from tests.web.browser.camera import qr_image, write_y4m
from tests.web.browser.support import (
    DESK,
    PHONE,
    axe_violations,
    browser_on_sqlite,
    camera_chromium,
    chromium,
    csp_violations,
    new_page,
    no_horizontal_scroll,
    screenshot,
)
from web import schemas
from web.client import Api, activate
from web.client.consent import issue_contact_grant, issue_grant, verified_history
from web.client.emergency import allow_break_glass, issue_card, service_key
from web.client.history import shown_detail
from web.client.identity import set_identity
from web.nir import nir_key

PRO_PASSPHRASE = "urgences lyon sud garde nuit"


def _sqlite_only(server: Server) -> None:
    browser_on_sqlite(server)


async def _checks(page: Any, problems: list[str], name: str) -> None:
    """Every page: axe, no CSP violation, screenshots at desk then phone width (no scroll)."""
    found = await axe_violations(page)
    if found:  # say which elements
        result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found += [f"{n['target']}: {n.get('failureSummary', '')}" for v in result["violations"]
                  if v.get("impact") in {"serious", "critical"} for n in v["nodes"]]
    assert found == [], name
    await screenshot(page, f"{name}-desk")
    await page.set_viewport_size(PHONE)
    assert await no_horizontal_scroll(page), name
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size(DESK)
    assert await csp_violations(page) == [], name
    assert [p for p in problems if "pageerror" in p] == [], name


def _png(text: str) -> bytes:
    out = io.BytesIO()
    qr_image(text, box_size=6).save(out, format="PNG")
    return out.getvalue()


async def test_emergency_card_scanned_locked_and_break_glass(server: Server, smtp: Smtp,
                                                             tmp_path: Path) -> None:
    _sqlite_only(server)
    email = "patient-urgence@example.org"
    w = await _world(server, 41, email)
    d = w.dossier
    await set_identity(d, "Léa Roux", "1970-05-01", today="2026-01-01")
    await d.add("blood_group", "blood_group", "O-", "2000-01-01")
    await d.add("allergies", "allergy", "Pénicilline", "2020-01-01")
    masked = await d.add("allergies", "allergy", "Secret masqué", "2020-01-02")
    await d.mask(masked.item_id)
    await d.add("medical_history", "condition", "Appendicite", "2001-01-01")
    good = await issue_card(d, w.patient_api, days=30, passcode="24681357")
    doomed = await issue_card(d, w.patient_api, days=30, passcode="13572468")
    y4m = write_y4m(tmp_path / "card.y4m", qr_image(good.text))

    # A professional of the emergency service: keys in a pro.carnet made by the Python CLI.
    ps_id = "840000000041"
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Samu", "--profession",
                    "médecin", home="samu", env={"CARNET_PASSPHRASE": PRO_PASSPHRASE})
    server.operator("approve", ps_id, "--role", "emergency")
    pro_home = server.homes / "samu" / "pro.carnet"
    service_file = server.dev_keys / "emergency.key"
    nir = f"1700575{41:06d}"
    nir += nir_key(nir)

    sent: list[bytes] = []
    async with camera_chromium(y4m) as browser:
        page, problems = await new_page(browser)
        page.on("request", lambda r: sent.append((r.url + (r.post_data or "")).encode()))
        response = await page.goto(f"{server.url}/urgence?lang=fr")
        assert response is not None and response.ok
        assert "script-src 'self'" in response.headers["content-security-policy"]
        await page.get_by_role("heading", name="Lire la carte d'urgence du patient").wait_for()
        await _checks(page, problems, "urgence-scan")

        # Not a card: a clear message.
        await page.get_by_label("Ou le lien de la carte").fill("https://example.org/bonjour")
        await page.get_by_role("button", name="Lire ce lien").click()
        await page.get_by_role("alert").filter(has_text="pas une carte d'urgence").wait_for()

        # The card in front of the (fake) camera, then its passcode.
        await page.get_by_role("button", name="Scanner avec la caméra").click()
        await page.get_by_role("heading", name="Code d'accès de la carte").wait_for(
            timeout=20_000)
        assert await page.locator("#u-video").is_hidden()  # the camera stopped
        await page.get_by_text(f"Carte n° {good.card_id[:8]} lue.").wait_for()
        await _checks(page, problems, "urgence-passcode")
        await page.get_by_label("Code d'accès", exact=True).fill(good.passcode)
        await page.get_by_label("Qui ouvre la carte ? (facultatif)").fill("SAMU 69 test")
        await page.get_by_role("button", name="Ouvrir le résumé d'urgence").click()
        await page.get_by_role("heading", name="Résumé d'urgence").wait_for(timeout=20_000)
        summary = page.locator("#u-summary")
        await summary.get_by_text("Pénicilline").wait_for()
        await summary.get_by_text("O-", exact=True).wait_for()
        await summary.get_by_text("Dossier de Léa Roux, né(e) le 1970-05-01").wait_for()
        text = await summary.text_content() or ""
        assert "Appendicite" not in text and "Secret masqué" not in text
        await page.get_by_text("Le patient est prévenu de cet accès").wait_for()
        await _checks(page, problems, "urgence-summary")
        assert f"(n° {good.card_id[:8]})" in body_of(
            smtp.wait_for(email, "a ouvert votre résumé d'urgence"))
        await page.get_by_role("button", name="Fermer le résumé").click()
        assert await summary.text_content() == ""

        # A photo of the other card; wrong passcodes until it locks.
        await page.get_by_label("Ou une photo de la carte").set_input_files(
            files=[{"name": "carte.png", "mimeType": "image/png", "buffer": _png(doomed.text)}])
        await page.get_by_text(f"Carte n° {doomed.card_id[:8]} lue.").wait_for()
        for left in (4, 3, 2, 1):
            await page.get_by_label("Code d'accès", exact=True).fill(f"0000000{left}")
            await page.get_by_role("button", name="Ouvrir le résumé d'urgence").click()
            await page.locator("#u-attempts").filter(
                has_text=f"Essais restants : {left}").wait_for(timeout=20_000)
            await page.get_by_role("alert").filter(has_text=f"{left} attempt").wait_for()
        await page.get_by_label("Code d'accès", exact=True).fill("00000009")
        await page.get_by_role("button", name="Ouvrir le résumé d'urgence").click()
        await page.get_by_role("heading", name="Carte bloquée").wait_for(timeout=20_000)
        await page.get_by_text("locked after too many wrong passcodes").wait_for()
        await _checks(page, problems, "urgence-locked")
        smtp.wait_for(email, "est bloquée")

        # Break-glass: refused while the patient has it off, then opened once on.
        await page.get_by_role("button", name="Bris de glace (professionnel)").click()
        glass = page.locator('section[data-view="glass"]')
        await glass.get_by_role("heading", name="Bris de glace").wait_for()
        await _checks(page, problems, "urgence-glass")

        async def break_glass() -> None:
            await glass.get_by_label("Votre fichier de clés professionnel").set_input_files(
                str(pro_home))
            await glass.get_by_label("Sa phrase secrète").fill(PRO_PASSPHRASE)
            await glass.get_by_label("Clé du service d'urgence (fichier)").set_input_files(
                str(service_file))
            await glass.get_by_label("NIR du patient").fill(nir)
            await glass.get_by_label("Motif de l'accès").fill("patient inconscient au SAU")
            await glass.get_by_role("button", name="Briser la glace").click()

        await glass.get_by_label("NIR du patient").fill(nir)
        await glass.get_by_label("Motif de l'accès").fill("court")
        await glass.get_by_role("button", name="Briser la glace").click()
        await page.get_by_role("alert").filter(has_text="10 à 500 caractères").wait_for()
        await break_glass()
        await page.get_by_role("alert").filter(
            has_text="refusé l'accès par bris de glace").wait_for(timeout=60_000)
        await allow_break_glass(d, w.patient_api, await service_key(w.patient_api))
        await break_glass()
        await page.get_by_role("heading", name="Résumé d'urgence").wait_for(timeout=60_000)
        await summary.get_by_text("Pénicilline").wait_for()
        assert "Secret masqué" not in (await summary.text_content() or "")
        await page.get_by_text("Ouvert par bris de glace.").wait_for()
        await page.get_by_text("Le patient est prévenu de cet accès").wait_for()
        smtp.wait_for(email, "bris de glace")
        assert await csp_violations(page) == []

    # The server sees the passcode (it counts the wrong ones), never the card's share, the
    # summary, who opened it, the reason or the professional's passphrase.
    wire = b"".join(sent)
    share = parse_card(good.text)[1]
    for secret in (good.text.split("#")[1].encode(), share.hex().encode(),
                   base64.b64encode(share), "Pénicilline".encode(), b"patient inconscient",
                   b"SAMU 69 test", PRO_PASSPHRASE.encode()):
        assert secret not in wire, secret
    events, _, _ = await verified_history(d, w.patient_api, server_public=None, last_seen=None)
    kinds = [e.kind for e in events]
    assert kinds.count("card_used") >= 6 and kinds.count("emergency_access") == 2
    # The notes the browser sealed open in the patient's Python client, and only there.
    shown = [(e.kind, shown_detail(d, e)) for e in events]
    assert [x.get("by") for k, x in shown
            if k == "card_used" and x.get("result") == "opened"] == ["SAMU 69 test"]
    assert [x.get("reason") for k, x in shown
            if k == "emergency_access"] == ["patient inconscient au SAU"] * 2
    await w.patient_api.aclose()


async def test_emergency_contact_opens_the_standing_summary(server: Server) -> None:
    _sqlite_only(server)
    w = await _world(server, 42, "patient-proche-urgence@example.org")
    await w.dossier.add("blood_group", "blood_group", "B+", "1999-01-01")
    await w.dossier.add("allergies", "allergy", "Arachide", "2010-01-01")
    await w.dossier.add("medical_history", "condition", "Diabète", "2015-01-01")
    body = f"2700575{92:06d}"
    contact_nir = body + nir_key(body)
    operator = Api(server.direct_url, session=server.operator_token_file.read_text().strip())
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
        csv="nir,last_name,first_name,birth_date,address,email\n"
            f"{contact_nir},Roux,Paul,1970-05-01,2 place Bellecour,\n"), schemas.RegistryLoadResult)
    await operator.aclose()
    assert w.pharmacist is not None
    async with Api(server.direct_url) as api:
        await w.pharmacist.login(api)
        code = await w.pharmacist.start_activation(api, contact_nir, "1970-05-01")
    contact_passphrase = "pivoine cerisier torrent bruyère"
    async with Api(server.direct_url) as contact_api:
        contact, _ = await activate(contact_api, contact_nir, code.code, contact_passphrase,
                                    clock=now)
    # A consent for a doctor: not the contact's to open.
    doctor_grant = await issue_grant(w.dossier, w.patient_api, w.doctor.ps_id, ["allergies"],
                                     seconds=3600, authority_public=bytes(
                                         server.authority().verify_key), now=now())

    async with chromium() as browser:
        page, problems = await new_page(browser)
        response = await page.goto(f"{server.url}/proche?lang=fr")
        assert response is not None and response.ok
        await page.get_by_role("heading", name="Personne à prévenir").wait_for()
        await _checks(page, problems, "proche-signin")
        await page.get_by_label("Numéro de sécurité sociale (NIR)").fill(contact_nir)
        await page.get_by_label("Phrase secrète").fill("pas la bonne phrase du tout")
        await page.get_by_role("button", name="Me connecter").click()
        await page.get_by_role("alert").filter(has_text="ne correspondent pas").wait_for(
            timeout=60_000)
        await page.get_by_label("Phrase secrète").fill(contact_passphrase)
        await page.get_by_role("button", name="Me connecter").click()
        await page.get_by_role("heading", name="Mon espace de personne à prévenir").wait_for(
            timeout=60_000)
        code_text = await page.locator("#k-qr").get_attribute("data-link") or ""
        assert code_text.startswith(server.url.rstrip("/").upper() + "/K#")  # no public URL set
        await _checks(page, problems, "proche-home")

        # The patient scans the code the page shows: a standing grant on the summary.
        issued = await issue_contact_grant(w.dossier, w.patient_api, code_text,
                                           seconds=365 * 86400, now=now())
        token_box = page.get_by_label("Ou le lien que le patient vous a donné")
        await token_box.fill(doctor_grant.text)
        await page.get_by_role("button", name="Ouvrir le résumé").click()
        await page.get_by_role("alert").filter(has_text="confié à quelqu'un d'autre").wait_for(
            timeout=20_000)
        await page.get_by_label("Ou une photo du code").set_input_files(files=[
            {"name": "partage.png", "mimeType": "image/png", "buffer": _png(issued.text)}])
        await page.get_by_role("heading", name="Résumé d'urgence confié").wait_for(
            timeout=20_000)
        summary = page.locator("#k-summary")
        await summary.get_by_text("Arachide").wait_for()
        await summary.get_by_text("B+", exact=True).wait_for()
        assert "Diabète" not in (await summary.text_content() or "")
        await page.get_by_text("Partage valable jusqu'au").wait_for()
        await _checks(page, problems, "proche-summary")
        await page.get_by_role("button", name="Verrouiller").first.click()
        await page.get_by_role("heading", name="Personne à prévenir").wait_for()
        assert await page.locator("#k-summary").text_content() == ""

    events, _, _ = await verified_history(w.dossier, w.patient_api, server_public=None,
                                          last_seen=None)
    assert any(e.kind == "token_scanned" and e.actor == f"contact:{contact.dossier_id}"
               for e in events)
    await w.patient_api.aclose()

"""The patient grants by scanning the professional's identity QR with the phone's camera
(issue 12, "grant: ... or scan their identity QR with the phone camera"): the code drawn by
the Python client (``carnet pro identity-qr``) in front of Chromium's fake camera chooses
that professional from the countersigned directory, and the consent QR then opens for the
professional's Python client. A photo of a code whose key is not the directory's is refused
(a forged desk code), as is a code of another kind. CSP, axe, 375 px, screenshots."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from PIL import Image

from consent import identity, qr
from tests.e2e.conftest import Server, Smtp
from tests.web.browser.camera import write_y4m
from tests.web.browser.support import (
    DESK,
    PHONE,
    axe_violations,
    browser_on_sqlite,
    camera_chromium,
    csp_violations,
    emailed_patient,
    new_page,
    no_horizontal_scroll,
    screenshot,
)
from tests.web.browser.test_patient_pages import _activate_in_browser

PRO_PASSPHRASE = f"fenouil cerceau {secrets.token_hex(3)} tartine gravier"
SLOW = 60_000


async def test_the_patient_grants_by_scanning_the_professionals_code(
        server: Server, smtp: Smtp, tmp_path: Path) -> None:
    browser_on_sqlite(server)
    person, code = emailed_patient(server, smtp, "identity")

    ps_id = f"8{secrets.randbelow(10**11):011d}"
    env = {"CARNET_PASSPHRASE": PRO_PASSPHRASE}
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Inès Moreau",
                    "--profession", "médecin", "--city", "Nantes", home="idpro", env=env)
    server.operator("approve", ps_id)
    desk = tmp_path / "identity.png"
    shown = server.cli_json("pro", "identity-qr", "--out", str(desk), home="idpro", env=env)
    assert shown["ps_id"] == ps_id
    clip = write_y4m(tmp_path / "identity.y4m", Image.open(desk))
    forged = tmp_path / "forged.png"  # the same idNat_PS, another key's fingerprint
    forged.write_bytes(qr.render_png(identity.link(ps_id, secrets.token_bytes(16), server.url)))

    async with camera_chromium(clip) as browser:
        page, problems = await new_page(browser)
        await page.context.grant_permissions(["camera"])
        page.set_default_timeout(SLOW)
        await _activate_in_browser(page, server, person, code)
        await page.get_by_text("Donner accès à un professionnel").click()

        # A forged desk code (a key the directory does not have for this idNat_PS): refused.
        await page.get_by_label("Ou une photo de son code").set_input_files(str(forged))
        await page.get_by_role("alert").filter(has_text="ne correspond pas").wait_for()
        assert await page.locator("#grant-form").is_hidden()
        # A code of another kind (a consent link's QR is not an identity).
        other = tmp_path / "other.png"
        other.write_bytes(qr.render_png(f"{server.url.upper()}/C#0123"))
        await page.get_by_label("Ou une photo de son code").set_input_files(str(other))
        await page.get_by_role("alert").filter(has_text="n'est pas un code d'identité").wait_for()

        # The real code, through the camera: the directory's Dr Moreau is chosen.
        await page.get_by_role("button", name="Scanner le code du professionnel").click()
        await page.get_by_text("Accès pour Dr Inès Moreau, médecin, Nantes").wait_for()
        assert await page.locator("#grant-form").is_visible()
        assert await axe_violations(page) == []
        await screenshot(page, "grant-identity-desk")
        await page.set_viewport_size(PHONE)
        assert await no_horizontal_scroll(page)
        await screenshot(page, "grant-identity-phone")
        await page.set_viewport_size(DESK)
        await page.get_by_role("button", name="Créer le code QR").click()
        await page.get_by_role("heading", name="Montrez ce code au professionnel").wait_for()
        link = await page.locator("#qr-canvas").get_attribute("data-link")
        assert link
        opened = server.cli_json("pro", "scan", "--text", link, home="idpro", env=env)
        assert isinstance(opened["items"], list)
        assert f"{person['first']} Martin" in json.dumps(opened, ensure_ascii=False)  # whose

        # Block the professional from the list of current access: the same QR is refused.
        page.on("dialog", lambda d: d.accept())
        await page.get_by_role("button", name="Terminé").click()
        await page.get_by_role("button", name=f"Bloquer {ps_id}", exact=True).click()
        await page.get_by_text(f"{ps_id} est bloqué.").wait_for()
        await page.get_by_role("button", name=f"Débloquer {ps_id}").wait_for()
        assert await page.get_by_role("button", name=f"Bloquer {ps_id}", exact=True).count() == 0
        refused = server.cli("pro", "scan", "--text", link, home="idpro", env=env, check=False)
        assert refused.returncode == 2 and ("block" in refused.stderr.lower()
                                           or "bloqu" in refused.stderr.lower()), refused.stderr
        assert await axe_violations(page) == []
        await page.get_by_role("button", name=f"Débloquer {ps_id}").click()
        await page.get_by_text("Aucun professionnel bloqué.").wait_for()
        assert await csp_violations(page) == [] and problems == []

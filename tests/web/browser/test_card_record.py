"""The browser re-seals emergency packages only as the patient's own record in the keyring
says (``keyring.ts`` ``EmergencyRecord``, ``consenting.ts`` ``syncEmergency``), in a real
Chromium against a dishonest operator played by request interception: after the patient
revoked a card, the operator lists it as active again with its old package (a former holder
knows its key), and names a key of its own as the emergency service's. The revocation itself
rotated the summary's keys (break-glass re-sealed with versions the card never held). Masking
an allergy then rotates them again: the revoked card gets nothing, and break-glass is
re-sealed to the key the patient turned it on with, never to the operator's. Before the
record, the browser re-sealed both as the server said (this test failed)."""

from __future__ import annotations

import base64
import json
from typing import Any

import nacl.exceptions
import nacl.public
import pytest

from tests.e2e.conftest import Server, Smtp
from tests.web.browser.support import browser_on_sqlite, chromium, emailed_patient, new_page
from tests.web.browser.test_card_pages import _activate, add_allergy

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Operator:
    """Answers rewritten while ``lying``; re-seals the browser sends are kept and answered
    204, as a server that stored them would."""

    def __init__(self) -> None:
        self.lying = False
        self.cards_before: list[dict[str, Any]] = []  # the last honest card list
        self.own = nacl.public.PrivateKey.generate()
        self.taken: list[tuple[str, dict[str, Any]]] = []
        self.honest: list[dict[str, Any]] = []  # re-seals sent while not lying

    async def cards(self, route: Any) -> None:
        if route.request.method != "GET":
            await route.continue_()
            return
        response = await route.fetch()
        body = await response.json()
        if not self.lying:
            if any(not c["revoked"] for c in body["cards"]):
                self.cards_before = body["cards"]
            await route.fulfill(response=response, json=body)
            return
        alive = [dict(c, revoked=False) for c in self.cards_before]
        await route.fulfill(response=response, json={"cards": alive})

    async def service_key(self, route: Any) -> None:
        if not self.lying:
            await route.continue_()
            return
        own = base64.b64encode(bytes(self.own.public_key)).decode()
        await route.fulfill(status=200, json={"box_public": own})

    async def reseal(self, route: Any) -> None:
        if route.request.method == "PUT" and not self.lying:
            self.honest.append(json.loads(route.request.post_data or "{}"))
        if not self.lying or route.request.method != "PUT":
            await route.continue_()
            return
        self.taken.append((route.request.url, json.loads(route.request.post_data or "{}")))
        await route.fulfill(status=204, body="")


async def test_a_dishonest_operator_gets_nothing_resealed_from_the_browser(
        server: Server, smtp: Smtp) -> None:
    browser_on_sqlite(server)
    person, code = emailed_patient(server, smtp, "card-record")
    operator = Operator()
    async with chromium() as browser:
        page, problems = await new_page(browser)
        await page.route("**/dossiers/*/cards", operator.cards)
        await page.route("**/emergency/service-key", operator.service_key)
        await page.route("**/dossiers/*/cards/*/package", operator.reseal)
        await page.route("**/dossiers/*/break-glass", operator.reseal)
        await _activate(page, server, person, code)
        await page.get_by_text("Ajouter une information").click()
        for title in ("Pénicilline", "Latex"):
            await add_allergy(page, title, "2024-03-01")

        await page.get_by_text("En cas d'urgence : carte").click()
        panel = page.locator("#emergency-panel")
        await page.get_by_role("button", name="Créer ma carte d'urgence").click()
        await page.get_by_role("button", name="Étape suivante : le code d'accès").click(
            timeout=60_000)
        await page.get_by_role("button", name="J'ai imprimé la carte et le code à part").click()
        await panel.get_by_text("Révoquer ma carte").wait_for()
        await panel.get_by_role("button", name="Autoriser l'accès d'urgence").click()
        await panel.get_by_text("Actuellement : accès d'urgence autorisé.").wait_for()
        assert operator.cards_before, "the card list was never read while the card was active"
        page.once("dialog", lambda d: d.accept())  # "Révoquer la carte ?"
        await panel.get_by_role("button", name="Révoquer ma carte").click()
        await panel.get_by_text("Vous n'avez pas de carte d'urgence active.").wait_for()
        # The revocation rotated the summary's keys at once: break-glass was re-sealed with
        # versions the revoked card never held (a kept copy of its package opens nothing new).
        held = {r for c in operator.cards_before for r in c["key_refs"]}
        assert any(b.get("reseal") and set(b["key_refs"]) - held for b in operator.honest), \
            operator.honest

        operator.lying = True
        page.once("dialog", lambda d: d.accept())  # "this hides it from the summary"
        await page.get_by_role("button", name="Masquer « Pénicilline »").click()
        await page.get_by_role("button", name="Démasquer « Pénicilline »").wait_for(
            timeout=30_000)
        assert problems == []

    cards = [url for url, _ in operator.taken if url.endswith("/package")]
    assert cards == [], "a card the patient revoked was re-sealed"
    glass = [body for url, body in operator.taken if url.endswith("/break-glass")]
    assert len(glass) == 1 and glass[0].get("reseal") is True, operator.taken
    package = base64.b64decode(glass[0]["package"])
    with pytest.raises(nacl.exceptions.CryptoError):  # sealed to the patient's choice
        nacl.public.SealedBox(operator.own).decrypt(package)

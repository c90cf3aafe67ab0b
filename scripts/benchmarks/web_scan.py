"""scripts/bench web (part 2): the consultation scan in Chromium, next to ``carnet pro scan``.

A patient of 500 items (with a penicillin allergy and two interacting treatments, so the
alerts have work to do) grants a professional; the professional's page, signed in with the
key file the Python CLI made, scans the consent QR through Chromium's fake camera (a y4m clip
of the QR). Timed: from the click on "scan with the camera" (the QR is in front of the camera
from the first frame) to the decrypted dossier with its alerts on screen. Beside it, in the
same run and interleaved: ``carnet pro scan --text`` for the same token (a process per run,
as a professional would type it, so its start-up is in the figure), and the Python client's
scan in process (``web.client.consent.scan``-based reading, no process start). Median and
spread of 5. Goal: the browser under 1.5 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nacl.signing

from consent import qr
from scripts.benchmarks.serverproc import REPO, carnet_server, dev_keys_of
from scripts.benchmarks.service import ITEMS, PASSPHRASE, _prepare
from scripts.benchmarks.web import CHROMIUM, FLAGS, RUNS, _check, _spread
from web.client import Api, login
from web.client.consent import issue_grant
from web.client.directory import approve

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PS_ID = "899700000001"
PRO_PASSPHRASE = "stéthoscope glycine banc cormoran bruine 2026"  # noqa: S105 (bench data)
CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def _cli(url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_PASSPHRASE=PRO_PASSPHRASE, CARNET_LANG="en")
    return subprocess.run([sys.executable, "-m", "web.cli", "--server", url, "--home",
                           str(home), "--json", *args], cwd=REPO, env=env, text=True,
                          capture_output=True, check=True, stdin=subprocess.DEVNULL)


async def _world(url: str, token: str, data: Path) -> tuple[str, Path]:
    """The 500-item patient with alerts to find, a professional (CLI keys), a grant: the
    token's link and the professional's home."""
    nir, dossier = await _prepare(url, token, data)
    await dossier.add("allergies", "allergy", "Pénicilline", "2024-03-01",
                      {"substance": "pénicilline"})
    for title, code in (("Warfarine 5 mg", "855332"), ("Naproxène 500 mg", "198014")):
        await dossier.add("current_treatments", "medication", title, "2025-01-01",
                          {"codes": [{"system": RXNORM, "code": code}]})
    home = data / "pro-home"
    _cli(url, home, "pro", "register", "--id", PS_ID, "--name", "Dr Banc Web",
         "--profession", "médecin", "--city", "Lyon")
    authority = nacl.signing.SigningKey(
        bytes.fromhex((dev_keys_of(data) / "authority.key").read_text().strip()))
    async with Api(url, session=token) as operator:
        await approve(operator, PS_ID, [], authority)
    async with Api(url) as api:
        patient = await login(api, nir, PASSPHRASE, clock=lambda: int(time.time()))
        issued = await issue_grant(patient, api, PS_ID,
                                   ["allergies", "current_treatments", "exam_results"],
                                   seconds=4 * 3600, now=int(time.time()),
                                   authority_public=authority.verify_key.encode())
    return issued.text, home


def _y4m(link: str, out: Path) -> Path:
    import io

    from PIL import Image

    from tests.web.browser.camera import write_y4m  # the tests' own y4m writer

    return write_y4m(out, Image.open(io.BytesIO(qr.render_png(link, box_size=4))))


async def _browser_scan(page: Any) -> float:
    """One scan: from the camera button to the dossier with its alerts on screen (s)."""
    if await page.get_by_role("button", name="Fermer ce dossier").is_visible():
        await page.get_by_role("button", name="Fermer ce dossier").click()
    start = time.perf_counter()
    await page.get_by_role("button", name="Scanner avec la caméra").click()
    await page.locator('#pv-alert-list li[data-alert="interaction"]').wait_for(timeout=60_000)
    await page.locator("#pv-sections .item-title").nth(ITEMS - 1).wait_for(state="attached",
                                                                            timeout=60_000)
    return time.perf_counter() - start


def _cli_scan(url: str, home: Path, link: str) -> float:
    start = time.perf_counter()
    done = _cli(url, home, "pro", "scan", "--text", link)
    elapsed = time.perf_counter() - start
    assert '"interaction"' in done.stdout, done.stdout[:200]
    return elapsed


async def main() -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with carnet_server(data, f"sqlite:///{data / 'carnet.sqlite'}") as (url, token):
            print(f"preparing a {ITEMS}-item patient, a professional and a grant...")
            link, home = await _world(url, token, data)
            clip = _y4m(link, data / "qr.y4m")
            async with async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path=CHROMIUM, headless=True,
                    args=[*FLAGS, *CAMERA, f"--use-file-for-fake-video-capture={clip}"])
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                await context.grant_permissions(["camera"])
                page = await context.new_page()
                await page.goto(f"{url}/pro?lang=fr")
                await page.locator('body[data-ready="pro"]').wait_for(state="attached")
                if await page.locator('section[data-view="welcome"]').is_visible():
                    await page.get_by_role("button", name="Me connecter").click()
                form = page.locator("#pro-signin-form")
                await form.get_by_label("Fichier de clés pro.carnet (facultatif)").set_input_files(
                    str(home / "pro.carnet"))
                await form.get_by_label("Phrase secrète", exact=True).fill(PRO_PASSPHRASE)
                await form.get_by_role("button", name="Déverrouiller mes clés").click()
                await page.get_by_role("heading", name="Scanner un code de consentement").wait_for(
                    timeout=60_000)
                web_runs, cli_runs = [], []
                for _ in range(RUNS):
                    cli_runs.append(_cli_scan(url, home, link))
                    web_runs.append(await _browser_scan(page))
                await browser.close()
    print(f"\nconsultation scan of a {ITEMS}-item patient (alerts included), median of "
          f"{RUNS}, interleaved:")
    print(f"  Chromium, QR in front of the fake camera -> dossier and alerts on screen: "
          f"{_spread(web_runs)} (goal: < 1.5 s)")
    print(f"  carnet pro scan --text (a process per scan, start-up included):  "
          f"{_spread(cli_runs)}")
    ratio = statistics.median(web_runs) / statistics.median(cli_runs)
    print(f"  ratio browser / CLI: {ratio:.2f}x")


if __name__ == "__main__":
    _check()
    asyncio.run(main())

"""scripts/bench web: the patient's web app in Chromium next to the Python client, same run.

1. Open a 500-item dossier: unlock (Argon2id at the floor, in WebAssembly) and decrypt every
   item until the dossier is on screen, in Debian's Chromium through the patient page, next
   to the Python client doing the same (login + list) against the same local server on
   SQLite. Repetitions interleaved (Python, browser, Python, ...), median and spread of 5.
   Goal: the browser within 3x of the Python client.
2. The page weight of the patient app: every script the page loads, gzip-compressed
   (libsodium's WebAssembly travels inside the bundle). Goal: under 500 KB.
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scripts.benchmarks.serverproc import carnet_server
from scripts.benchmarks.service import ITEMS, PASSPHRASE, _prepare
from web.client import Api, login

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
RUNS = 5


def _spread(runs: list[float]) -> str:
    return (f"{statistics.median(runs) * 1000:8.0f} ms (min {min(runs) * 1000:.0f}, "
            f"max {max(runs) * 1000:.0f})")


async def _browser_open(page: Any, url: str, nir: str) -> float:
    """Load the patient page, unlock, and wait for every item on screen; seconds."""
    await page.goto(f"{url}/patient?lang=fr")
    await page.locator('[data-go="unlock"]').first.click()
    await page.fill("#u-nir", nir)
    await page.fill("#u-pass", PASSPHRASE)
    start = time.perf_counter()
    await page.locator("#unlock-form button[type=submit]").click()
    # (a locator, not wait_for_function: the page's CSP forbids evaluating strings)
    await page.locator("li[data-item]").nth(ITEMS - 1).wait_for(state="attached",
                                                                 timeout=120_000)
    return time.perf_counter() - start


async def _python_open(url: str, nir: str) -> float:
    start = time.perf_counter()
    async with Api(url) as api:
        dossier = await login(api, nir, PASSPHRASE, clock=lambda: 1)
        assert len(await dossier.list()) == ITEMS
    return time.perf_counter() - start


def _check() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("scripts/bench web needs playwright (pip install -e '.[dev]')", file=sys.stderr)
        raise SystemExit(2) from None
    if not Path(CHROMIUM).exists():
        print(f"scripts/bench web needs Debian's Chromium at {CHROMIUM}", file=sys.stderr)
        raise SystemExit(2)


async def main() -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with carnet_server(data, f"sqlite:///{data / 'carnet.sqlite'}") as (url, token):
            print(f"preparing a dossier of {ITEMS} items through the Python client...")
            nir, _ = await _prepare(url, token, data)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                scripts: dict[str, int] = {}

                async def weigh(response: Any) -> None:
                    if response.request.resource_type == "script" and response.ok:
                        scripts[response.url] = len(gzip.compress(await response.body(), 9))

                page.on("response", weigh)
                py_runs, web_runs = [], []
                for _ in range(RUNS):
                    py_runs.append(await _python_open(url, nir))
                    web_runs.append(await _browser_open(page, url, nir))
                await browser.close()
    python_s, web_s = statistics.median(py_runs), statistics.median(web_runs)
    print(f"\nopen a {ITEMS}-item dossier (unlock with Argon2id at the floor + decrypt all), "
          f"median of {RUNS}, interleaved:")
    print(f"  Python client : {_spread(py_runs)}")
    print(f"  Chromium page : {_spread(web_runs)}  (to every item on screen)")
    print(f"  ratio browser / Python: {web_s / python_s:.2f}x (goal: <= 3x)")
    total = sum(scripts.values())
    print(f"\npage weight of the patient app: {total / 1024:.0f} KB of script, gzip "
          f"({len(scripts)} file(s)) (goal: < 500 KB)")


if __name__ == "__main__":
    _check()
    asyncio.run(main())

"""Playwright for Python driving Debian's Chromium (never ``playwright install``): the
headless flags of the issue, CSP violations and page errors collected, axe-core injected
from the project's npm packages, screenshots at phone and desk widths."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, Smtp, activation_code
from tests.e2e.test_journey import load_registry, registry_for

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CARNET_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "web" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "var" / "screenshots"
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}

_WATCH = """
window.__carnet_csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__carnet_csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def need_browser() -> None:
    """Skip (locally) or fail (CI) when Chromium, Playwright or the bundle is missing."""
    missing = [what for what, ok in (
        ("chromium", Path(CHROMIUM).exists()),
        ("playwright", shutil.which("node") is not None),
        ("the web app bundle (web/static/dist/app.js)",
         (REPO / "web" / "static" / "dist" / "app.js").exists()),
        ("axe-core", AXE.exists()),
    ) if not ok]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (python)")
    if missing:
        message = f"browser tests need {', '.join(missing)} (scripts/_env.sh installs them)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def camera_chromium(clip: Path) -> AsyncIterator[Any]:
    """A Chromium whose camera plays ``clip`` (a y4m: ``camera.write_y4m``), camera allowed
    without a prompt (Chromium's fake capture device and fake permission UI)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={clip}"])
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Any, viewport: dict[str, int] = DESK) -> tuple[Any, list[str]]:
    """A page whose CSP violations and script errors land in the returned list."""
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
    page.on("console", lambda m: problems.append(f"console {m.text}")
            if m.type == "error" else None)
    await page.add_init_script(_WATCH)
    return page, problems


async def csp_violations(page: Any) -> list[str]:
    return list(await page.evaluate("window.__carnet_csp || []"))


async def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    await page.evaluate(AXE.read_text())
    # preload: false, or axe fetches carnet.css's @imports itself (from the wrong base URL)
    # and injects them as <style> elements, which the CSP rightly blocks.
    result = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], preload: false})")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
            if v.get("impact") in {"serious", "critical"}]


async def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def no_horizontal_scroll(page: Any) -> bool:
    return bool(await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def browser_on_sqlite(server: Server) -> None:
    """A browser test: Chromium and the bundle needed; one engine is enough (the pages do not
    depend on it: SQLite)."""
    need_browser()
    if server.engine != "sqlite":
        pytest.skip("the browser path does not depend on the engine (run on SQLite)")


def emailed_patient(server: Server, smtp: Smtp, tag: str, who: str = "email"
                    ) -> tuple[dict[str, str], str]:
    """A person of this test's own registry (``registry_for(server, tag)``: e-mail addresses of
    its own) and the activation code the server e-mailed them."""
    people = registry_for(server, tag)
    load_registry(server, people)
    person = people[who]
    server.operator("send-codes", "--channel", "email", "--nir", person["nir"])
    return person, activation_code(smtp.wait_for(person["email"], "code d'activation"))

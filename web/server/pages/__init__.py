"""The web app's pages, rendered on the server in the reader's language (French first).

Pages are shells: their text is rendered here (``text.py``, French and English), their
behaviour is one bundled script module built from ``web/browser`` (``/static/dist/app.js``)
that does every encryption and decryption in the browser. A page carries the messages its
script shows as a JSON data block (not a script: the Content-Security-Policy allows no inline
script). No secret, key or medical item ever appears in a page the server renders.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Final, Literal

import jinja2

from web.server.pages.text import SCRIPT_KEYS, TEXT

Lang = Literal["fr", "en"]
LANGS: Final[tuple[Lang, ...]] = ("fr", "en")
TEMPLATES: Final = Path(__file__).parent / "templates"

# What every page may load: itself only; WebAssembly (libsodium) needs wasm-unsafe-eval.
CSP: Final = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
              "img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; "
              "media-src 'self' blob: mediastream:; manifest-src 'self'; base-uri 'none'; "
              "form-action 'self'; frame-ancestors 'none'; object-src 'none'")
HEADERS: Final = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(self), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}


def choose_lang(query: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` first, then the browser's first preference, French otherwise."""
    if query in LANGS:
        return query
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "fr"


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                              autoescape=jinja2.select_autoescape(default=True),
                              undefined=jinja2.StrictUndefined)


def t(key: str, lang: Lang, **values: str) -> str:
    fr, en = TEXT[key]
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text


def render(page: str, lang: Lang) -> str:
    """The page's HTML in ``lang``; the messages its script needs go in a JSON data block."""
    messages = {k: t(k, lang) for k in SCRIPT_KEYS}
    other: Lang = "en" if lang == "fr" else "fr"
    return _env().get_template(f"{page}.html").render(
        lang=lang, other=other, t=lambda key, **v: t(key, lang, **v), page=page,
        messages=json.dumps(messages, ensure_ascii=False).replace("</", "<\\/"))

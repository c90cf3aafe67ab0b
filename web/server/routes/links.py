"""Where the QR codes lead: ``GET /links`` tells clients the origin to put in them
(``CARNET_PUBLIC_URL``), and ``GET /C``, ``/E``, ``/P``, ``/K`` are the pages a phone camera
opens from a consent token, an emergency card, a professional's identity or an
emergency-contact code (``consent.link``).

The code itself is in the URL fragment (after ``#``), which a browser sends to no server: these
pages never see it, and they hold no script that reads it (yet). They say, in French, what the
code is and how to open it in Carnet.
"""

from __future__ import annotations

from html import escape
from typing import Final

from litestar import MediaType, Router, get
from litestar.handlers import HTTPRouteHandler

from web import schemas
from web.server.container import Services
from web.server.openapi import errors

_PAGES: Final = {
    "C": ("Consentement d'un patient",
          "Ce code est le consentement d'un patient : il n'ouvre son dossier qu'au "
          "professionnel de santé qu'il nomme.",
          "Dans Carnet, choisissez « Lire un consentement » et scannez ce code, ou : "
          "<code>carnet pro scan --image photo.png</code>."),
    "E": ("Carte d'urgence",
          "Cette carte ouvre le résumé d'urgence d'un patient (groupe sanguin, allergies, "
          "traitements, directives anticipées, contacts). En cas d'urgence : appelez le 15.",
          "Dans Carnet, choisissez « Ouvrir une carte d'urgence », scannez la carte et saisissez "
          "le code à usage limité que détient le contact d'urgence du patient, ou : "
          "<code>carnet emergency open --image carte.png</code>. Chaque ouverture est tracée "
          "et signalée au patient."),
    "P": ("Identité d'un professionnel de santé",
          "Ce code désigne un professionnel de santé et la clé de son logiciel.",
          "Le patient le scanne dans Carnet pour donner son consentement à ce professionnel, "
          "ou : <code>carnet patient grant --to-qr photo.png</code>."),
    "K": ("Code de contact d'urgence",
          "Ce code désigne une personne qu'un patient peut nommer comme contact d'urgence.",
          "Le patient le scanne dans Carnet, ou : "
          "<code>carnet patient add-contact --image photo.png</code>."),
}


def _page(title: str, what: str, how: str) -> str:
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Carnet — {escape(title)}</title></head>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>{escape(title)}</h1><p>{escape(what)}</p><p>{how}</p>
<p>Ce code ne s'ouvre pas dans un navigateur : le contenu du code reste sur cet appareil,
il n'est envoyé à aucun serveur.</p></body></html>"""


def _handler(kind: str) -> HTTPRouteHandler:
    title, what, how = _PAGES[kind]
    body = _page(title, what, how)

    @get([f"/{kind}", f"/{kind.lower()}"], media_type=MediaType.HTML, include_in_schema=False,
         name=f"link-{kind}")
    async def page() -> str:
        return body

    return page


@get("/links", summary="The origin QR codes link to", tags=["service"], responses=errors())
async def links(services: Services) -> schemas.LinksBody:
    """``CARNET_PUBLIC_URL``, or null: clients then link to the server URL they use."""
    return schemas.LinksBody(origin=services.settings.public_url)


router = Router(path="/", route_handlers=[links, *(_handler(k) for k in sorted(_PAGES))])

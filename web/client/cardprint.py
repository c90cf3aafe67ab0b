"""The printed emergency card and its passcode slip, as PDF or PNG: card-sized (ISO/IEC 7810
ID-1, 85.6 x 54 mm), PNG at 300 dpi (1011 x 638 px: 85.6 mm and 54 mm at 300 dpi are
1011.0 and 637.8 px, rounded to the nearest pixel).

The card carries the patient's name (and birth date), "En cas d'urgence : appelez le 15",
what to scan it with, its validity and its QR link (``web.client.emergency.issue_card``).
The passcode is never on the card: it is on a **separate** slip, a file of its own, for the
emergency contact (a card found with its passcode opens the summary).

One layout, two backends: a face is a list of drawing steps in millimetres (origin bottom
left, text at its baseline), drawn by reportlab (PDF; the QR as a lossless 1-bit image, 8
pixels a module, so that it can be read back from the file) or Pillow (PNG). Both use
Bitstream Vera, the TrueType font reportlab ships (every French accent; embedded in the PDF,
so its text extracts as written). Pure apart from reading that font.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from consent import qr
from vault import Dossier
from web.client.emergency import Card
from web.client.identity import identity_of

__all__ = ["CARD_MM", "DPI", "PNG_PIXELS", "Format", "Holder", "card_file", "card_holder",
           "french_date", "slip_file"]

CARD_MM: Final = (85.6, 54.0)
DPI: Final = 300
PNG_PIXELS: Final = tuple(round(mm / 25.4 * DPI) for mm in CARD_MM)  # (1011, 638)
_PT_MM: Final = 25.4 / 72  # one point in millimetres
_RED: Final = (0.75, 0.07, 0.11)
_BLACK: Final = (0.0, 0.0, 0.0)
_WHITE: Final = (1.0, 1.0, 1.0)
_GREY: Final = (0.3, 0.3, 0.3)
_MONTHS: Final = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre")
Format = Literal["pdf", "png"]
Color = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose card it is, as the patient entered it in their dossier (or typed it); an empty
    name leaves a line to write it by hand."""

    name: str
    birth_date: str | None = None  # ISO date


@dataclass(frozen=True, slots=True)
class _Text:
    x: float
    y: float  # baseline
    size: float  # points
    text: str
    bold: bool = False
    color: Color = _BLACK


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    color: Color


@dataclass(frozen=True, slots=True)
class _Code:
    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...]


_Step = _Text | _Box | _Code


async def card_holder(dossier: Dossier, name: str | None = None) -> Holder:
    """Whom the card names: ``name`` if given (with the dossier's birth date if it has one),
    else the identity the patient entered in their dossier (``web.client.identity``), else
    nobody (an empty name: a line to write it on)."""
    found = identity_of(await dossier.list())
    clean = " ".join((name or "").split())
    if clean:
        return Holder(clean[:120], found.birth_date if found else None)
    return Holder(found.name, found.birth_date) if found else Holder("")


def french_date(when: int | dt.date) -> str:
    """``1er décembre 2027``, ``2 janvier 2028``: as people write dates in French."""
    day = when if isinstance(when, dt.date) else dt.datetime.fromtimestamp(when, dt.UTC).date()
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


def _birth(iso: str | None) -> str | None:
    try:
        return french_date(dt.date.fromisoformat(iso)) if iso else None
    except ValueError:
        return None


@cache
def _font_file(bold: bool) -> bytes:
    name = "VeraBd.ttf" if bold else "Vera.ttf"
    return (resources.files("reportlab") / "fonts" / name).read_bytes()


def _font_name(bold: bool) -> str:
    name = "CarnetVeraBold" if bold else "CarnetVera"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(_font_file(bold))))
    return name


def _width(text: str, size: float, bold: bool) -> float:
    """Width of ``text`` in millimetres."""
    return pdfmetrics.stringWidth(text, _font_name(bold), size) * _PT_MM


def _fit(text: str, size: float, bold: bool, width: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` mm."""
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, size: float, bold: bool, width: float) -> list[str]:
    lines: list[str] = []
    for word in (w for w in text.split(" ") if w):  # a no-break space stays
        if lines and _width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(_fit(word, size, bold, width))
    return lines


def _lines(x: float, top: float, text: str, size: float, width: float, *, bold: bool = False,
           color: Color = _BLACK, leading: float = 1.25) -> tuple[list[_Step], float]:
    """Wrapped text whose first line's top is at ``top``; returns the steps and the y under
    the last line."""
    step = size * leading * _PT_MM
    steps: list[_Step] = []
    y = top
    for line in _wrap(text, size, bold, width):
        y -= step
        steps.append(_Text(x, y + 0.25 * size * _PT_MM, size, line, bold, color))
    return steps, y


def _band(title: str, right: str) -> list[_Step]:
    w, h = CARD_MM
    return [_Box(0, h - 8.5, w, 8.5, _RED), _Text(3.5, h - 5.8, 9.5, title, True, _WHITE),
            _Text(w - 3.5 - _width(right, 7, False), h - 5.6, 7, right, False, _WHITE)]


def _card_face(card: Card, holder: Holder) -> list[_Step]:
    w, h = CARD_MM
    side = 31.0
    code = _Code(w - side - 2.5, 3.0, side, tuple(tuple(r) for r in qr.modules(card.text)))
    left = w - side - 2.5 - 3.5 - 1.0  # the text column's width
    steps: list[_Step] = _band("CARTE D'URGENCE", "Carnet")
    steps.append(code)
    if holder.name:
        steps.append(_Text(3.5, h - 14.5, 10, _fit(holder.name, 10, True, left), True))
    else:  # written by hand
        steps.append(_Text(3.5, h - 14.5, 7, "Nom\u00a0:", False, _GREY))
        steps.append(_Box(12.5, h - 14.8, left - 9.0, 0.25, _GREY))
    y = h - 15.5
    born = _birth(holder.birth_date)
    if born:
        steps.append(_Text(3.5, h - 18.5, 6.5, f"Date de naissance\u00a0: {born}", False, _GREY))
        y = h - 19.5
    more, y = _lines(3.5, y - 1.0, "En cas d'urgence\u00a0: appelez le 15", 10, left, bold=True,
                     color=_RED, leading=1.15)
    steps += more
    more, y = _lines(3.5, y - 0.8, "Scannez ce code avec l'application Carnet (ou l'appareil "
                     "photo d'un téléphone). Le code d'accès est détenu par le contact "
                     "d'urgence\u00a0; chaque ouverture est tracée.", 5.6, left)
    steps += more
    steps.append(_Text(3.5, 6.2, 5.6, f"Valable jusqu'au {french_date(card.expires_at)}",
                       False, _GREY))
    steps.append(_Text(3.5, 3.4, 5.2, f"Carte n° {card.card_id[:8]}", False, _GREY))
    return steps


def _slip_face(card: Card, holder: Holder) -> list[_Step]:
    w, h = CARD_MM
    code = " ".join(card.passcode[i:i + 4] for i in range(0, len(card.passcode), 4))
    steps: list[_Step] = _band("CODE D'ACCÈS", "Carte d'urgence")
    whose = f"de {holder.name}" if holder.name else "du titulaire de la carte"
    more, y = _lines(3.5, h - 10.0, f"Pour le contact d'urgence {whose}", 7.5, w - 7,
                     bold=True)
    steps += more
    steps.append(_Text((w - _width(code, 22, True)) / 2, y - 10.0, 22, code, True))
    more, y = _lines(3.5, y - 13.5, "Ce code ouvre, avec la carte d'urgence, le résumé "
                     "d'urgence du patient (groupe sanguin, allergies, traitements, directives "
                     "anticipées, contacts). Gardez-le à part de la carte et ne le donnez "
                     "qu'aux secours\u00a0: après cinq erreurs, la carte est bloquée.", 5.8, w - 7)
    steps += more
    steps.append(_Text(3.5, 6.2, 5.6, f"Carte n° {card.card_id[:8]}, valable jusqu'au "
                       f"{french_date(card.expires_at)}", False, _GREY))
    steps.append(_Text(3.5, 3.2, 6.5, "En cas d'urgence\u00a0: appelez le 15", True, _RED))
    return steps


def _bitmap(modules: tuple[tuple[bool, ...], ...], cell: int) -> Image.Image:
    n = len(modules)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    return image.resize((n * cell, n * cell), Image.Resampling.NEAREST)


def _pdf(steps: list[_Step], title: str) -> bytes:
    out = io.BytesIO()
    w, h = (mm / _PT_MM for mm in CARD_MM)
    pdf = canvas.Canvas(out, pagesize=(w, h), pageCompression=1, invariant=1)
    pdf.setTitle(title)
    pdf.setAuthor("Carnet")
    for step in steps:
        if isinstance(step, _Box):
            pdf.setFillColorRGB(*step.color)
            pdf.rect(step.x / _PT_MM, step.y / _PT_MM, step.w / _PT_MM, step.h / _PT_MM,
                     stroke=0, fill=1)
        elif isinstance(step, _Text):
            pdf.setFillColorRGB(*step.color)
            pdf.setFont(_font_name(step.bold), step.size)
            pdf.drawString(step.x / _PT_MM, step.y / _PT_MM, step.text)
        else:  # a lossless 1-bit image, 8 pixels a module: crisp, and readable back
            pdf.drawImage(ImageReader(_bitmap(step.modules, 8)), step.x / _PT_MM,
                          step.y / _PT_MM, step.size / _PT_MM, step.size / _PT_MM)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _png(steps: list[_Step]) -> bytes:
    width, height = PNG_PIXELS
    scale = width / CARD_MM[0]  # pixels per millimetre

    def px(x: float, y: float) -> tuple[float, float]:
        return x * scale, height - y * scale

    def rgb(c: Color) -> tuple[int, int, int]:
        return (round(c[0] * 255), round(c[1] * 255), round(c[2] * 255))

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for step in steps:
        if isinstance(step, _Box):
            x0, y1 = px(step.x, step.y)
            x1, y0 = px(step.x + step.w, step.y + step.h)
            draw.rectangle((round(x0), round(y0), round(x1), round(y1)), fill=rgb(step.color))
        elif isinstance(step, _Text):
            font = ImageFont.truetype(io.BytesIO(_font_file(step.bold)),
                                      size=round(step.size * _PT_MM * scale))
            draw.text(px(step.x, step.y), step.text, font=font, fill=rgb(step.color),
                      anchor="ls")
        else:
            n = len(step.modules)
            cell = int(step.size * scale) // n  # whole pixels a module: a crisp code
            x0, y0 = px(step.x, step.y + step.size)
            left = round(x0 + (step.size * scale - cell * n) / 2)
            top = round(y0 + (step.size * scale - cell * n) / 2)
            for r, row in enumerate(step.modules):
                for c, dark in enumerate(row):
                    if dark:
                        draw.rectangle((left + c * cell, top + r * cell,
                                        left + (c + 1) * cell - 1, top + (r + 1) * cell - 1),
                                       fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def card_file(card: Card, holder: Holder, fmt: Format) -> bytes:
    """The card (no passcode on it) as a one-page PDF or a 300 dpi PNG."""
    steps = _card_face(card, holder)
    return _pdf(steps, "Carte d'urgence") if fmt == "pdf" else _png(steps)


def slip_file(card: Card, holder: Holder, fmt: Format) -> bytes:
    """The passcode slip, for the emergency contact (kept apart from the card)."""
    steps = _slip_face(card, holder)
    return _pdf(steps, "Code d'accès de la carte d'urgence") if fmt == "pdf" else _png(steps)

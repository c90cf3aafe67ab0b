"""Draw a consent token's QR code and read QR codes back from a photo or a scan.

Drawing uses ``qrcode`` at error correction M with the smallest version that fits, and its
optimal split in segments: a link (``consent.link``) is its upper-cased origin in
alphanumeric mode, ``#`` in byte mode and the digits in numeric mode. A consent token's link
lands at version 8 (49 x 49 modules) for an origin of up to 32 characters, 9 up to 72, 10 up to
the longest origin ``consent.link`` accepts; nothing above ``MAX_VERSION`` (10) is drawn.
Reading uses zxing-cpp on an image opened with Pillow (PNG, JPEG or GIF). No I/O beyond the
bytes passed in.
"""

from __future__ import annotations

import io
from typing import Any, Final

from consent.errors import InvalidToken, NotAToken, QrUnreadable
from consent.token import from_text

TARGET_VERSION: Final = 8  # DESIGN: a consent token at version 8 or below, level M
MAX_VERSION: Final = 10  # never more (a phone must read it off a card or a screen)
ERROR_CORRECTION: Final = 0  # qrcode.constants.ERROR_CORRECT_M (checked by the tests)
BORDER: Final = 4  # quiet zone in modules, the minimum the QR standard asks for

# Limits on images to read (a phone photo is a few MB and ~12 Mpx).
MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 50_000_000
IMAGE_FORMATS: Final = ("PNG", "JPEG", "GIF")
# qrcode, PIL and zxing-cpp are imported where they are used: a command-line run that draws or
# reads no QR code does not pay for them (about 0.1 s of imports each run).


def _build(text: str, box_size: int = 10) -> Any:
    """A ``qrcode.QRCode`` holding ``text``, its version chosen (smallest that fits at M)."""
    import qrcode
    import qrcode.exceptions

    if not isinstance(text, str):
        raise TypeError("QR text must be a str")
    qr = qrcode.QRCode(version=None, error_correction=ERROR_CORRECTION, box_size=box_size,
                       border=BORDER)
    qr.add_data(text)
    try:
        qr.best_fit()
    except qrcode.exceptions.DataOverflowError:
        raise ValueError("text is too long for any QR code") from None
    return qr


def _made(text: str, box_size: int) -> Any:
    qr = _build(text, box_size)
    version = int(qr.version)
    if version > MAX_VERSION:
        raise ValueError(f"text needs QR version {version}, more than {MAX_VERSION}")
    qr.make(fit=True)
    return qr


def qr_version(text: str) -> int:
    """The QR version (1-40) qrcode chooses for ``text`` at error correction M.

    ``make(fit=True)`` in the render functions chooses with the same ``best_fit``.
    Raises ValueError if the text does not fit version 40.
    """
    return int(_build(text).version)


def modules(text: str) -> list[list[bool]]:
    """The QR code's modules, rows top to bottom, True for dark, quiet zone included
    (``BORDER`` modules each side), for drawing it oneself (a card's PDF). Raises ValueError
    if the text needs a version above ``MAX_VERSION``."""
    qr = _made(text, 1)
    size = len(qr.modules)
    blank = [False] * (size + 2 * BORDER)
    rows = [list(blank) for _ in range(BORDER)]
    rows += [[False] * BORDER + [bool(m) for m in row] + [False] * BORDER
             for row in qr.modules]
    rows += [list(blank) for _ in range(BORDER)]
    return rows


def render_png(text: str, *, box_size: int = 6) -> bytes:
    """PNG (1-bit) of the QR code; ``box_size`` pixels per module, 4-module quiet zone.

    Raises ValueError if the text needs a version above ``MAX_VERSION``.
    """
    if isinstance(box_size, bool) or not isinstance(box_size, int) or not 1 <= box_size <= 50:
        raise ValueError("box_size must be between 1 and 50 pixels")
    import qrcode.image.pil

    qr = _made(text, box_size)
    image = qr.make_image(image_factory=qrcode.image.pil.PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def render_svg(text: str) -> bytes:
    """SVG document (one path, sizes in mm) of the QR code, UTF-8 encoded.

    Raises ValueError if the text needs a version above ``MAX_VERSION``.
    """
    import qrcode.image.svg

    qr = _made(text, 10)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def read_image(data: bytes) -> list[str]:
    """The texts of the QR codes found in an image (PNG, JPEG or GIF bytes).

    Raises QrUnreadable if the image cannot be opened (unknown format, truncated, too large)
    or holds no readable QR code.
    """
    import zxingcpp
    from PIL import Image

    if not isinstance(data, bytes | bytearray | memoryview) or not 0 < len(data) <= (
            MAX_IMAGE_BYTES):
        raise QrUnreadable()
    try:
        with Image.open(io.BytesIO(bytes(data)), formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise QrUnreadable()
            gray = image.convert("L")  # decodes the (first) frame
    except QrUnreadable:
        raise
    except Exception:  # any decoder failure on untrusted bytes means "unreadable"
        raise QrUnreadable() from None
    try:
        found = zxingcpp.read_barcodes(
            gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    except Exception:
        raise QrUnreadable() from None
    texts = [str(barcode.text) for barcode in found]
    if not texts:
        raise QrUnreadable()
    return texts


def read_token(data: bytes) -> bytes:
    """The token bytes from the first QR code in the image that holds a Carnet token text.

    Raises QrUnreadable (no QR code), InvalidToken (a Carnet prefix with garbled data and no
    other Carnet token), or NotAToken (QR codes, none of them a Carnet token). The bytes still
    have to go through ``consent.token.decode`` and ``Token.verify``.
    """
    garbled = False
    for text in read_image(data):
        try:
            return from_text(text)
        except NotAToken:
            continue
        except InvalidToken:
            garbled = True
    if garbled:
        raise InvalidToken()
    raise NotAToken()

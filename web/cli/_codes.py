"""The codes a command is given as typed text, a file, or a photo of a QR code: a consent
token, a professional's identity, an emergency card. Each is checked here, before any
log-in, so that a wrong paste or photo is refused at once."""

from __future__ import annotations

from consent import qr
from web.cli._context import CliError, read_bytes, read_text
from web.client import codes


def token_text(*, image: str | None, text_file: str | None = None,
               text: str | None = None) -> str:
    """A consent token's text from --image (a photo of the QR), a text file, or the text
    itself (whichever is given, in that order); NotAToken/InvalidToken if it is none."""
    if image:
        found = codes.token_in_image(read_bytes(image))
    elif text_file:
        found = read_text(text_file).strip()
    else:
        found = (text or "").strip()
    return codes.check_token(found)


def identity_in_image(path: str) -> tuple[str, bytes]:
    """(idNat_PS, key fingerprint) from a photo of a professional's identity QR."""
    found = codes.identity_in(qr.read_image(read_bytes(path)))
    if found is None:
        raise CliError("this image holds no Carnet professional identity code")
    return found


def card_text(*, image: str | None, text: str | None) -> str:
    """An emergency card's text from --image (a photo of the card) or the text itself."""
    if not image:
        return codes.check_card(text or "")
    found = codes.card_in(qr.read_image(read_bytes(image)))
    if found is None:
        raise CliError("this image holds no Carnet emergency card")
    return found


def first_text_in_image(path: str) -> str:
    """The first QR code's text in a photo (an emergency-contact code)."""
    texts = qr.read_image(read_bytes(path))
    if not texts:
        raise CliError("no code found in this image")
    return texts[0]

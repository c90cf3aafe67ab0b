"""The codes people hand each other, recognised in typed text or in a photo of a QR code:
consent tokens, professional identity codes, emergency cards; and key fingerprints as shown.

Each ``*_in`` function takes what ``consent.qr.read_image`` found in an image and returns
the first text of that kind, or None: the caller says what was missing.
"""

from __future__ import annotations

from consent import identity as identity_format
from consent import qr
from consent import token as token_format
from consent.card import parse_card
from consent.errors import ConsentError, NotAToken
from vault.crypto import fingerprint
from web.client.professional import ProfessionalIdentity

__all__ = [
    "card_in",
    "check_card",
    "check_token",
    "fingerprint_hex",
    "identity_in",
    "identity_text",
    "token_in_image",
]


def token_in_image(png: bytes) -> str:
    """The text of the first Carnet consent token in the image, as scanned (a link or a
    legacy text; QrUnreadable, NotAToken or InvalidToken otherwise)."""
    garbled: ConsentError | None = None
    for text in qr.read_image(png):
        try:
            token_format.from_text(text)
        except NotAToken:
            continue
        except ConsentError as exc:  # InvalidToken: keep looking for a good one
            garbled = exc
            continue
        return text.strip()
    raise garbled or NotAToken()


def check_token(text: str) -> str:
    """``text`` if it is a Carnet consent token's text form (NotAToken or InvalidToken
    otherwise), so that a wrong paste is refused before any log-in."""
    token_format.from_text(text)
    return text


def identity_in(texts: list[str]) -> tuple[str, bytes] | None:
    """(idNat_PS, key fingerprint) of the first professional identity code."""
    for text in texts:
        try:
            return identity_format.decode(text)
        except ConsentError:
            continue
    return None


def identity_text(identity: ProfessionalIdentity, origin: str) -> tuple[str, bytes]:
    """This professional's identity code (idNat_PS + key fingerprint) as a link on the
    deployment at ``origin`` (``web.client.links.public_origin``), for a QR, and the
    fingerprint."""
    fpr = fingerprint(identity.signing_key.verify_key.encode())
    return identity_format.link(identity.ps_id, fpr, origin), fpr


def check_card(text: str) -> str:
    """``text`` if it is an emergency card's text (NotACard otherwise)."""
    parse_card(text)
    return text


def card_in(texts: list[str]) -> str | None:
    """The first emergency card text."""
    for text in texts:
        try:
            parse_card(text)
        except ConsentError:
            continue
        return text
    return None


def fingerprint_hex(public: bytes) -> str:
    """The fingerprint of a public signing key, in hex, as people compare it."""
    return fingerprint(public).hex()

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
from consent.errors import ConsentError
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
    """The text form of the first Carnet consent token in the image (QrUnreadable,
    NotAToken or InvalidToken otherwise)."""
    return token_format.to_text(qr.read_token(png))


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


def identity_text(identity: ProfessionalIdentity) -> tuple[str, bytes]:
    """This professional's identity code (idNat_PS + key fingerprint, for a QR) and the
    fingerprint."""
    fpr = fingerprint(identity.signing_key.verify_key.encode())
    return identity_format.encode(identity.ps_id, fpr), fpr


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

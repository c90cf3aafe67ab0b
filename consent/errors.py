"""The consent package's error tree.

Every error carries a stable machine-readable ``code`` and the HTTP ``status`` the web layer
maps it to (``web/server/errors.py`` turns them into ``{"code", "detail"}`` responses). A token that
fails any cryptographic or structural check raises ``InvalidToken`` with one opaque message:
it never says which field, byte or key was wrong.
"""

from __future__ import annotations


class ConsentError(Exception):
    """Base of every error the consent package raises."""

    code = "consent_error"
    status = 400
    default_detail = "the consent could not be processed"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = self.default_detail if detail is None else detail
        super().__init__(self.detail)


class NotAToken(ConsentError, ValueError):
    """Text or a QR code that is not a Carnet consent token at all (another URL, an EU COVID
    certificate, a SMART Health Link, random text)."""

    code = "not_a_carnet_token"
    default_detail = "not a Carnet consent token"


class InvalidToken(ConsentError, ValueError):
    """A Carnet token that is garbled, truncated, of an unknown version, or whose signature or
    patient key does not check. Deliberately says nothing more."""

    code = "invalid_token"
    default_detail = "this consent token is not valid"


class TokenExpired(ConsentError):
    """The token's validity period is over."""

    code = "token_expired"
    status = 401
    default_detail = "this consent token has expired"


class TokenRevoked(ConsentError):
    """The patient revoked the grant this token refers to."""

    code = "token_revoked"
    status = 403
    default_detail = "this consent was revoked by the patient"


class WrongRecipient(ConsentError):
    """The token names another recipient than the one presenting it."""

    code = "wrong_recipient"
    status = 403
    default_detail = "this consent token was issued to someone else"


class QrUnreadable(ConsentError, ValueError):
    """No QR code could be read from the image (or the image itself could not be opened)."""

    code = "qr_unreadable"
    default_detail = "no QR code could be read from this image"

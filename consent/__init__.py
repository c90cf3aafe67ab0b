"""Consent: patient-signed grants sealed to a named recipient, consent tokens and their QR
codes, and the per-dossier verifiable history. Pure modules (no I/O, time passed in)."""

from consent.errors import (
    ConsentError,
    InvalidToken,
    NotAToken,
    QrUnreadable,
    TokenExpired,
    TokenRevoked,
    WrongRecipient,
)

__all__ = ["ConsentError", "InvalidToken", "NotAToken", "QrUnreadable", "TokenExpired",
           "TokenRevoked", "WrongRecipient"]

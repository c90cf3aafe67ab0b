"""Consent: patient-signed grants sealed to a named recipient, consent tokens and their QR
codes, the per-dossier verifiable history, emergency cards, deposits and directory
countersignatures. Pure modules (no I/O; time and randomness passed in).

``__all__`` is what other packages use (``tests/test_public_api.py`` keeps it exact): the
format modules, used by name (``token.decode``, ``grant.issue``, ``policy.token_matches_grant``),
the ``Recipient`` value type and the error tree of ``consent.errors``. ``consent.qr`` (the only
module importing qrcode, zxing and PIL) is imported explicitly; ``_codec``, ``_qrtext`` and
``_reader`` are private.
"""

from consent import (
    audit,
    base45,
    card,
    contact,
    deposit,
    directory,
    grant,
    identity,
    link,
    policy,
    profiles,
    recipient,
    request,
    token,
)
from consent.errors import (
    AuditError,
    ChainBroken,
    ConsentError,
    GrantError,
    IdentityMismatch,
    InvalidDeposit,
    InvalidGrant,
    InvalidToken,
    MalformedAudit,
    MalformedGrant,
    NotACard,
    NotAContact,
    NotAnIdentity,
    NotAToken,
    PackageUnreadable,
    QrUnreadable,
    TokenExpired,
    TokenRevoked,
    UnsafeGrant,
    UntrustedEntry,
    WrongRecipient,
)
from consent.recipient import Recipient

__all__ = [
    "AuditError",
    "ChainBroken",
    "ConsentError",
    "GrantError",
    "IdentityMismatch",
    "InvalidDeposit",
    "InvalidGrant",
    "InvalidToken",
    "MalformedAudit",
    "MalformedGrant",
    "NotACard",
    "NotAContact",
    "NotAToken",
    "NotAnIdentity",
    "PackageUnreadable",
    "QrUnreadable",
    "Recipient",
    "TokenExpired",
    "TokenRevoked",
    "UnsafeGrant",
    "UntrustedEntry",
    "WrongRecipient",
    "audit",
    "base45",
    "card",
    "contact",
    "deposit",
    "directory",
    "grant",
    "identity",
    "link",
    "policy",
    "profiles",
    "recipient",
    "request",
    "token",
]

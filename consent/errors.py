"""The consent package's error tree, all of it, in one place.

Every error has a stable machine-readable ``code`` and a ``detail`` for the person at the
keyboard; none knows HTTP (``web/server/errors.py`` holds the one status table per family and
turns errors into ``{"code", "detail"}`` responses). A token, grant or deposit that fails a
cryptographic or structural check raises one opaque error: it never says which field, byte or
key was wrong. Errors about bad input are also ``ValueError``, as pynacl's are.

The tree (``code`` in brackets)::

    * CodedError                    the shape shared with the server's ServiceError tree
      x ConsentError                [consent_error]
        + NotAToken                 [not_a_carnet_token]             ValueError
        + InvalidToken              [invalid_token]                  ValueError
        + TokenExpired              [token_expired]
        + TokenRevoked              [token_revoked]
        + WrongRecipient            [wrong_recipient]
        + QrUnreadable              [qr_unreadable]                  ValueError
        + Base45Error               [bad_base45]                     ValueError, consent.base45
        + NotAContact               [not_a_contact_code]             ValueError
        + NotAnIdentity             [not_an_identity_qr]             ValueError
        + IdentityMismatch          [identity_mismatch]
        + NotACard                  [not_an_emergency_card]          ValueError
        + PackageUnreadable         [emergency_package_unreadable]   ValueError
        + InvalidDeposit            [invalid_deposit]                ValueError
        + UntrustedEntry            [untrusted_directory_entry]
        + GrantError                [grant_error]
          - MalformedGrant          [malformed_grant]                ValueError
          - InvalidGrant            [invalid_grant]                  ValueError
          - UnsafeGrant             [unsafe_grant]
        + AuditError                [audit_error]
          - MalformedAudit          [malformed_audit]                ValueError
          - ChainBroken             [audit_chain_broken]             .reason in REASONS

``Base45Error`` stays beside its codec (``consent.base45``), which is usable on its own.
"""

from __future__ import annotations

from typing import ClassVar, Final, Literal


class CodedError(Exception):
    """An error with a stable ``code`` and a ``detail`` (``default_detail`` unless given).

    The one shape of the consent tree and of the server's service tree
    (``web.server.services.errors.ServiceError``); ``str(error)`` is the detail.
    """

    code: ClassVar[str] = "error"
    default_detail: ClassVar[str] = "the request could not be processed"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = self.default_detail if detail is None else detail
        super().__init__(self.detail)


class ConsentError(CodedError):
    """Base of every error the consent package raises."""

    code = "consent_error"
    default_detail = "the consent could not be processed"


# --- tokens and their QR codes --------------------------------------------------------------


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
    default_detail = "this consent token has expired"


class TokenRevoked(ConsentError):
    """The patient revoked the grant this token refers to."""

    code = "token_revoked"
    default_detail = "this consent was revoked by the patient"


class WrongRecipient(ConsentError):
    """The token names another recipient than the one presenting it."""

    code = "wrong_recipient"
    default_detail = "this consent token was issued to someone else"


class QrUnreadable(ConsentError, ValueError):
    """No QR code could be read from the image (or the image itself could not be opened)."""

    code = "qr_unreadable"
    default_detail = "no QR code could be read from this image"


# --- the other codes shown as QR: contacts, identities, emergency cards ---------------------


class NotAContact(ConsentError, ValueError):
    """Text that is not a Carnet emergency-contact code (``consent.contact``)."""

    code = "not_a_contact_code"
    default_detail = "not a Carnet emergency-contact code"


class NotAnIdentity(ConsentError, ValueError):
    """Text that is not a professional's identity code (``consent.identity``)."""

    code = "not_an_identity_qr"
    default_detail = "not a Carnet professional identity code"


class IdentityMismatch(ConsentError):
    """The directory's key for a professional is not the one their identity code shows."""

    code = "identity_mismatch"
    default_detail = ("the directory's key for this professional is not the one their "
                      "identity code shows: refusing")


class NotACard(ConsentError, ValueError):
    """Text that is not an emergency card (``consent.card``)."""

    code = "not_an_emergency_card"
    default_detail = "not a Carnet emergency card"


class PackageUnreadable(ConsentError, ValueError):
    """An emergency package that does not open with the card's key or the service's key.
    Deliberately says nothing about why."""

    code = "emergency_package_unreadable"
    default_detail = "the emergency package does not open"


# --- deposits and the directory -------------------------------------------------------------


class InvalidDeposit(ConsentError, ValueError):
    """A deposit whose signature does not check or whose sealed blob does not open. Says
    nothing about which part failed."""

    code = "invalid_deposit"
    default_detail = "this deposit does not verify"


class UntrustedEntry(ConsentError):
    """The directory entry is not countersigned by the pinned authority."""

    code = "untrusted_directory_entry"
    default_detail = ("this professional's directory entry is not signed by the directory "
                      "authority: refusing to trust its keys")


# --- grants ---------------------------------------------------------------------------------


class GrantError(ConsentError):
    """Base of every grant error."""

    code = "grant_error"
    default_detail = "the grant could not be processed"


class MalformedGrant(GrantError, ValueError):
    """Bytes or values that do not follow the grant format (truncated, garbled, unknown
    version, out-of-range field)."""

    code = "malformed_grant"
    default_detail = "this grant is malformed"


class InvalidGrant(GrantError, ValueError):
    """A well-formed grant whose signature, keys hash or sealed keys do not check.
    Deliberately says nothing about which part failed."""

    code = "invalid_grant"
    default_detail = "this grant is not valid"


class UnsafeGrant(GrantError):
    """``grant.issue`` was asked to seal a key that must never leave the patient (the mask
    key): refused, whatever the keyring says."""

    code = "unsafe_grant"
    default_detail = "refusing to put the mask key into a grant"


# --- the audit log --------------------------------------------------------------------------

Reason = Literal["dropped", "reordered", "rewritten", "shrunk", "bad_signature",
                 "unknown_actor", "replayed"]
REASONS: Final[frozenset[str]] = frozenset(
    {"dropped", "reordered", "rewritten", "shrunk", "bad_signature", "unknown_actor",
     "replayed"})


class AuditError(ConsentError):
    """Base of every audit-log error."""

    code = "audit_error"
    default_detail = "the access history could not be processed"


class MalformedAudit(AuditError, ValueError):
    """An event or head that breaks the format (bad bytes, unknown kind, oversized field)."""

    code = "malformed_audit"
    default_detail = "this access-history entry is malformed"


class ChainBroken(AuditError):
    """The log does not verify. ``reason`` is one of ``REASONS``:

    - ``dropped``: entries are missing (a gap in the sequence numbers, or fewer than the
      signed head counts);
    - ``reordered``: the entries are out of order;
    - ``rewritten``: an entry's content, or the log before the last seen head, changed;
    - ``shrunk``: the log is shorter than the head the client saw last time;
    - ``bad_signature``: the head's or a professional request's signature does not check,
      or a professional's event carries none;
    - ``unknown_actor``: a professional's event is signed by a key the countersigned
      directory does not give for them (or a professional's kind of event names no
      professional);
    - ``replayed``: two events record the same request nonce.
    """

    code = "audit_chain_broken"
    default_detail = "the access history does not verify"

    def __init__(self, reason: Reason, detail: str | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        self.reason: Reason = reason
        super().__init__(detail if detail is not None else f"{self.default_detail}: {reason}")

"""The service layer's error tree, all of it, in one place.

Errors of the server's own decisions (credentials, rate limits, activation codes, the server's
state of emergency cards and break-glass, write rights). Each has a stable ``code`` and a
``detail`` (the shape is ``consent.errors.CodedError``, shared with the consent tree); none
knows HTTP: ``web/server/errors.py`` holds the status table and turns errors into
``{"code", "detail"}`` responses. Details are written for the person at the keyboard and
never contain secrets (codes, peppers, passwords, passcodes) nor the personal data that was
submitted (a NIR, a message body).

The tree (``code`` in brackets)::

    * ServiceError                  [service_error]
      x RateLimited                 [rate_limited]                   .retry_after (seconds)
      x ActivationFailed            [activation_failed]
        + CodeSuperseded            [code_superseded]
      x Unauthorized                [unauthorized]
      x Forbidden                   [forbidden]                      PermissionError
        + ProfessionalBlocked       [professional_blocked]
        + WriteNotGranted           [write_not_granted]
        + KeyNotGranted             [key_not_granted]
        + CardLocked                [card_locked]
        + CardExpired               [card_expired]
        + BreakGlassOff             [break_glass_off]
        + ProfessionalItem          [professional_item]
      x WrongPasscode               [wrong_passcode]
      x NotFoundError               [not_found]                      LookupError
      x ConflictError               [conflict]
        + BreakGlassOffConflict     [break_glass_turned_off]
        + StaleKey                  [stale_key]
        + RotationOwed              [rotation_owed]
        + CodePending               [code_pending]
      x MailError                   [mail_failed]

The emergency-card errors are the server's decisions, not the consent format's: the attempt
counter, the expiry, the revocation and the break-glass switch are state only the server
holds (``consent.card`` only reads and opens what a card carries).
"""

from __future__ import annotations

from consent.errors import CodedError
from web.nir import InvalidNir as InvalidNir  # re-exported: the NIR rules live in web.nir


class ServiceError(CodedError):
    """Base of every error the service layer raises."""

    code = "service_error"
    default_detail = "the request could not be served"


class RateLimited(ServiceError):
    """Too many attempts for one key; ``retry_after`` is in whole seconds, at least 1."""

    code = "rate_limited"
    default_detail = "too many attempts, try again later"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class ActivationFailed(ServiceError):
    """An activation code did not work. Deliberately the same for a wrong, used, expired,
    unknown or malformed code, so that answers reveal nothing about which codes exist."""

    code = "activation_failed"
    default_detail = "this activation code is not valid"


class CodeSuperseded(ActivationFailed):
    """The code typed is one a newer code replaced (it is dead). Only someone who holds a
    genuine earlier code of this NIR can get this answer: to anyone guessing, a NIR with or
    without a dossier or a pending code answers :class:`ActivationFailed` alike."""

    code = "code_superseded"
    default_detail = ("this activation code was replaced by a newer one: use the newest code "
                      "you received")


class Unauthorized(ServiceError):
    """No valid credentials were presented."""

    code = "unauthorized"
    default_detail = "authentication required"


class Forbidden(ServiceError, PermissionError):
    """Valid credentials, but the action is not allowed to this caller."""

    code = "forbidden"
    default_detail = "not allowed"


class ProfessionalItem(Forbidden):
    """The patient asked to delete an item a professional wrote: it can be masked
    (``docs/consent.md``, "Deleting a professional's item")."""

    code = "professional_item"
    default_detail = ("this item was written by a professional: you cannot delete it, but "
                      "you can mask it (carnet patient mask ITEM_ID), and no grant will "
                      "show it again")


class ProfessionalBlocked(Forbidden):
    """The patient blocked this professional: none of their consent tokens opens anything."""

    code = "professional_blocked"
    default_detail = "the patient has blocked this professional"


class WriteNotGranted(Forbidden):
    """The consent presented for a write is a read-only one."""

    code = "write_not_granted"
    default_detail = "this consent lets you read, not write"


class KeyNotGranted(Forbidden):
    """The item to write is wrapped under a key reference the consent does not give."""

    code = "key_not_granted"
    default_detail = "this item is not wrapped under a key the consent gives you"


class CardLocked(Forbidden):
    """The emergency card had too many wrong passcodes in its life: it opens nothing more."""

    code = "card_locked"
    default_detail = "this emergency card is locked after too many wrong passcodes"


class CardExpired(Forbidden):
    """The emergency card is past its expiry, or the patient revoked it."""

    code = "card_expired"
    default_detail = "this emergency card has expired or was revoked"


class BreakGlassOff(Forbidden):
    """The patient did not allow break-glass access to their emergency summary."""

    code = "break_glass_off"
    default_detail = "this patient did not allow break-glass access"


class WrongPasscode(ServiceError):
    """The passcode does not open the card (the detail says how many attempts are left)."""

    code = "wrong_passcode"
    default_detail = "wrong passcode"


class NotFoundError(ServiceError, LookupError):
    """No such resource (or one the caller may not learn exists)."""

    code = "not_found"
    default_detail = "not found"


class ConflictError(ServiceError):
    """The request conflicts with the current state (duplicate, concurrent change)."""

    code = "conflict"
    default_detail = "conflict with the current state"


class BreakGlassOffConflict(ConflictError):
    """A re-sealed break-glass package for a dossier whose patient turned break-glass off
    (on another device, meanwhile): a re-seal never turns it on again."""

    code = "break_glass_turned_off"
    default_detail = "break-glass is off: a re-sealed package is not stored"


class StaleKey(ConflictError):
    """A professional's write is wrapped under a section key version the patient has since
    replaced (after an expiry, a revocation or a masking): fetch the re-sealed grant (scan
    again) and write under its current key (P5)."""

    code = "stale_key"
    default_detail = ("this item is wrapped under a key the patient has replaced: scan the "
                      "consent again to get the new key, then retry")


class CodePending(ConflictError):
    """A new activation code was asked for while the one sent earlier is still valid: it is
    kept unless the new one is asked for explicitly (resend), which kills the earlier one."""

    code = "code_pending"
    default_detail = "an activation code sent earlier is still valid"


class RotationOwed(ConflictError):
    """A professional's write is wrapped under a key that an ended grant (revoked or
    expired) also carries, and the patient's client has not rotated it yet: the ex-grantee
    could read the item (P5). Refused until the patient's next session rotates the section
    and re-seals this grant; then scan again and write under the new key (or deposit)."""

    code = "rotation_owed"
    default_detail = ("the patient's keys for this section must be renewed first (a consent "
                      "ended): try again after the patient's next session, or deposit the "
                      "item instead")


class MailError(ServiceError):
    """A notification (e-mail or letter) could not be handed over. Never quotes the body."""

    code = "mail_failed"
    default_detail = "the notification could not be sent"

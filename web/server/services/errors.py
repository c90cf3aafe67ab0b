"""The service layer's error tree.

Every error carries a stable machine-readable ``code`` and the HTTP ``status`` it maps to;
``web/server/errors.py`` turns them into ``{"code", "detail"}`` responses. Details are written for
the person at the keyboard and never contain secrets (codes, peppers, passwords) nor the
personal data that was submitted (a NIR, a message body).
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error the service layer raises."""

    code = "service_error"
    status = 400
    default_detail = "the request could not be served"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = self.default_detail if detail is None else detail
        super().__init__(self.detail)


class InvalidNir(ServiceError, ValueError):
    """A social security number (NIR) that is malformed or whose key does not match."""

    code = "invalid_nir"
    default_detail = "this is not a valid social security number (NIR)"


class RateLimited(ServiceError):
    """Too many attempts for one key; ``retry_after`` is in whole seconds, at least 1."""

    code = "rate_limited"
    status = 429
    default_detail = "too many attempts, try again later"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class ActivationFailed(ServiceError):
    """An activation code did not work. Deliberately the same for a wrong, used, expired,
    unknown or malformed code, so that answers reveal nothing about which codes exist."""

    code = "activation_failed"
    default_detail = "this activation code is not valid"


class ActivationLocked(ServiceError):
    """Too many wrong codes for one activation: it is locked and a new code is needed."""

    code = "activation_locked"
    status = 403
    default_detail = "too many wrong codes: ask for a new activation code"


class Unauthorized(ServiceError):
    """No valid credentials were presented."""

    code = "unauthorized"
    status = 401
    default_detail = "authentication required"


class Forbidden(ServiceError, PermissionError):
    """Valid credentials, but the action is not allowed to this caller."""

    code = "forbidden"
    status = 403
    default_detail = "not allowed"


class NotFoundError(ServiceError, LookupError):
    """No such resource (or one the caller may not learn exists)."""

    code = "not_found"
    status = 404
    default_detail = "not found"


class ConflictError(ServiceError):
    """The request conflicts with the current state (duplicate, concurrent change)."""

    code = "conflict"
    status = 409
    default_detail = "conflict with the current state"


class MailError(ServiceError):
    """A notification (e-mail or letter) could not be handed over. Never quotes the body."""

    code = "mail_failed"
    status = 502
    default_detail = "the notification could not be sent"


class ProfessionalBlocked(Forbidden):
    """The patient blocked this professional: none of their consent tokens opens anything."""

    code = "professional_blocked"
    default_detail = "the patient has blocked this professional"

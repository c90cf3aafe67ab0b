"""The one place where errors become HTTP responses: ``{"code": ..., "detail": ...}``.

Each error family (``vault``, ``consent``, the server's services) has one table here, class ->
HTTP status; the packages themselves know no HTTP. An error answers with the status of the
nearest class along its MRO in those tables; every class has its own row all the same, which
``tests/web/server/test_error_statuses.py`` checks, so a new class cannot slip in unmapped.
Statuses are 4xx, the request being refused, except where the server itself cannot serve:
the database unavailable or not migrated (503), a notification not handed over (502).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from consent import errors as consent_errors
from consent.base45 import Base45Error
from consent.errors import CodedError
from vault import errors as vault_errors
from vault.storage import MigrationError
from web.nir import InvalidNir
from web.server.services import errors as service_errors

log = logging.getLogger("carnet.errors")

VAULT_STATUS: Final[Mapping[type[vault_errors.VaultError], int]] = {
    vault_errors.VaultError: 400,
    vault_errors.InvalidInput: 400,
    vault_errors.LimitExceeded: 413,
    vault_errors.FormatError: 400,
    vault_errors.DecryptionFailed: 400,
    vault_errors.WeakParameters: 400,
    vault_errors.UnlockFailed: 401,
    vault_errors.NotFound: 404,
    vault_errors.Conflict: 409,
    vault_errors.AttachmentTaken: 409,
    # A patient's write based on an older keyring or revision (P16): the client reloads and
    # applies again (stale keyring), or tells the patient (changed or deleted meanwhile).
    vault_errors.StaleKeyring: 409,
    vault_errors.StaleRevision: 409,
    vault_errors.ItemGone: 409,
    vault_errors.DossierClosed: 410,
    vault_errors.NotAllowed: 403,
    vault_errors.StorageUnavailable: 503,
    vault_errors.RolledBack: 409,  # a client's finding about a server's answer, never raised here
    # Raised by `python -m web.server migrate`, never inside a request; were it, the schema
    # would not be ready: the database is not usable yet.
    MigrationError: 503,
}

CONSENT_STATUS: Final[Mapping[type[consent_errors.ConsentError], int]] = {
    consent_errors.ConsentError: 400,
    consent_errors.NotAToken: 400,
    consent_errors.InvalidToken: 400,
    consent_errors.TokenExpired: 401,
    consent_errors.TokenRevoked: 403,
    consent_errors.WrongRecipient: 403,
    consent_errors.QrUnreadable: 400,
    Base45Error: 400,
    consent_errors.NotAContact: 400,
    consent_errors.NotAnIdentity: 400,
    consent_errors.IdentityMismatch: 403,
    consent_errors.NotACard: 400,
    consent_errors.PackageUnreadable: 400,
    consent_errors.InvalidDeposit: 403,
    consent_errors.UntrustedEntry: 403,
    consent_errors.GrantError: 400,
    consent_errors.MalformedGrant: 400,
    consent_errors.InvalidGrant: 403,
    # A client bug (a keyring that would leak the mask key): only clients issue grants, so
    # the server never raises it; were it to reach a response, the request is what is wrong
    # (400, what the server always answered: its old 500 was silently turned into 400).
    consent_errors.UnsafeGrant: 400,
    consent_errors.AuditError: 400,
    consent_errors.MalformedAudit: 400,
    consent_errors.ChainBroken: 409,
}

SERVICE_STATUS: Final[Mapping[type[service_errors.ServiceError], int]] = {
    service_errors.ServiceError: 400,
    service_errors.RateLimited: 429,
    service_errors.ActivationFailed: 400,
    service_errors.CodeSuperseded: 400,
    service_errors.Unauthorized: 401,
    service_errors.Forbidden: 403,
    service_errors.ProfessionalBlocked: 403,
    service_errors.WriteNotGranted: 403,
    service_errors.KeyNotGranted: 403,
    service_errors.CardLocked: 403,
    service_errors.CardExpired: 403,
    service_errors.BreakGlassOff: 403,
    service_errors.ProfessionalItem: 403,
    service_errors.WrongPasscode: 401,
    service_errors.NotFoundError: 404,
    service_errors.ConflictError: 409,
    service_errors.StaleKey: 409,
    service_errors.BreakGlassOffConflict: 409,
    service_errors.RotationOwed: 409,
    service_errors.CodePending: 409,
    # The mail or post relay refused (sending codes is synchronous for the operator).
    service_errors.MailError: 502,
}

# The NIR rules are pure (web.nir, shared with the clients): their one error has its own row.
NIR_STATUS: Final[Mapping[type[InvalidNir], int]] = {InvalidNir: 400}

_STATUS: Final[Mapping[type[Exception], int]] = {
    cls: status for table in (VAULT_STATUS, CONSENT_STATUS, SERVICE_STATUS, NIR_STATUS)
    for cls, status in table.items()}
# Seconds a client should wait before retrying when the database is unavailable.
STORAGE_RETRY_AFTER: Final = 5


def status_of(exc: vault_errors.VaultError | CodedError) -> int:
    """The HTTP status of a vault, consent or service error: that of the nearest class along
    its MRO in the family tables (every family's base has a row, so one is always found)."""
    return next(_STATUS[cls] for cls in type(exc).__mro__ if cls in _STATUS)


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


def domain_error(_: Request[Any, Any, Any], exc: vault_errors.VaultError | CodedError
                 ) -> Response[dict[str, str]]:
    """A vault, consent or service error as ``{code, detail}`` with its table's status."""
    return Response(error_body(exc.code, str(exc)), status_code=status_of(exc),
                    headers=_retry_after(exc))


def _retry_after(exc: Exception) -> dict[str, str] | None:
    if isinstance(exc, service_errors.RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, vault_errors.StorageUnavailable):
        return {"Retry-After": str(STORAGE_RETRY_AFTER)}
    return None


_HTTP_CODES: Final = {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                      404: "not_found", 405: "method_not_allowed", 409: "conflict",
                      413: "too_large", 415: "unsupported_media_type", 429: "rate_limited"}


def http_error(_: Request[Any, Any, Any], exc: HTTPException
               ) -> Response[dict[str, str]]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        return Response(error_body("invalid_request", _validation_detail(exc)), status_code=400)
    code = _HTTP_CODES.get(status, "error" if status < 500 else "server_error")
    return Response(error_body(code, str(exc.detail)), status_code=status,
                    headers=exc.headers or None)


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra
    if isinstance(extra, list) and extra:
        first = extra[0]
        if isinstance(first, dict):
            where = first.get("key") or first.get("source") or ""
            return f"{exc.detail}: {first.get('message', '')} {where}".strip()
    return str(exc.detail)


def unexpected_error(_: Request[Any, Any, Any], exc: Exception
                     ) -> Response[dict[str, str]]:
    # Never echo or log the exception's message: it could carry request content.
    log.error("unhandled %s at %s", type(exc).__name__, _where(exc))
    return Response(error_body("server_error", "internal error"),
                    status_code=HTTP_500_INTERNAL_SERVER_ERROR)


def _where(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"


EXCEPTION_HANDLERS: Final = {
    consent_errors.ConsentError: domain_error,
    vault_errors.VaultError: domain_error,
    service_errors.ServiceError: domain_error,
    InvalidNir: domain_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}

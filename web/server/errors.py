"""The one place where errors become HTTP responses: ``{"code": ..., "detail": ...}``."""

from __future__ import annotations

import logging
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from consent.errors import ConsentError
from vault import errors as vault_errors
from web.server.services.errors import RateLimited, ServiceError

log = logging.getLogger("carnet.errors")

VAULT_STATUS: Final[dict[type[vault_errors.VaultError], int]] = {
    vault_errors.LimitExceeded: 413,
    vault_errors.InvalidInput: 400,
    vault_errors.FormatError: 400,
    vault_errors.DecryptionFailed: 400,
    vault_errors.WeakParameters: 400,
    vault_errors.UnlockFailed: 401,
    vault_errors.NotFound: 404,
    vault_errors.Conflict: 409,
    vault_errors.DossierClosed: 410,
    vault_errors.NotAllowed: 403,
}


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


def vault_error(_: Request[Any, Any, Any], exc: vault_errors.VaultError
                ) -> Response[dict[str, str]]:
    status = next((s for t, s in VAULT_STATUS.items() if isinstance(exc, t)), 400)
    return Response(error_body(exc.code, str(exc)), status_code=status)


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


def service_error(_: Request[Any, Any, Any], exc: ServiceError) -> Response[dict[str, str]]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return Response(error_body(exc.code, str(exc)), status_code=exc.status, headers=headers)


def _where(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"


def consent_error(_: Request[Any, Any, Any], exc: ConsentError) -> Response[dict[str, str]]:
    status = exc.status if 400 <= exc.status < 500 else 400
    return Response(error_body(exc.code, str(exc)), status_code=status)


EXCEPTION_HANDLERS: Final = {
    ConsentError: consent_error,
    vault_errors.VaultError: vault_error,
    ServiceError: service_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}

"""The service error tree, and the purity of the pure service modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from web.server.errors import SERVICE_STATUS
from web.server.services import errors
from web.server.services.errors import (
    ActivationFailed,
    BreakGlassOff,
    CardExpired,
    CardLocked,
    ConflictError,
    Forbidden,
    KeyNotGranted,
    MailError,
    NotFoundError,
    ProfessionalBlocked,
    ProfessionalItem,
    RateLimited,
    ServiceError,
    Unauthorized,
    WriteNotGranted,
    WrongPasscode,
)

ROOT = Path(__file__).resolve().parents[2]


def test_invalid_nir_lives_beside_the_nir_rules() -> None:
    # Re-exported for the server's callers; defined in the pure web.nir (clients use it).
    from web.nir import InvalidNir
    from web.server.errors import NIR_STATUS
    assert errors.InvalidNir is InvalidNir and InvalidNir.code == "invalid_nir"
    assert NIR_STATUS[InvalidNir] == 400 and not hasattr(InvalidNir, "status")


@pytest.mark.parametrize(("cls", "code", "status"), [
    (ServiceError, "service_error", 400),
    (RateLimited, "rate_limited", 429),
    (ActivationFailed, "activation_failed", 400),
    (Unauthorized, "unauthorized", 401),
    (Forbidden, "forbidden", 403),
    (ProfessionalBlocked, "professional_blocked", 403),
    (WriteNotGranted, "write_not_granted", 403),
    (KeyNotGranted, "key_not_granted", 403),
    (CardLocked, "card_locked", 403),
    (CardExpired, "card_expired", 403),
    (BreakGlassOff, "break_glass_off", 403),
    (ProfessionalItem, "professional_item", 403),
    (WrongPasscode, "wrong_passcode", 401),
    (NotFoundError, "not_found", 404),
    (ConflictError, "conflict", 409),
    (MailError, "mail_failed", 502),
])
def test_codes_and_statuses(cls: type[ServiceError], code: str, status: int) -> None:
    assert issubclass(cls, ServiceError)
    assert cls.code == code
    assert SERVICE_STATUS[cls] == status  # the status is the server's, not the error's
    assert not hasattr(cls, "status")


def test_codes_are_unique() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, ServiceError)]
    assert len({c.code for c in classes}) == len(classes)


def test_detail() -> None:
    assert str(Forbidden("not your dossier")) == "not your dossier"
    assert Forbidden("not your dossier").detail == "not your dossier"
    assert Forbidden().detail == Forbidden.default_detail
    assert str(ActivationFailed()) == ActivationFailed.default_detail


def test_rate_limited_carries_retry_after() -> None:
    assert RateLimited(retry_after=30).retry_after == 30
    assert RateLimited("slow down", retry_after=0).retry_after == 1
    assert str(RateLimited("slow down", retry_after=5)) == "slow down"


def test_builtin_bases() -> None:
    assert issubclass(errors.InvalidNir, ValueError)
    assert issubclass(NotFoundError, LookupError)


def test_pure_modules_import_no_framework_nor_io_client() -> None:
    script = (
        "import sys, web.nir, web.server.services.codes\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'litestar', 'piccolo', 'httpx', 'redis', 'asyncpg', 'aiosqlite'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""

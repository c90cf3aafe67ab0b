"""Every error class of ``vault``, ``consent`` and the server has its row in the status tables
of ``web/server/errors.py``: a unique ``code`` in its family, a 4xx status unless it is one of
the server-side failures named below, and a ``{code, detail}`` body. Adding an error class
without its row fails here."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from litestar import get
from litestar.params import FromPath
from litestar.testing import TestClient, create_test_client

from consent.errors import ChainBroken, CodedError, ConsentError, InvalidToken
from vault.errors import StorageUnavailable, VaultError
from vault.storage import MigrationError
from web.nir import InvalidNir
from web.server.errors import (
    CONSENT_STATUS,
    EXCEPTION_HANDLERS,
    NIR_STATUS,
    SERVICE_STATUS,
    VAULT_STATUS,
    status_of,
)
from web.server.services.errors import MailError, RateLimited, ServiceError

# Import every module, so that every error class defined anywhere in them is a subclass.
PACKAGES = ("vault", "consent", "web.server")


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if "piccolo_migrations" in info.name or info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)


_import_everything()

# The only statuses of 500 and more, each the server's own failure, named on purpose.
SERVER_SIDE: Mapping[type[Exception], int] = {
    StorageUnavailable: 503,  # the database is down or refusing: retry later
    MigrationError: 503,      # the schema is not ready (raised outside requests)
    MailError: 502,           # the mail or post relay refused (codes sent synchronously)
}

FAMILIES: dict[str, tuple[type[Exception], Mapping[Any, int]]] = {
    "vault": (VaultError, VAULT_STATUS),
    "consent": (ConsentError, CONSENT_STATUS),
    "service": (ServiceError, SERVICE_STATUS),
    "nir": (InvalidNir, NIR_STATUS),
}


def _tree(base: type[Exception]) -> Iterator[type[Exception]]:
    yield base
    for sub in base.__subclasses__():
        yield from _tree(sub)


def classes_of(base: type[Exception]) -> list[type[Exception]]:
    """``base`` and all its subclasses defined in the project (not in tests)."""
    found = {c for c in _tree(base) if c.__module__.split(".")[0] in {"vault", "consent", "web"}}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


ALL = [(family, cls) for family, (base, _) in FAMILIES.items() for cls in classes_of(base)]


def instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, ChainBroken):
        return cls("dropped")
    if issubclass(cls, RateLimited):
        return cls(retry_after=7)
    return cls()


def test_the_tree_is_all_found() -> None:
    names = {cls.__name__ for _, cls in ALL}
    assert {"MigrationError", "Base45Error", "CardLocked", "WriteNotGranted",
            "ChainBroken"} <= names
    assert len(ALL) >= 50


@pytest.mark.parametrize("family", FAMILIES)
def test_every_class_has_its_own_row(family: str) -> None:
    base, table = FAMILIES[family]
    classes = classes_of(base)
    missing = [c.__qualname__ for c in classes if c not in table]
    assert missing == [], f"add these {family} errors to web/server/errors.py: {missing}"
    assert set(table) == set(classes)  # and no row for a class that is gone


@pytest.mark.parametrize("family", FAMILIES)
def test_codes_are_unique_in_each_family(family: str) -> None:
    classes = classes_of(FAMILIES[family][0])
    codes = [c.code for c in classes]  # type: ignore[attr-defined]
    assert all(isinstance(code, str) and code for code in codes)
    assert sorted(codes) == sorted(set(codes)), [c for c in codes if codes.count(c) > 1]


@pytest.mark.parametrize(("family", "cls"), ALL, ids=[c.__qualname__ for _, c in ALL])
def test_status_is_4xx_unless_a_named_server_failure(family: str, cls: type[Exception]
                                                    ) -> None:
    status = FAMILIES[family][1][cls]
    if cls in SERVER_SIDE:
        assert status == SERVER_SIDE[cls]
    else:
        assert 400 <= status < 500
    assert status_of(instance(cls)) == status  # type: ignore[arg-type]


@pytest.mark.parametrize(("family", "cls"), ALL, ids=[c.__qualname__ for _, c in ALL])
def test_no_error_knows_http(family: str, cls: type[Exception]) -> None:
    assert not hasattr(cls, "status") and not hasattr(cls, "status_code")


def test_consent_and_service_errors_share_one_shape() -> None:
    assert issubclass(ConsentError, CodedError) and issubclass(ServiceError, CodedError)
    assert not issubclass(ServiceError, ConsentError)
    assert "status" not in vars(CodedError)
    # A coded error outside both families would have no table, hence no handler: a 500.
    strays = [c for c in classes_of(CodedError) if c is not CodedError
              and not issubclass(c, (ConsentError, ServiceError, InvalidNir))]
    assert strays == []


def test_status_is_looked_up_along_the_mro() -> None:
    class Later(InvalidToken):  # defined in a test: outside the tables on purpose
        code = "later"

    assert status_of(Later()) == CONSENT_STATUS[InvalidToken]


# --- through a real app: status, body and headers ---------------------------------------------


@get("/raise/{index:int}", sync_to_thread=False)
def raise_error(index: FromPath[int]) -> None:
    raise instance(ALL[index][1])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:  # type: ignore[type-arg]
    with create_test_client([raise_error],
                            exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
                            ) as test_client:
        yield test_client


@pytest.mark.parametrize("index", range(len(ALL)), ids=[c.__qualname__ for _, c in ALL])
def test_response_is_code_and_detail(client: TestClient, index: int  # type: ignore[type-arg]
                                     ) -> None:
    family, cls = ALL[index]
    response = client.get(f"/raise/{index}")
    assert response.status_code == FAMILIES[family][1][cls]
    assert response.json() == {"code": cls.code,  # type: ignore[attr-defined]
                               "detail": str(instance(cls))}
    if issubclass(cls, RateLimited):
        assert response.headers["retry-after"] == "7"
    elif issubclass(cls, StorageUnavailable):
        assert int(response.headers["retry-after"]) >= 1
    else:
        assert "retry-after" not in response.headers

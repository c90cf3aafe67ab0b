"""``AuditLog.append_audit(along=...)``: a write and the history event that records it commit
together or not at all (issue 9: a professional's item or deposit was stored, then logged in a
second step; a crash or a failed append in between left an unlogged write). Memory, SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from tests.web.server.storage.conftest import Storage
from vault.errors import StorageUnavailable
from web.server.storage.piccolo.dossier import PiccoloAuditLog
from web.server.storage.ports import AuditHead, StoredDeposit


def _deposit(n: int, dossier_id: str = "d" * 32) -> StoredDeposit:
    return StoredDeposit(deposit_id=f"{n:032x}", dossier_id=dossier_id, ps_id="810000000001",
                         at=1, blob=b"sealed", signature=b"s" * 64)


def _entry(head: AuditHead | None) -> tuple[bytes, bytes]:
    return b"event", b"h" * 32


async def test_the_write_and_its_event_both_land(service_storage: Storage) -> None:
    db = service_storage.db
    dossier = "d" * 32
    before = len(await db.audit_events(dossier))

    async def put() -> None:
        assert await db.put_deposit(_deposit(1))

    await db.append_audit(dossier, _entry, along=put)
    assert [d.deposit_id for d in await db.deposits_of(dossier)][-1] == _deposit(1).deposit_id
    assert len(await db.audit_events(dossier)) == before + 1


async def test_a_failing_write_logs_nothing(service_storage: Storage) -> None:
    db = service_storage.db
    dossier = "e" * 32
    before = len(await db.audit_events(dossier))

    async def refused() -> None:
        raise RuntimeError("the write is refused")

    with pytest.raises(RuntimeError):
        await db.append_audit(dossier, _entry, along=refused)
    assert len(await db.audit_events(dossier)) == before


@pytest.mark.parametrize("backend", [pytest.param("sqlite", marks=pytest.mark.db),
                                     pytest.param("postgres", marks=pytest.mark.db)])
async def test_a_failing_append_rolls_the_write_back(request: pytest.FixtureRequest,
                                                     backend: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The append fails after the write ran (the history's head cannot be read): the write
    is rolled back with it, on both engines."""
    from web.server.storage import PiccoloServiceDb, bind_tables

    engine = request.getfixturevalue(f"{backend}_engine")
    bind_tables(engine)
    db = PiccoloServiceDb(engine)
    dossier = "f" * 32
    deposit = _deposit(7, dossier)

    async def put() -> None:
        assert await db.put_deposit(deposit)

    async def no_head(self: PiccoloAuditLog, dossier_id: str) -> AuditHead | None:
        raise StorageUnavailable("the history cannot be written now")

    monkeypatch.setattr(PiccoloAuditLog, "_head", no_head)
    with pytest.raises(StorageUnavailable):
        await db.append_audit(dossier, _entry, along=put)
    monkeypatch.undo()
    assert deposit.deposit_id not in {d.deposit_id for d in await db.deposits_of(dossier)}
    assert await db.audit_events(dossier) == []
    # Once the history can be written again, both land.
    await db.append_audit(dossier, _entry, along=put)
    assert deposit.deposit_id in {d.deposit_id for d in await db.deposits_of(dossier)}
    assert len(await db.audit_events(dossier)) == 1

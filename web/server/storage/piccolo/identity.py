"""Accounts, sessions, used nonces, the registry and activation codes, on piccolo."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from piccolo.engine.base import Engine

from vault.storage import hot
from vault.storage.engine import guard_storage
from web.server.storage.piccolo import _attempts, _rows
from web.server.storage.ports import Beneficiary, Professional, Session, StoredCode
from web.server.storage.tables import (
    AccountRow,
    ActivationCodeRow,
    BeneficiaryRow,
    NonceRow,
    SessionRow,
)


def _code(r: _rows.Row) -> StoredCode:
    return StoredCode(nir_hash=r["nir_hash"], code_hash=bytes(r["code_hash"]),
                      channel=r["channel"], created_at=r["created_at"],
                      expires_at=r["expires_at"], attempts=r["attempts"])


# A session and, for a professional's, the directory entry behind it: one read per request.
_SIGNED_IN: Final = """
SELECT s.sid AS s_sid, s.kind AS s_kind, s.subject AS s_subject, s.roles AS s_roles,
       s.expires_at AS s_expires_at, p.*
FROM carnet_session s
  LEFT JOIN carnet_professional p ON s.kind = 'professional' AND p.ps_id = s.subject
WHERE s.sid = {}
"""


_INSERT_NONCE: Final = ("INSERT INTO carnet_nonce (nonce, expires_at) VALUES (?, ?) "
                        "ON CONFLICT (nonce) DO NOTHING")


def insert_nonce(conn: sqlite3.Connection, nonce: str, expires_at: int) -> bool:
    """A writer job's nonce (SQLite): True if it was unused (and is now used)."""
    return conn.execute(_INSERT_NONCE, (nonce, expires_at)).rowcount == 1


_BENEFICIARY_OF_DOSSIER: Final = "SELECT * FROM carnet_beneficiary WHERE dossier_id = {}"


class _Engine:
    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine


@guard_storage
class PiccoloAccounts(_Engine):
    async def dossier_for_login(self, login_hash: str) -> str | None:
        rows = await AccountRow.select(AccountRow.dossier_id).where(
            AccountRow.login_hash == login_hash)
        return str(rows[0]["dossier_id"]) if rows else None

    async def create_account(self, login_hash: str, dossier_id: str, now: int) -> None:
        await AccountRow.insert(AccountRow(login_hash=login_hash, dossier_id=dossier_id,
                                           created_at=now))

    async def delete_account(self, dossier_id: str) -> None:
        await AccountRow.delete().where(AccountRow.dossier_id == dossier_id)


@guard_storage
class PiccoloSessions(_Engine):
    async def create_session(self, s: Session) -> None:
        await SessionRow.insert(SessionRow(sid=s.sid, kind=s.kind, subject=s.subject,
                                           roles=",".join(s.roles), expires_at=s.expires_at))

    async def session(self, sid: str) -> Session | None:
        rows = await SessionRow.select().where(SessionRow.sid == sid)
        if not rows:
            return None
        r = rows[0]
        return Session(sid=r["sid"], kind=r["kind"], subject=r["subject"],
                       roles=_rows.refs(r["roles"]), expires_at=r["expires_at"])

    async def signed_in(self, sid: str) -> tuple[Session, Professional | None] | None:
        rows = await hot.read(self.engine, _SIGNED_IN, sid)
        if not rows:
            return None
        r = rows[0]
        session = Session(sid=r["s_sid"], kind=r["s_kind"], subject=r["s_subject"],
                          roles=_rows.refs(r["s_roles"]), expires_at=r["s_expires_at"])
        return session, (None if r["ps_id"] is None else _rows.professional(r))

    async def delete_session(self, sid: str) -> None:
        await SessionRow.delete().where(SessionRow.sid == sid)

    async def delete_sessions_of(self, subject: str) -> None:
        await SessionRow.delete().where(SessionRow.subject == subject)

    async def purge(self, now: int) -> None:
        await SessionRow.delete().where(SessionRow.expires_at < now)
        await NonceRow.delete().where(NonceRow.expires_at < now)


@guard_storage
class PiccoloNonces(_Engine):
    async def use_nonce(self, nonce: str, expires_at: int) -> bool:
        # One statement: the unique index decides, a used nonce inserts (and returns) nothing.
        # On SQLite, in the group-committing writer's next transaction (vault.storage.hot).
        async def otherwise() -> bool:
            inserted = await NonceRow.insert(NonceRow(nonce=nonce, expires_at=expires_at)
                                             ).on_conflict(target=NonceRow.nonce,
                                                           action="DO NOTHING"
                                                           ).returning(NonceRow.nonce)
            return bool(inserted)
        return await hot.write(self.engine, lambda conn: insert_nonce(conn, nonce, expires_at),
                               otherwise)


@guard_storage
class PiccoloRegistry(_Engine):
    async def upsert_beneficiary(self, b: Beneficiary) -> bool:
        values: dict[Any, Any] = {
            BeneficiaryRow.last_name: b.last_name, BeneficiaryRow.first_name: b.first_name,
            BeneficiaryRow.birth_date: b.birth_date, BeneficiaryRow.address: b.address,
            BeneficiaryRow.email: b.email}
        if await BeneficiaryRow.exists().where(BeneficiaryRow.nir_hash == b.nir_hash):
            await BeneficiaryRow.update(values).where(BeneficiaryRow.nir_hash == b.nir_hash)
            return False
        await BeneficiaryRow.insert(BeneficiaryRow(
            nir_hash=b.nir_hash, last_name=b.last_name, first_name=b.first_name,
            birth_date=b.birth_date, address=b.address, email=b.email, dossier_id=None))
        return True

    async def beneficiary(self, nir_hash: str) -> Beneficiary | None:
        rows = await BeneficiaryRow.select().where(BeneficiaryRow.nir_hash == nir_hash)
        return _rows.beneficiary(rows[0]) if rows else None

    async def beneficiary_of_dossier(self, dossier_id: str) -> Beneficiary | None:
        # After every scan's answer (the patient's e-mail): a point read on the hot path.
        rows = await hot.read(self.engine, _BENEFICIARY_OF_DOSSIER, dossier_id)
        return _rows.beneficiary(rows[0]) if rows else None

    async def beneficiaries(self, nir_hashes: Sequence[str] | None) -> list[Beneficiary]:
        query = BeneficiaryRow.select()
        if nir_hashes is None:
            query = query.where(BeneficiaryRow.dossier_id.is_null())
        elif not nir_hashes:
            return []
        else:
            query = query.where(BeneficiaryRow.nir_hash.is_in(list(nir_hashes)))
        rows = await query.order_by(BeneficiaryRow._meta.primary_key)
        return [_rows.beneficiary(r) for r in rows]

    async def link_dossier(self, nir_hash: str, dossier_id: str | None) -> None:
        await BeneficiaryRow.update({BeneficiaryRow.dossier_id: dossier_id}).where(
            BeneficiaryRow.nir_hash == nir_hash)

    async def unlink_dossier(self, dossier_id: str) -> None:
        await BeneficiaryRow.update({BeneficiaryRow.dossier_id: None}).where(
            BeneficiaryRow.dossier_id == dossier_id)


@guard_storage
class PiccoloCodes(_Engine):
    async def put_code(self, c: StoredCode) -> None:
        async with self.engine.transaction():
            await ActivationCodeRow.delete().where(ActivationCodeRow.nir_hash == c.nir_hash)
            await ActivationCodeRow.insert(ActivationCodeRow(
                nir_hash=c.nir_hash, code_hash=c.code_hash, channel=c.channel,
                created_at=c.created_at, expires_at=c.expires_at, attempts=c.attempts))

    async def code(self, nir_hash: str) -> StoredCode | None:
        rows = await ActivationCodeRow.select().where(ActivationCodeRow.nir_hash == nir_hash)
        return _code(rows[0]) if rows else None

    async def count_attempt(self, nir_hash: str) -> None:
        await ActivationCodeRow.update(
            {ActivationCodeRow.attempts: ActivationCodeRow.attempts + 1}).where(
            ActivationCodeRow.nir_hash == nir_hash)

    async def take_attempt(self, nir_hash: str, limit: int) -> int | None:
        return await _attempts.take_attempt(ActivationCodeRow, ActivationCodeRow.nir_hash,
                                            nir_hash, limit)

    async def refund_attempt(self, nir_hash: str) -> None:
        await _attempts.refund_attempt(ActivationCodeRow, ActivationCodeRow.nir_hash, nir_hash)

    async def take_code(self, nir_hash: str, code_hash: bytes) -> bool:
        async with self.engine.transaction():
            rows = await ActivationCodeRow.select(ActivationCodeRow.code_hash).where(
                ActivationCodeRow.nir_hash == nir_hash)
            if not rows or bytes(rows[0]["code_hash"]) != code_hash:
                return False
            await ActivationCodeRow.delete().where(ActivationCodeRow.nir_hash == nir_hash)
            return True

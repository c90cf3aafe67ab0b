"""ServiceDb: the service tables behind small async methods (piccolo, SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from web.server.storage.tables import (
    ALL_TABLES,
    AccountRow,
    ActivationCodeRow,
    AuditRow,
    BeneficiaryRow,
    BlockRow,
    BreakGlassRow,
    CardRow,
    DepositRow,
    GrantRow,
    NonceRow,
    ProfessionalRow,
    SessionRow,
)


@dataclass(frozen=True, slots=True)
class Beneficiary:
    nir_hash: str
    last_name: str
    first_name: str
    birth_date: str
    address: str
    email: str
    dossier_id: str | None


@dataclass(frozen=True, slots=True)
class StoredCode:
    nir_hash: str
    code_hash: bytes
    channel: str
    created_at: int
    expires_at: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    kind: str
    subject: str
    roles: tuple[str, ...]
    expires_at: int


@dataclass(frozen=True, slots=True)
class StoredGrant:
    grant_id: str
    dossier_id: str
    recipient_id: str
    recipient_fpr: str
    key_refs: tuple[str, ...]
    write: bool
    issued_at: int
    expires_at: int
    revoked_at: int | None
    blob: bytes


def _grant(row: dict[str, Any]) -> StoredGrant:
    return StoredGrant(grant_id=row["grant_id"], dossier_id=row["dossier_id"],
                       recipient_id=row["recipient_id"], recipient_fpr=row["recipient_fpr"],
                       key_refs=tuple(r for r in row["key_refs"].split(",") if r),
                       write=bool(row["write"]), issued_at=row["issued_at"],
                       expires_at=row["expires_at"], revoked_at=row["revoked_at"],
                       blob=bytes(row["blob"]))


@dataclass(frozen=True, slots=True)
class Professional:
    ps_id: str
    name: str
    profession: str
    specialty: str
    city: str
    email: str
    box_public: bytes
    sign_public: bytes
    status: str
    roles: tuple[str, ...]
    created_at: int
    countersignature: bytes = b""


def _roles(text: str) -> tuple[str, ...]:
    return tuple(r for r in text.split(",") if r)


def _professional(row: dict[str, Any]) -> Professional:
    return Professional(ps_id=row["ps_id"], name=row["name"], profession=row["profession"],
                        specialty=row["specialty"], city=row["city"], email=row["email"],
                        box_public=bytes(row["box_public"]),
                        sign_public=bytes(row["sign_public"]), status=row["status"],
                        roles=_roles(row["roles"]), created_at=row["created_at"],
                        countersignature=bytes(row["countersignature"] or b""))


def _beneficiary(row: dict[str, Any]) -> Beneficiary:
    return Beneficiary(nir_hash=row["nir_hash"], last_name=row["last_name"],
                       first_name=row["first_name"], birth_date=row["birth_date"],
                       address=row["address"], email=row["email"],
                       dossier_id=row["dossier_id"])


class ServiceDb:
    """Accounts, sessions, used nonces, registry, activation codes and professionals."""

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine
        for table in ALL_TABLES:
            table._meta.db = engine

    # -- accounts ----------------------------------------------------------------------
    async def dossier_for_login(self, login_hash: str) -> str | None:
        rows = await AccountRow.select(AccountRow.dossier_id).where(
            AccountRow.login_hash == login_hash)
        return str(rows[0]["dossier_id"]) if rows else None

    async def create_account(self, login_hash: str, dossier_id: str, now: int) -> None:
        await AccountRow.insert(AccountRow(login_hash=login_hash, dossier_id=dossier_id,
                                           created_at=now))

    async def delete_account(self, dossier_id: str) -> None:
        await AccountRow.delete().where(AccountRow.dossier_id == dossier_id)

    # -- sessions ----------------------------------------------------------------------
    async def create_session(self, s: Session) -> None:
        await SessionRow.insert(SessionRow(sid=s.sid, kind=s.kind, subject=s.subject,
                                           roles=",".join(s.roles), expires_at=s.expires_at))

    async def session(self, sid: str) -> Session | None:
        rows = await SessionRow.select().where(SessionRow.sid == sid)
        if not rows:
            return None
        r = rows[0]
        return Session(sid=r["sid"], kind=r["kind"], subject=r["subject"],
                       roles=_roles(r["roles"]), expires_at=r["expires_at"])

    async def delete_session(self, sid: str) -> None:
        await SessionRow.delete().where(SessionRow.sid == sid)

    async def delete_sessions_of(self, subject: str) -> None:
        await SessionRow.delete().where(SessionRow.subject == subject)

    async def purge(self, now: int) -> None:
        """Forget expired sessions and nonces (called now and then)."""
        await SessionRow.delete().where(SessionRow.expires_at < now)
        await NonceRow.delete().where(NonceRow.expires_at < now)

    async def use_nonce(self, nonce: str, expires_at: int) -> bool:
        """Record a challenge as used; False if it was already used (a replay)."""
        if await NonceRow.exists().where(NonceRow.nonce == nonce):
            return False
        try:
            await NonceRow.insert(NonceRow(nonce=nonce, expires_at=expires_at))
        except Exception:  # a concurrent use won the unique index
            return False
        return True

    # -- registry ----------------------------------------------------------------------
    async def upsert_beneficiary(self, b: Beneficiary) -> bool:
        """Insert or update by NIR hash; True when it was new. Keeps an existing dossier link."""
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
        return _beneficiary(rows[0]) if rows else None

    async def beneficiary_of_dossier(self, dossier_id: str) -> Beneficiary | None:
        rows = await BeneficiaryRow.select().where(BeneficiaryRow.dossier_id == dossier_id)
        return _beneficiary(rows[0]) if rows else None

    async def beneficiaries(self, nir_hashes: Sequence[str] | None) -> list[Beneficiary]:
        """Named beneficiaries, or all those without a dossier when ``nir_hashes`` is None."""
        query = BeneficiaryRow.select()
        if nir_hashes is None:
            query = query.where(BeneficiaryRow.dossier_id.is_null())
        elif not nir_hashes:
            return []
        else:
            query = query.where(BeneficiaryRow.nir_hash.is_in(list(nir_hashes)))
        rows = await query.order_by(BeneficiaryRow._meta.primary_key)
        return [_beneficiary(r) for r in rows]

    async def link_dossier(self, nir_hash: str, dossier_id: str | None) -> None:
        await BeneficiaryRow.update({BeneficiaryRow.dossier_id: dossier_id}).where(
            BeneficiaryRow.nir_hash == nir_hash)

    async def unlink_dossier(self, dossier_id: str) -> None:
        await BeneficiaryRow.update({BeneficiaryRow.dossier_id: None}).where(
            BeneficiaryRow.dossier_id == dossier_id)

    # -- activation codes ----------------------------------------------------------------
    async def put_code(self, c: StoredCode) -> None:
        """Store a code's hash, replacing any earlier code of the same beneficiary."""
        async with self.engine.transaction():
            await ActivationCodeRow.delete().where(ActivationCodeRow.nir_hash == c.nir_hash)
            await ActivationCodeRow.insert(ActivationCodeRow(
                nir_hash=c.nir_hash, code_hash=c.code_hash, channel=c.channel,
                created_at=c.created_at, expires_at=c.expires_at, attempts=c.attempts))

    async def code(self, nir_hash: str) -> StoredCode | None:
        rows = await ActivationCodeRow.select().where(ActivationCodeRow.nir_hash == nir_hash)
        if not rows:
            return None
        r = rows[0]
        return StoredCode(nir_hash=r["nir_hash"], code_hash=bytes(r["code_hash"]),
                          channel=r["channel"], created_at=r["created_at"],
                          expires_at=r["expires_at"], attempts=r["attempts"])

    async def count_attempt(self, nir_hash: str) -> None:
        await ActivationCodeRow.update(
            {ActivationCodeRow.attempts: ActivationCodeRow.attempts + 1}).where(
            ActivationCodeRow.nir_hash == nir_hash)

    async def take_code(self, nir_hash: str, code_hash: bytes) -> bool:
        """Delete the code if it is still the one given: single use, even under a race."""
        async with self.engine.transaction():
            rows = await ActivationCodeRow.select(ActivationCodeRow.code_hash).where(
                ActivationCodeRow.nir_hash == nir_hash)
            if not rows or bytes(rows[0]["code_hash"]) != code_hash:
                return False
            await ActivationCodeRow.delete().where(ActivationCodeRow.nir_hash == nir_hash)
            return True

    # -- professionals -------------------------------------------------------------------
    async def register_professional(self, p: Professional) -> None:
        await ProfessionalRow.insert(ProfessionalRow(
            ps_id=p.ps_id, name=p.name, profession=p.profession, specialty=p.specialty,
            city=p.city, email=p.email, box_public=p.box_public, sign_public=p.sign_public,
            status=p.status, roles=",".join(p.roles), created_at=p.created_at))

    async def professional(self, ps_id: str) -> Professional | None:
        rows = await ProfessionalRow.select().where(ProfessionalRow.ps_id == ps_id)
        return _professional(rows[0]) if rows else None

    async def professionals(self, status: str | None = None, limit: int = 500,
                            after: str | None = None) -> list[Professional]:
        query = ProfessionalRow.select()
        if status is not None:
            query = query.where(ProfessionalRow.status == status)
        if after is not None:
            query = query.where(ProfessionalRow.ps_id > after)
        rows = await query.order_by(ProfessionalRow.ps_id).limit(limit)
        return [_professional(r) for r in rows]

    async def set_professional_status(self, ps_id: str, status: str, roles: Sequence[str],
                                      countersignature: bytes = b"") -> bool:
        if not await ProfessionalRow.exists().where(ProfessionalRow.ps_id == ps_id):
            return False
        await ProfessionalRow.update({ProfessionalRow.status: status,
                                      ProfessionalRow.roles: ",".join(roles),
                                      ProfessionalRow.countersignature: countersignature}).where(
            ProfessionalRow.ps_id == ps_id)
        return True

    async def search_professionals(self, text: str, profession: str, city: str,
                                   limit: int = 50) -> list[Professional]:
        """Approved professionals whose id or name contains ``text`` (case-insensitive),
        filtered by profession and city."""
        query = ProfessionalRow.select().where(ProfessionalRow.status == "approved")
        if text:
            query = query.where(ProfessionalRow.name.ilike(f"%{text}%")
                                | ProfessionalRow.ps_id.like(f"%{text}%"))
        if profession:
            query = query.where(ProfessionalRow.profession.ilike(profession))
        if city:
            query = query.where(ProfessionalRow.city.ilike(city))
        rows = await query.order_by(ProfessionalRow.name).limit(limit)
        return [_professional(r) for r in rows]

    # -- grants ----------------------------------------------------------------------------
    async def put_grant(self, g: StoredGrant) -> None:
        await GrantRow.insert(GrantRow(
            grant_id=g.grant_id, dossier_id=g.dossier_id, recipient_id=g.recipient_id,
            recipient_fpr=g.recipient_fpr, key_refs=",".join(g.key_refs), write=int(g.write),
            issued_at=g.issued_at, expires_at=g.expires_at, revoked_at=None, blob=g.blob))

    async def grant(self, grant_id: str) -> StoredGrant | None:
        rows = await GrantRow.select().where(GrantRow.grant_id == grant_id)
        return _grant(rows[0]) if rows else None

    async def grants_of(self, dossier_id: str) -> list[StoredGrant]:
        rows = await GrantRow.select().where(GrantRow.dossier_id == dossier_id).order_by(
            GrantRow.issued_at)
        return [_grant(r) for r in rows]

    async def revoke_grant(self, dossier_id: str, grant_id: str, at: int) -> bool:
        found = await GrantRow.exists().where((GrantRow.dossier_id == dossier_id)
                                              & (GrantRow.grant_id == grant_id))
        if not found:
            return False
        await GrantRow.update({GrantRow.revoked_at: at}).where(
            (GrantRow.grant_id == grant_id) & GrantRow.revoked_at.is_null())
        return True

    # -- audit chain -------------------------------------------------------------------------
    async def audit_head(self, dossier_id: str) -> tuple[int, bytes] | None:
        rows = await AuditRow.select(AuditRow.seq, AuditRow.hash).where(
            AuditRow.dossier_id == dossier_id).order_by(AuditRow.seq, ascending=False).limit(1)
        return (int(rows[0]["seq"]), bytes(rows[0]["hash"])) if rows else None

    async def put_audit(self, dossier_id: str, seq: int, blob: bytes, hash_: bytes) -> bool:
        """Insert event ``seq``; False if another writer took that seq first."""
        try:
            await AuditRow.insert(AuditRow(dossier_id=dossier_id, seq=seq, blob=blob,
                                           hash=hash_))
        except Exception:  # the (dossier_id, seq) unique index: a concurrent append won
            return False
        return True

    async def audit_events(self, dossier_id: str) -> list[bytes]:
        rows = await AuditRow.select(AuditRow.blob).where(
            AuditRow.dossier_id == dossier_id).order_by(AuditRow.seq)
        return [bytes(r["blob"]) for r in rows]

    async def forget_dossier(self, dossier_id: str) -> None:
        """Closure: drop the dossier's grants and history with everything else."""
        for table in (GrantRow, AuditRow, DepositRow, BlockRow, CardRow, BreakGlassRow):
            await table.delete().where(table.dossier_id == dossier_id)

    # -- deposits and blocks (professional writes) ------------------------------------------
    async def put_deposit(self, d: StoredDeposit) -> bool:
        """Store a deposit; False if its id is already taken."""
        if await DepositRow.exists().where(DepositRow.deposit_id == d.deposit_id):
            return False
        try:
            await DepositRow.insert(DepositRow(deposit_id=d.deposit_id, dossier_id=d.dossier_id,
                                               ps_id=d.ps_id, at=d.at, blob=d.blob,
                                               signature=d.signature))
        except Exception:  # the deposit_id unique index: a concurrent insert won
            return False
        return True

    async def deposits_of(self, dossier_id: str, after: str | None = None,
                          limit: int = 100) -> list[StoredDeposit]:
        query = DepositRow.select().where(DepositRow.dossier_id == dossier_id)
        if after is not None:
            query = query.where(DepositRow.deposit_id > after)
        rows = await query.order_by(DepositRow.deposit_id).limit(limit)
        return [_deposit(r) for r in rows]

    async def count_deposits(self, dossier_id: str) -> int:
        return int(await DepositRow.count().where(DepositRow.dossier_id == dossier_id))

    async def delete_deposit(self, dossier_id: str, deposit_id: str) -> bool:
        where = (DepositRow.dossier_id == dossier_id) & (DepositRow.deposit_id == deposit_id)
        if not await DepositRow.exists().where(where):
            return False
        await DepositRow.delete().where(where)
        return True

    async def block(self, dossier_id: str, ps_id: str, at: int) -> bool:
        """Block ``ps_id`` for this dossier; False if it already was."""
        if await self.is_blocked(dossier_id, ps_id):
            return False
        await BlockRow.insert(BlockRow(dossier_id=dossier_id, ps_id=ps_id, at=at))
        return True

    async def unblock(self, dossier_id: str, ps_id: str) -> bool:
        if not await self.is_blocked(dossier_id, ps_id):
            return False
        await BlockRow.delete().where((BlockRow.dossier_id == dossier_id)
                                      & (BlockRow.ps_id == ps_id))
        return True

    async def is_blocked(self, dossier_id: str, ps_id: str) -> bool:
        return bool(await BlockRow.exists().where((BlockRow.dossier_id == dossier_id)
                                                  & (BlockRow.ps_id == ps_id)))

    async def blocks_of(self, dossier_id: str) -> list[tuple[str, int]]:
        """(ps_id, blocked at) of every professional the patient blocked, oldest first."""
        rows = await BlockRow.select(BlockRow.ps_id, BlockRow.at).where(
            BlockRow.dossier_id == dossier_id).order_by(BlockRow.at)
        seen: dict[str, int] = {}
        for r in rows:
            seen.setdefault(str(r["ps_id"]), int(r["at"]))
        return list(seen.items())


@dataclass(frozen=True, slots=True)
class StoredDeposit:
    """An item sealed to the patient by a professional, with the depositor's signature."""

    deposit_id: str
    dossier_id: str
    ps_id: str
    at: int
    blob: bytes
    signature: bytes


def _deposit(row: dict[str, Any]) -> StoredDeposit:
    return StoredDeposit(deposit_id=row["deposit_id"], dossier_id=row["dossier_id"],
                         ps_id=row["ps_id"], at=row["at"], blob=bytes(row["blob"]),
                         signature=bytes(row["signature"]))
# -- end of deposits and blocks

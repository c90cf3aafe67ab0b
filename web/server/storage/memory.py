"""In-memory fakes of the storage ports, for unit tests (as ``vault.MemoryStore`` is for the
vault). Same semantics as the piccolo adapters, pinned by the contract test; one process,
no persistence, no outage."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vault.errors import Conflict
from web.server.storage.ports import (
    UNREAD,
    Along,
    AuditEntry,
    AuditHead,
    Beneficiary,
    Professional,
    Session,
    StoredCard,
    StoredCode,
    StoredDeposit,
    StoredGrant,
    Unread,
)

__all__ = ["MemoryEmergencyStore", "MemoryServiceDb"]


class MemoryEmergencyStore:
    """Cards and break-glass packages in dicts."""

    def __init__(self) -> None:
        self._cards: dict[str, StoredCard] = {}
        self._break_glass: dict[str, tuple[bytes, tuple[str, ...]]] = {}

    async def put_card(self, c: StoredCard) -> None:
        if c.card_id in self._cards:
            raise Conflict("that card id is already taken")
        self._cards[c.card_id] = dataclasses.replace(c, attempts=0, revoked_at=None)

    async def card(self, card_id: str) -> StoredCard | None:
        return self._cards.get(card_id)

    async def cards_of(self, dossier_id: str) -> list[StoredCard]:
        return sorted((c for c in self._cards.values() if c.dossier_id == dossier_id),
                      key=lambda c: c.created_at)

    async def count_attempt(self, card_id: str) -> None:
        if (c := self._cards.get(card_id)) is not None:
            self._cards[card_id] = dataclasses.replace(c, attempts=c.attempts + 1)

    async def take_attempt(self, card_id: str, limit: int) -> int | None:
        c = self._cards.get(card_id)  # no await in between: atomic in one event loop
        if c is None:
            return None
        if c.attempts < limit:
            self._cards[card_id] = dataclasses.replace(c, attempts=c.attempts + 1)
        return c.attempts

    async def refund_attempt(self, card_id: str) -> None:
        if (c := self._cards.get(card_id)) is not None and c.attempts > 0:
            self._cards[card_id] = dataclasses.replace(c, attempts=c.attempts - 1)

    async def revoke_card(self, dossier_id: str, card_id: str, at: int) -> bool:
        c = self._cards.get(card_id)
        if c is None or c.dossier_id != dossier_id:
            return False
        self._cards[card_id] = dataclasses.replace(c, revoked_at=at)
        return True

    async def replace_card_package(self, dossier_id: str, card_id: str, package: bytes,
                                   key_refs: tuple[str, ...], at: int) -> bool:
        c = self._cards.get(card_id)
        if (c is None or c.dossier_id != dossier_id or c.revoked_at is not None
                or c.expires_at <= at):
            return False
        self._cards[card_id] = dataclasses.replace(c, package=package, key_refs=tuple(key_refs))
        return True

    async def put_break_glass(self, dossier_id: str, package: bytes, key_refs: tuple[str, ...],
                              at: int) -> None:
        self._break_glass[dossier_id] = (package, tuple(key_refs))

    async def break_glass(self, dossier_id: str) -> tuple[bytes, tuple[str, ...]] | None:
        return self._break_glass.get(dossier_id)

    async def disable_break_glass(self, dossier_id: str) -> None:
        self._break_glass.pop(dossier_id, None)

    def forget(self, dossier_id: str) -> None:
        """Closure of a dossier (called by :meth:`MemoryServiceDb.forget_dossier`)."""
        self._cards = {k: c for k, c in self._cards.items() if c.dossier_id != dossier_id}
        self._break_glass.pop(dossier_id, None)


class MemoryServiceDb:
    """Every ServiceDb port in dicts. ``emergency`` is the card store that closing a dossier
    also empties (the piccolo adapter shares one database for both)."""

    def __init__(self, emergency: MemoryEmergencyStore | None = None) -> None:
        self.emergency = emergency or MemoryEmergencyStore()
        self._accounts: dict[str, tuple[str, int]] = {}
        self._sessions: dict[str, Session] = {}
        self._nonces: dict[str, int] = {}
        self._beneficiaries: dict[str, Beneficiary] = {}  # insertion order kept
        self._codes: dict[str, StoredCode] = {}
        self._professionals: dict[str, Professional] = {}
        self._grants: dict[str, StoredGrant] = {}
        self._audit: dict[str, list[tuple[bytes, bytes]]] = {}
        self._deposits: dict[str, StoredDeposit] = {}
        self._blocks: list[tuple[str, str, int]] = []

    # -- accounts, sessions, nonces ------------------------------------------------------
    async def dossier_for_login(self, login_hash: str) -> str | None:
        found = self._accounts.get(login_hash)
        return found[0] if found else None

    async def create_account(self, login_hash: str, dossier_id: str, now: int) -> None:
        if login_hash in self._accounts or any(
                d == dossier_id for d, _ in self._accounts.values()):
            raise ValueError("duplicate account")  # the tables' unique indexes
        self._accounts[login_hash] = (dossier_id, now)

    async def delete_account(self, dossier_id: str) -> None:
        self._accounts = {k: v for k, v in self._accounts.items() if v[0] != dossier_id}

    async def create_session(self, s: Session) -> None:
        self._sessions[s.sid] = s

    async def session(self, sid: str) -> Session | None:
        return self._sessions.get(sid)

    async def signed_in(self, sid: str) -> tuple[Session, Professional | None] | None:
        s = self._sessions.get(sid)
        if s is None:
            return None
        return s, (self._professionals.get(s.subject) if s.kind == "professional" else None)

    async def delete_session(self, sid: str) -> None:
        self._sessions.pop(sid, None)

    async def delete_sessions_of(self, subject: str) -> None:
        self._sessions = {k: s for k, s in self._sessions.items() if s.subject != subject}

    async def purge(self, now: int) -> None:
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at >= now}
        self._nonces = {k: t for k, t in self._nonces.items() if t >= now}

    async def use_nonce(self, nonce: str, expires_at: int) -> bool:
        if nonce in self._nonces:
            return False
        self._nonces[nonce] = expires_at
        return True

    # -- registry and codes ---------------------------------------------------------------
    async def upsert_beneficiary(self, b: Beneficiary) -> bool:
        old = self._beneficiaries.get(b.nir_hash)
        self._beneficiaries[b.nir_hash] = dataclasses.replace(
            b, dossier_id=old.dossier_id if old else None)
        return old is None

    async def beneficiary(self, nir_hash: str) -> Beneficiary | None:
        return self._beneficiaries.get(nir_hash)

    async def beneficiary_of_dossier(self, dossier_id: str) -> Beneficiary | None:
        return next((b for b in self._beneficiaries.values() if b.dossier_id == dossier_id),
                    None)

    async def beneficiaries(self, nir_hashes: Sequence[str] | None) -> list[Beneficiary]:
        if nir_hashes is None:
            return [b for b in self._beneficiaries.values() if b.dossier_id is None]
        wanted = set(nir_hashes)
        return [b for b in self._beneficiaries.values() if b.nir_hash in wanted]

    async def link_dossier(self, nir_hash: str, dossier_id: str | None) -> None:
        if (b := self._beneficiaries.get(nir_hash)) is not None:
            self._beneficiaries[nir_hash] = dataclasses.replace(b, dossier_id=dossier_id)

    async def unlink_dossier(self, dossier_id: str) -> None:
        for key, b in self._beneficiaries.items():
            if b.dossier_id == dossier_id:
                self._beneficiaries[key] = dataclasses.replace(b, dossier_id=None)

    async def put_code(self, c: StoredCode) -> None:
        self._codes[c.nir_hash] = c

    async def code(self, nir_hash: str) -> StoredCode | None:
        return self._codes.get(nir_hash)

    async def count_attempt(self, nir_hash: str) -> None:
        if (c := self._codes.get(nir_hash)) is not None:
            self._codes[nir_hash] = dataclasses.replace(c, attempts=c.attempts + 1)

    async def take_attempt(self, nir_hash: str, limit: int) -> int | None:
        c = self._codes.get(nir_hash)  # no await in between: atomic in one event loop
        if c is None:
            return None
        if c.attempts < limit:
            self._codes[nir_hash] = dataclasses.replace(c, attempts=c.attempts + 1)
        return c.attempts

    async def refund_attempt(self, nir_hash: str) -> None:
        if (c := self._codes.get(nir_hash)) is not None and c.attempts > 0:
            self._codes[nir_hash] = dataclasses.replace(c, attempts=c.attempts - 1)

    async def take_code(self, nir_hash: str, code_hash: bytes) -> bool:
        c = self._codes.get(nir_hash)
        if c is None or c.code_hash != code_hash:
            return False
        del self._codes[nir_hash]
        return True

    # -- directory --------------------------------------------------------------------------
    async def register_professional(self, p: Professional) -> None:
        if p.ps_id in self._professionals:
            raise ValueError("duplicate professional")  # the table's unique index
        self._professionals[p.ps_id] = dataclasses.replace(p, countersignature=b"")

    async def professional(self, ps_id: str) -> Professional | None:
        return self._professionals.get(ps_id)

    async def professionals(self, status: str | None = None, limit: int = 500,
                            after: str | None = None) -> list[Professional]:
        found = sorted((p for p in self._professionals.values()
                        if (status is None or p.status == status)
                        and (after is None or p.ps_id > after)), key=lambda p: p.ps_id)
        return found[:limit]

    async def set_professional_status(self, ps_id: str, status: str, roles: Sequence[str],
                                      countersignature: bytes = b"") -> bool:
        p = self._professionals.get(ps_id)
        if p is None:
            return False
        self._professionals[ps_id] = dataclasses.replace(
            p, status=status, roles=tuple(roles), countersignature=countersignature)
        return True

    async def search_professionals(self, text: str, profession: str, city: str,
                                   limit: int = 50) -> list[Professional]:
        needle = text.lower()
        found = sorted((p for p in self._professionals.values()
                        if p.status == "approved"
                        and (not text or needle in p.name.lower() or text in p.ps_id)
                        and (not profession or p.profession.lower() == profession.lower())
                        and (not city or p.city.lower() == city.lower())),
                       key=lambda p: p.name)
        return found[:limit]

    # -- grants and the audit chain ---------------------------------------------------------
    async def put_grant(self, g: StoredGrant) -> None:
        if g.grant_id in self._grants:
            raise Conflict("that grant id is already taken")
        self._grants[g.grant_id] = dataclasses.replace(g, revoked_at=None)

    async def grant(self, grant_id: str) -> StoredGrant | None:
        return self._grants.get(grant_id)

    async def grants_of(self, dossier_id: str) -> list[StoredGrant]:
        return sorted((g for g in self._grants.values() if g.dossier_id == dossier_id),
                      key=lambda g: g.issued_at)

    async def revoke_grant(self, dossier_id: str, grant_id: str, at: int) -> bool:
        g = self._grants.get(grant_id)
        if g is None or g.dossier_id != dossier_id:
            return False
        if g.revoked_at is None:
            self._grants[grant_id] = dataclasses.replace(g, revoked_at=at)
        return True

    async def replace_grant(self, g: StoredGrant) -> bool:
        old = self._grants.get(g.grant_id)
        if old is None or old.dossier_id != g.dossier_id or old.revoked_at is not None:
            return False
        self._grants[g.grant_id] = dataclasses.replace(old, key_refs=g.key_refs, blob=g.blob)
        return True

    async def audit_head(self, dossier_id: str) -> tuple[int, bytes] | None:
        chain = self._audit.get(dossier_id)
        return (len(chain) - 1, chain[-1][1]) if chain else None

    async def append_audit(self, dossier_id: str, entry: AuditEntry, *,
                           along: Along | None = None,
                           last: AuditHead | Unread | None = UNREAD) -> int:
        # ``last`` changes nothing here: the head read below is the real one, at once.
        if along is not None:
            await along()  # raises: nothing is appended
        # No await between reading the head and appending: one event loop, no interleaving.
        chain = self._audit.setdefault(dossier_id, [])
        blob, hash_ = entry((len(chain) - 1, chain[-1][1]) if chain else None)
        chain.append((blob, hash_))
        return len(chain) - 1

    async def append_audit_once(self, dossier_id: str, entry: AuditEntry, *, nonce: str,
                                expires_at: int, last: AuditHead | Unread | None = UNREAD
                                ) -> int | None:
        if not await self.use_nonce(nonce, expires_at):
            return None
        return await self.append_audit(dossier_id, entry, last=last)

    async def put_audit(self, dossier_id: str, seq: int, blob: bytes, hash_: bytes) -> bool:
        chain = self._audit.setdefault(dossier_id, [])
        if seq != len(chain):
            return False
        chain.append((blob, hash_))
        return True

    async def audit_events(self, dossier_id: str) -> list[bytes]:
        return [blob for blob, _ in self._audit.get(dossier_id, [])]

    async def forget_dossier(self, dossier_id: str) -> None:
        self._grants = {k: g for k, g in self._grants.items() if g.dossier_id != dossier_id}
        self._audit.pop(dossier_id, None)
        self._deposits = {k: d for k, d in self._deposits.items()
                          if d.dossier_id != dossier_id}
        self._blocks = [b for b in self._blocks if b[0] != dossier_id]
        self.emergency.forget(dossier_id)

    # -- deposits and blocks ----------------------------------------------------------------
    async def put_deposit(self, d: StoredDeposit) -> bool:
        if d.deposit_id in self._deposits:
            return False
        self._deposits[d.deposit_id] = d
        return True

    async def deposits_of(self, dossier_id: str, after: str | None = None,
                          limit: int = 100) -> list[StoredDeposit]:
        found = sorted((d for d in self._deposits.values() if d.dossier_id == dossier_id
                        and (after is None or d.deposit_id > after)),
                       key=lambda d: d.deposit_id)
        return found[:limit]

    async def count_deposits(self, dossier_id: str) -> int:
        return sum(1 for d in self._deposits.values() if d.dossier_id == dossier_id)

    async def delete_deposit(self, dossier_id: str, deposit_id: str) -> bool:
        d = self._deposits.get(deposit_id)
        if d is None or d.dossier_id != dossier_id:
            return False
        del self._deposits[deposit_id]
        return True

    async def block(self, dossier_id: str, ps_id: str, at: int) -> bool:
        if await self.is_blocked(dossier_id, ps_id):
            return False
        self._blocks.append((dossier_id, ps_id, at))
        return True

    async def unblock(self, dossier_id: str, ps_id: str) -> bool:
        if not await self.is_blocked(dossier_id, ps_id):
            return False
        self._blocks = [b for b in self._blocks if b[:2] != (dossier_id, ps_id)]
        return True

    async def is_blocked(self, dossier_id: str, ps_id: str) -> bool:
        return any(b[:2] == (dossier_id, ps_id) for b in self._blocks)

    async def blocks_of(self, dossier_id: str) -> list[tuple[str, int]]:
        mine = sorted((b for b in self._blocks if b[0] == dossier_id), key=lambda b: b[2])
        seen: dict[str, int] = {}
        for _, ps_id, at in mine:
            seen.setdefault(ps_id, at)
        return list(seen.items())

    async def ping(self) -> None:
        return None


if TYPE_CHECKING:
    from web.server.storage import ports

    def _is_a_service_db(db: MemoryServiceDb) -> ports.ServiceDb:
        return db  # mypy checks the fake against the port here

    def _is_an_emergency_store(store: MemoryEmergencyStore) -> ports.EmergencyStore:
        return store

"""The server's own storage ports: one small Protocol per aggregate, and the frozen rows
they take and return.

Two implementations follow every port with the same semantics: ``memory`` (fakes for unit
tests) and ``piccolo`` (SQLite or PostgreSQL). The contract they share is pinned by
``tests/web/server/storage/test_contract.py``. Rules common to every method:

- rows are values: what a method returns is never a live ORM row;
- a ``bool`` result answers the question in the method's docstring (found, new, won);
  ``False`` never stands for a failure of the database;
- when the database cannot be reached or used, the piccolo adapter raises
  :class:`vault.errors.StorageUnavailable` (HTTP 503); any other error propagates.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, TypeAlias

from vault.records import DossierRecord, ItemRecord

# -- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """A person of the simulated insurance registry (identity data, never medical data)."""

    nir_hash: str
    last_name: str
    first_name: str
    birth_date: str
    address: str
    email: str
    dossier_id: str | None


@dataclass(frozen=True, slots=True)
class StoredCode:
    """An activation code's keyed hash, with its channel, validity and wrong-guess count."""

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
    """A patient-signed grant: ``blob`` is opaque; the rest is what the server checks."""

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


@dataclass(frozen=True, slots=True)
class StoredDeposit:
    """An item sealed to the patient by a professional, with the depositor's signature."""

    deposit_id: str
    dossier_id: str
    ps_id: str
    at: int
    blob: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class StoredCard:
    """An emergency card: the server's key share, released only after the right passcode."""

    card_id: str
    dossier_id: str
    server_share: bytes
    passcode_hash: bytes
    package: bytes
    key_refs: tuple[str, ...]
    attempts: int
    created_at: int
    expires_at: int
    revoked_at: int | None


# -- ports ------------------------------------------------------------------------------------


class Accounts(Protocol):
    """A patient's login (keyed hash of the NIR) -> their dossier."""

    async def dossier_for_login(self, login_hash: str) -> str | None: ...
    async def create_account(self, login_hash: str, dossier_id: str, now: int) -> None: ...
    async def delete_account(self, dossier_id: str) -> None: ...


class Sessions(Protocol):
    async def create_session(self, s: Session) -> None: ...
    async def session(self, sid: str) -> Session | None: ...

    async def signed_in(self, sid: str) -> tuple[Session, Professional | None] | None:
        """The session and, for a professional's, their directory entry as it is now
        (None if unknown), in one read; None if there is no such session."""

    async def delete_session(self, sid: str) -> None: ...
    async def delete_sessions_of(self, subject: str) -> None: ...

    async def purge(self, now: int) -> None:
        """Forget sessions and used nonces that expired before ``now``."""


class Nonces(Protocol):
    async def use_nonce(self, nonce: str, expires_at: int) -> bool:
        """Record a challenge as used; False only if it was already used (a replay)."""


class Registry(Protocol):
    async def upsert_beneficiary(self, b: Beneficiary) -> bool:
        """Insert or update by NIR hash; True when it was new. Keeps an existing dossier link."""

    async def beneficiary(self, nir_hash: str) -> Beneficiary | None: ...
    async def beneficiary_of_dossier(self, dossier_id: str) -> Beneficiary | None: ...

    async def beneficiaries(self, nir_hashes: Sequence[str] | None) -> list[Beneficiary]:
        """Named beneficiaries, or all those without a dossier when ``nir_hashes`` is None;
        ordered by insertion."""

    async def link_dossier(self, nir_hash: str, dossier_id: str | None) -> None: ...
    async def unlink_dossier(self, dossier_id: str) -> None: ...


class Codes(Protocol):
    """At most one live activation code per beneficiary."""

    async def put_code(self, c: StoredCode) -> None:
        """Store a code's hash, replacing any earlier code of the same beneficiary."""

    async def code(self, nir_hash: str) -> StoredCode | None: ...
    async def count_attempt(self, nir_hash: str) -> None: ...

    async def take_attempt(self, nir_hash: str, limit: int) -> int | None:
        """Atomically count one attempt on the code unless ``limit`` are already counted.

        Returns the count *before* this attempt (None if there is no code): below ``limit``
        means this attempt was counted and the caller may check the guess; otherwise nothing
        changed. Concurrent callers never check more than ``limit`` guesses in total."""

    async def refund_attempt(self, nir_hash: str) -> None:
        """Take back one counted attempt (the guess was right), never below zero."""

    async def take_code(self, nir_hash: str, code_hash: bytes) -> bool:
        """Delete the code if it is still the one given: single use, even under a race."""


class Directory(Protocol):
    """Professionals: registration, review status and roles, search."""

    async def register_professional(self, p: Professional) -> None: ...
    async def professional(self, ps_id: str) -> Professional | None: ...

    async def professionals(self, status: str | None = None, limit: int = 500,
                            after: str | None = None) -> list[Professional]:
        """By ``ps_id``, after ``after``, optionally of one status."""

    async def set_professional_status(self, ps_id: str, status: str, roles: Sequence[str],
                                      countersignature: bytes = b"") -> bool:
        """False if there is no such professional."""

    async def search_professionals(self, text: str, profession: str, city: str,
                                   limit: int = 50) -> list[Professional]:
        """Approved professionals whose name (case-insensitive) or id contains ``text``,
        of that profession and city when given (case-insensitive), by name."""


class Grants(Protocol):
    async def put_grant(self, g: StoredGrant) -> None:
        """Store a new grant; :class:`vault.errors.Conflict` if its id is taken."""

    async def grant(self, grant_id: str) -> StoredGrant | None: ...

    async def grants_of(self, dossier_id: str) -> list[StoredGrant]:
        """The dossier's grants, oldest issued first."""

    async def revoke_grant(self, dossier_id: str, grant_id: str, at: int) -> bool:
        """Mark revoked (the first revocation time stays); False if not this dossier's."""

    async def replace_grant(self, g: StoredGrant) -> bool:
        """Replace the blob and key refs of a grant re-sealed after a rotation (same id,
        same dossier, not revoked); False if there is no such grant."""


AuditHead: TypeAlias = tuple[int, bytes]
"""(seq of the last event, chain hash after it)."""
AuditEntry: TypeAlias = Callable[[AuditHead | None], tuple[bytes, bytes]]
"""Given the head (None for an empty history), the next event (encoded, with seq = head's
seq + 1, or 0) and the chain hash after it. Pure and quick: it runs under the dossier's lock."""
Along: TypeAlias = Callable[[], Awaitable[None]]
"""Writes that must commit with an event or not at all (a professional's item, a deposit):
run by :meth:`AuditLog.append_audit` in the event's own transaction."""


class Unread(enum.Enum):
    """:data:`UNREAD`: the caller did not read the history's head beforehand."""

    UNREAD = "unread"


UNREAD: Final = Unread.UNREAD


class AuditLog(Protocol):
    """Each dossier's hash chain of events, ``seq`` from 0."""

    async def audit_head(self, dossier_id: str) -> AuditHead | None:
        """(last seq, chain hash after it), or None for an empty history."""

    async def append_audit(self, dossier_id: str, entry: AuditEntry, *,
                           along: Along | None = None,
                           last: AuditHead | Unread | None = UNREAD) -> int:
        """Append one event after the current head and return its seq. Appends to one
        dossier are serialized (across processes: a transaction-scoped lock on the dossier's
        history, taken before the head is read), so ``entry`` always sees the latest head and
        every call appends exactly one event: there is no "another writer won" outcome to
        retry. If the lock or the insert cannot be had in time, raises
        :class:`vault.errors.StorageUnavailable` and nothing was appended.

        ``along`` (a write the event records) runs first, under the same lock and in the
        same transaction on piccolo: both commit, or neither (an error from ``along`` or
        from the append rolls both back and propagates). The in-memory fake runs it first
        and appends only if it returned.

        ``last`` (the head as the caller read it a moment ago, e.g. in a
        :class:`Consultation`) lets piccolo skip the lock and the head read: it inserts
        ``entry(last)`` at ``last``'s seq + 1, with ``along``, in one transaction, and the
        unique (dossier, seq) index refuses it if another event took that seq meanwhile; it
        is then rolled back (``along`` too) and the append runs again as above, on the head
        read under the lock. Either way exactly one event is appended, after the real
        head."""

    async def append_audit_once(self, dossier_id: str, entry: AuditEntry, *, nonce: str,
                                expires_at: int, last: AuditHead | Unread | None = UNREAD
                                ) -> int | None:
        """:meth:`append_audit`, in one transaction with using ``nonce`` (a signed
        request's, kept until ``expires_at``): the event's seq, or None if the nonce was used
        already, and then nothing is written. The scan's write (issue 14): on SQLite it goes
        to the group-committing writer (``vault.storage.writer``), which reads the head under
        the write lock if ``last`` is stale, so no fallback transaction is needed."""

    async def put_audit(self, dossier_id: str, seq: int, blob: bytes, hash_: bytes) -> bool:
        """Append event ``seq`` as given; False only if that seq is already taken. Low level
        (tests, imports): the service appends with :meth:`append_audit`."""

    async def audit_events(self, dossier_id: str) -> list[bytes]: ...


class Deposits(Protocol):
    async def put_deposit(self, d: StoredDeposit) -> bool:
        """Store a deposit; False only if its id is already taken."""

    async def deposits_of(self, dossier_id: str, after: str | None = None,
                          limit: int = 100) -> list[StoredDeposit]:
        """By ``deposit_id``, after ``after``."""

    async def count_deposits(self, dossier_id: str) -> int: ...
    async def delete_deposit(self, dossier_id: str, deposit_id: str) -> bool: ...


class Blocks(Protocol):
    async def block(self, dossier_id: str, ps_id: str, at: int) -> bool:
        """Block ``ps_id`` for this dossier; False if it already was."""

    async def unblock(self, dossier_id: str, ps_id: str) -> bool: ...
    async def is_blocked(self, dossier_id: str, ps_id: str) -> bool: ...

    async def blocks_of(self, dossier_id: str) -> list[tuple[str, int]]:
        """(ps_id, blocked at) of every professional the patient blocked, oldest first."""


@dataclass(frozen=True, slots=True)
class Consultation:
    """What a consent scan reads, at once: the grant a token names, its dossier (None if
    gone: ``closed`` says tombstoned), whether the presenter is blocked from it, the head of
    its history, and the latest revision of each of its items wrapped under one of the
    grant's key refs (by item id)."""

    grant: StoredGrant
    dossier: DossierRecord | None
    closed: bool
    blocked: bool
    head: AuditHead | None
    items: tuple[ItemRecord, ...]


class Consultations(Protocol):
    async def consultation(self, grant_id: str, ps_id: str, *,
                           items: bool = True) -> Consultation | None:
        """The consultation of ``ps_id`` through grant ``grant_id``; None if there is no
        such grant (or it cannot be opened). Reads only: it decides nothing. ``items=False``
        leaves the items out (``items`` is then empty): a token check that opens nothing."""


class Readiness(Protocol):
    async def ping(self) -> None:
        """Return if the database answers; raise StorageUnavailable otherwise."""


class ServiceDb(Accounts, Sessions, Nonces, Registry, Codes, Directory, Grants, AuditLog,
                Deposits, Blocks, Readiness, Protocol):
    """Every service-side aggregate but the emergency cards, on one database."""

    async def forget_dossier(self, dossier_id: str) -> None:
        """Closure: drop the dossier's grants, history, deposits, blocks, cards and
        break-glass package."""


class Cards(Protocol):
    async def put_card(self, c: StoredCard) -> None:
        """Store a new card (its attempt count starts at 0, it is not revoked);
        :class:`vault.errors.Conflict` if its id is taken."""

    async def card(self, card_id: str) -> StoredCard | None: ...

    async def cards_of(self, dossier_id: str) -> list[StoredCard]:
        """The dossier's cards, oldest first."""

    async def count_attempt(self, card_id: str) -> None: ...

    async def take_attempt(self, card_id: str, limit: int) -> int | None:
        """Atomically count one passcode attempt unless ``limit`` are already counted; the
        count before it (None: no such card), as :meth:`Codes.take_attempt`."""

    async def refund_attempt(self, card_id: str) -> None:
        """Take back one counted attempt (the passcode was right), never below zero."""

    async def revoke_card(self, dossier_id: str, card_id: str, at: int) -> bool:
        """False if the card is not this dossier's."""

    async def replace_card_package(self, dossier_id: str, card_id: str, package: bytes,
                                   key_refs: tuple[str, ...], at: int) -> bool:
        """A card's package and key refs sealed again by its patient (after a rotation);
        False unless the card is this dossier's, not revoked and not expired at ``at``."""


class BreakGlass(Protocol):
    async def put_break_glass(self, dossier_id: str, package: bytes,
                              key_refs: tuple[str, ...], at: int) -> None:
        """Replace the dossier's break-glass package (and turn it on)."""

    async def break_glass(self, dossier_id: str) -> tuple[bytes, tuple[str, ...]] | None:
        """(package, key refs) when the patient allows break-glass, else None."""

    async def disable_break_glass(self, dossier_id: str) -> None:
        """Delete the package: off means the sealed keys are gone."""


class EmergencyStore(Cards, BreakGlass, Protocol):
    """Cards and break-glass packages (opaque bytes), on the same database as ServiceDb."""

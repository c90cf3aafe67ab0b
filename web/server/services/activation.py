"""Activation (P9): the insurance registry, activation codes, and creating the dossier.

Three ways to a code: the operator sends codes (e-mail, or a letter in the post outbox); a
person enters NIR + birth date online (the code goes to the address on file, and the answer
is the same whether or not the NIR exists); a pharmacist starts it for a patient in front of
them and prints the code. The patient then activates with NIR + code, having created the
dossier's keys on their own device. Codes: single use, expiring, 50 bits, stored as keyed
hashes, compared in constant time, five wrong attempts and they are dead.

A code still valid is never replaced silently: the operator's sending and the pharmacy keep
it unless asked to resend (``resend``), and then say which code they replaced; the online
request, made by the patient, sends a new one (to the address on file). A replaced code
stays dead, but the patient who types it is told that a newer one was sent
(``CodeSuperseded``): only the holder of a genuine earlier code can get that answer, so it
tells a guesser nothing about which NIRs have a code or a dossier.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from vault.crypto import MEMLIMIT_FLOOR, OPSLIMIT_FLOOR, Random
from vault.records import DossierRecord, KeySlot
from vault.store import DossierStore
from web.nir import nir_birth_matches, parse_nir
from web.server.services import messages
from web.server.services.codes import (
    EMAIL_CODE_POLICY,
    PHARMACY_CODE_POLICY,
    generate_code,
    hash_code,
    match_code,
    normalize_code,
    pack_hashes,
    unpack_hashes,
)
from web.server.services.errors import (
    ActivationFailed,
    CodePending,
    CodeSuperseded,
    InvalidNir,
    NotFoundError,
    ServiceError,
)
from web.server.services.mail import Mailer, Message, PostOutbox
from web.server.services.notify import Notifier
from web.server.services.peppers import Peppers
from web.server.storage.ports import Beneficiary, ServiceDb, StoredCode

log = logging.getLogger("carnet.activation")

REGISTRY_COLUMNS: Final = ("nir", "last_name", "first_name", "birth_date", "address", "email")
_ISSUE_ATTEMPTS: Final = 3
FAILED: Final = ("activation failed: check the NIR and the code; after five wrong codes, ask "
                 "for a new one")
ACCEPTED: Final = ("If this NIR and birth date are in the registry, an activation code is on "
                   "its way to the postal or e-mail address on file.")
CHANNEL_WORDS: Final = {"email": "by e-mail", "post": "by post", "pharmacy": "at a pharmacy"}


def _day(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()


def superseded_detail(live: StoredCode) -> str:
    """What the holder of a replaced code is told: when and how the newer one was sent."""
    return (f"activation failed: this code was replaced by a newer one, sent "
            f"{CHANNEL_WORDS.get(live.channel, live.channel)} on {_day(live.created_at)}; "
            "use the newest code you received")


def pending_detail(live: StoredCode) -> str:
    """What a pharmacist is told when the patient already has a valid code."""
    return (f"this patient was sent a code {CHANNEL_WORDS.get(live.channel, live.channel)} on "
            f"{_day(live.created_at)}, valid until {_day(live.expires_at)}: they can use it; "
            "ask for a new one explicitly (resend) to replace it, and the earlier code will "
            "stop working")


@dataclass(frozen=True, slots=True)
class RejectedLine:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class RegistryReport:
    """What a registry load did: new beneficiaries, updated ones, and the lines refused."""

    loaded: int
    updated: int
    rejected: tuple[RejectedLine, ...]


@dataclass(frozen=True, slots=True)
class CodesSent:
    """What a sending did: codes sent (``replaced`` of them killed a valid earlier code),
    beneficiaries skipped (a dossier already, or no address for the channel), and those
    whose valid code was kept (nothing sent)."""

    sent: int
    skipped: int
    kept: int = 0
    replaced: int = 0


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """An activation code to print (shown once; only its keyed hash is stored)."""

    code: str
    expires_at: int
    replaced: StoredCode | None = None  # the valid code this one killed (resend)


@dataclass(frozen=True, slots=True)
class NewDossier:
    """What the patient's client built: the dossier's public record, its two key slots and
    the sealed keyring."""

    dossier: DossierRecord
    slots: tuple[KeySlot, ...]
    keyring: bytes


def below_kdf_floor(slot: KeySlot) -> bool:
    """Whether a key slot's Argon2id parameters are under the floor (``vault.crypto``)."""
    return slot.opslimit < OPSLIMIT_FLOOR or slot.memlimit < MEMLIMIT_FLOOR


def parse_birth_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ServiceError("birth date must be YYYY-MM-DD") from None


class Activation:
    def __init__(self, db: ServiceDb, store: DossierStore, peppers: Peppers, mailer: Mailer,
                 post: PostOutbox, notifier: Notifier, clock: Callable[[], float],
                 rng: Random) -> None:
        self._db = db
        self._store = store
        self._peppers = peppers
        self._mailer = mailer
        self._post = post
        self._clock = clock
        self._rng = rng
        self._notifier = notifier

    def _now(self) -> int:
        return int(self._clock())

    def nir_hash(self, nir: str) -> str:
        return self._peppers.login_hash("patient", nir)

    # ------------------------------------------------------------------ registry
    async def load_registry(self, text: str) -> RegistryReport:
        """Load beneficiaries from CSV (header: nir,last_name,first_name,birth_date,address,
        email); bad lines are reported, good ones loaded or updated."""
        reader = csv.DictReader(io.StringIO(text))
        try:
            header = reader.fieldnames
        except csv.Error:
            header = None
        if header is None or [f.strip() for f in header][:6] != list(REGISTRY_COLUMNS):
            raise ServiceError("the registry CSV needs the header: " + ",".join(REGISTRY_COLUMNS))
        loaded = updated = 0
        rejected: list[RejectedLine] = []
        rows = iter(reader)
        number = 1  # lines are counted as records, the header being line 1
        while True:
            number += 1
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field over the csv module's size limit
                rejected.append(RejectedLine(
                    line=number, reason=f"unreadable CSV, reading stopped here ({exc})"))
                break
            try:
                b = self._beneficiary(row)
            except ServiceError as exc:
                rejected.append(RejectedLine(line=number, reason=str(exc)))
                continue
            if await self._db.upsert_beneficiary(b):
                loaded += 1
            else:
                updated += 1
        return RegistryReport(loaded=loaded, updated=updated, rejected=tuple(rejected))

    def _beneficiary(self, row: dict[str, str | None]) -> Beneficiary:
        def get(name: str, limit: int, required: bool = True) -> str:
            value = (row.get(name) or "").strip()
            if required and not value:
                raise ServiceError(f"{name} is empty")
            if "\x00" in value:  # PostgreSQL cannot store it in text
                raise ServiceError(f"{name} contains a NUL character")
            if len(value) > limit:
                raise ServiceError(f"{name} is longer than {limit} characters")
            return value
        nir = parse_nir(get("nir", 32))
        birth = parse_birth_date(get("birth_date", 10))
        if not nir_birth_matches(nir, birth):
            raise InvalidNir("the NIR does not match the birth date")
        email = get("email", 254, required=False)
        if email and ("@" not in email or any(c in email for c in " \r\n")):
            raise ServiceError("e-mail address is not valid")
        return Beneficiary(nir_hash=self.nir_hash(nir), last_name=get("last_name", 100),
                           first_name=get("first_name", 100), birth_date=birth.isoformat(),
                           address=get("address", 500), email=email, dossier_id=None)

    # ------------------------------------------------------------------ codes
    async def live_code(self, nir_hash: str) -> StoredCode | None:
        """The beneficiary's code if it still works: not expired, not locked by wrong
        attempts."""
        c = await self._db.code(nir_hash)
        if (c is None or c.expires_at <= self._now()
                or EMAIL_CODE_POLICY.is_exhausted(c.attempts)):
            return None
        return c

    async def _issue(self, b: Beneficiary, channel: str, ttl: int) -> tuple[str, int]:
        code = generate_code(self._rng)
        now = self._now()
        # The earlier codes' hashes stay (dead) so that their holder can be told a newer
        # code was sent.
        previous = await self._db.code(b.nir_hash)
        older: tuple[bytes, ...] = ()
        if previous is not None:
            live, superseded = unpack_hashes(previous.code_hash)
            older = (live, *superseded)
        stored = StoredCode(nir_hash=b.nir_hash,
                            code_hash=pack_hashes(hash_code(code, self._peppers.code), older),
                            channel=channel, created_at=now, expires_at=now + ttl, attempts=0)
        # put_code is delete-then-insert: two concurrent issues for one beneficiary can both
        # delete, then collide on the unique index (PostgreSQL, read committed). The loser
        # tries again, which replaces the winner's code: the last code issued is the live one.
        for attempt in range(_ISSUE_ATTEMPTS):
            try:
                await self._db.put_code(stored)
                break
            except Exception:
                if attempt == _ISSUE_ATTEMPTS - 1:
                    raise
        return code, now + ttl

    async def _deliver(self, b: Beneficiary, channel: str) -> bool:
        if channel == "email" and not b.email:
            return False
        code, expires_at = await self._issue(b, channel, EMAIL_CODE_POLICY.ttl_seconds)
        until = dt.datetime.fromtimestamp(expires_at, dt.UTC).date().isoformat()
        notice = messages.activation_code(b.first_name, b.last_name, code, until)
        if channel == "email":
            await self._mailer.send(Message(to=b.email, subject=notice.subject, body=notice.body))
        else:
            await self._post.write_letter(f"{b.first_name} {b.last_name}", b.address,
                                          notice.subject, notice.body)
        return True

    async def send_codes(self, channel: str, nirs: list[str] | None, *,
                         resend: bool = False) -> CodesSent:
        """Send a code to each beneficiary without a dossier (all, or ``nirs``). One whose
        code is still valid keeps it (``kept``, nothing sent) unless ``resend``: then the
        new code replaces it (``replaced``) and the earlier one stops working."""
        hashes = None if nirs is None else [self.nir_hash(parse_nir(n)) for n in nirs]
        sent = skipped = kept = replaced = 0
        for b in await self._db.beneficiaries(hashes):
            if b.dossier_id is not None:
                skipped += 1
                continue
            live = await self.live_code(b.nir_hash)
            if live is not None and not resend:
                kept += 1
            elif await self._deliver(b, channel):
                sent += 1
                replaced += live is not None
            else:
                skipped += 1
        return CodesSent(sent=sent, skipped=skipped, kept=kept, replaced=replaced)

    def request_code(self, nir_text: str, birth_text: str) -> None:
        """Validate the input's shape, then look up and send in the background, so the answer
        and its timing are the same whether or not the NIR is in the registry."""
        nir = parse_nir(nir_text)
        birth = parse_birth_date(birth_text)
        self._notifier.background(self._request_code(nir, birth))

    async def _request_code(self, nir: str, birth: dt.date) -> None:
        try:
            b = await self._db.beneficiary(self.nir_hash(nir))
            if b is None or b.dossier_id is not None or b.birth_date != birth.isoformat():
                return
            await self._deliver(b, "email" if b.email else "post")
        except Exception as exc:  # background: never lose the server over one letter
            # Type only: a message could quote the letter (which holds the code).
            log.warning("sending an activation code failed: %s", type(exc).__name__)

    async def pharmacy_code(self, nir_text: str, birth_text: str, *,
                            resend: bool = False) -> IssuedCode:
        """A code printed on the spot by a pharmacist for a patient who is present. If the
        patient's code is still valid, :class:`CodePending` (it is kept) unless ``resend``:
        then the new code replaces it (``replaced``) and the earlier one stops working."""
        nir = parse_nir(nir_text)
        birth = parse_birth_date(birth_text)
        b = await self._db.beneficiary(self.nir_hash(nir))
        if b is None or b.birth_date != birth.isoformat():
            raise NotFoundError("no beneficiary with this NIR and birth date in the registry")
        if b.dossier_id is not None:
            raise ServiceError("this patient already has an open dossier")
        live = await self.live_code(b.nir_hash)
        if live is not None and not resend:
            raise CodePending(pending_detail(live))
        code, expires_at = await self._issue(b, "pharmacy", PHARMACY_CODE_POLICY.ttl_seconds)
        return IssuedCode(code=code, expires_at=expires_at, replaced=live)

    # ------------------------------------------------------------------ activation
    async def activate(self, nir_text: str, code_text: str, create: NewDossier) -> str:
        """Check the code, create the dossier from what the client built, link the account.
        Returns the dossier id.

        Any wrong, used, unknown or malformed code is ActivationFailed with one detail
        (:data:`FAILED`), and so is any code once five wrong ones locked the activation: a
        NIR with a pending or locked code answers exactly as a NIR without one, so nobody
        learns who is being activated. After a lock, a new code (online request, pharmacy,
        operator) replaces the locked one. Only the right code, past its expiry, says so;
        only a code that a newer one replaced says that (:class:`CodeSuperseded`; not a
        wrong attempt: it is the patient's own, and guessing one is guessing 50 bits)."""
        nir = parse_nir(nir_text)
        nir_hash = self.nir_hash(nir)
        try:
            code = normalize_code(code_text)
        except ActivationFailed:
            code = ""
        stored = await self._db.code(nir_hash)
        # The attempt is counted before the guess is checked, atomically: concurrent
        # guesses can never check more than the policy allows.
        before = await self._db.take_attempt(nir_hash, EMAIL_CODE_POLICY.max_attempts)
        checked = before is not None and not EMAIL_CODE_POLICY.is_exhausted(before)
        found = (match_code(stored.code_hash, code, self._peppers.code)
                 if stored is not None and checked and code else None)
        if stored is not None and found == "superseded":
            await self._db.refund_attempt(nir_hash)
            raise CodeSuperseded(superseded_detail(stored))
        if stored is None or found != "live":
            raise ActivationFailed(FAILED)
        await self._db.refund_attempt(nir_hash)  # the right code is not a wrong attempt
        if stored.expires_at < self._now():
            raise ActivationFailed("activation failed: this code has expired; ask for a new one")
        self._check_creation(create)
        if not await self._db.take_code(nir_hash, stored.code_hash):
            raise ActivationFailed(FAILED)
        dossier_id = create.dossier.dossier_id
        await self._store.create(create.dossier, list(create.slots), create.keyring)
        await self._db.create_account(nir_hash, dossier_id, self._now())
        await self._db.link_dossier(nir_hash, dossier_id)
        self._notifier.patient(dossier_id, messages.dossier_opened())
        return dossier_id

    @staticmethod
    def _check_creation(create: NewDossier) -> None:
        names = sorted(s.name for s in create.slots)
        if names != ["passphrase", "recovery"]:
            raise ServiceError("a new dossier needs one passphrase slot and one recovery slot")
        if any(below_kdf_floor(s) for s in create.slots):
            raise ServiceError("key-derivation parameters are below the floor")

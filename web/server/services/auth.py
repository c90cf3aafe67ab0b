"""Login without sending anything equivalent to the passphrase (P15).

1. ``params(login)``: each key slot's salt and Argon2id parameters, and nothing else. For an
   unknown login the answer has the same shape, with stable fake salts.
2. ``challenge(login, kind, slot)``: a signed, expiring, single-use nonce bound to the login.
3. ``login(challenge, signature)``: the client signs ``"CARNET-LOGIN" | 0x01 | challenge`` with
   the Ed25519 login key derived from the stretched passphrase (or recovery code), or, for a
   professional, with their registered signing key. The server verifies against the public key
   it holds and opens a short-lived session (itsdangerous, SHA-256, its own salt).

Wrapped keys are only served to a session, so knowing a NIR gives nothing to guess against.

No timing oracle on who has a dossier (P15): for a patient login the known and the unknown
paths make the very same storage calls. The login's account is looked up, then the key slots
are read from its dossier, or, for a login without one, from a decoy dossier id derived from
the login's keyed hash, which names no dossier (random ids are 128 bits; the decoy is a keyed
hash): the same queries run and find nothing. The answer is then built from the slots found,
or from stable fake salts, and a login signature is checked against the slot's key, or
against a decoy key, so both paths also do the same computation.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import nacl.signing
from itsdangerous import BadSignature, URLSafeTimedSerializer

from consent.request import login_message
from vault.crypto import MEMLIMIT_FLOOR, OPSLIMIT_FLOOR, KdfParams, Random, verify_signature
from vault.errors import DossierClosed
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY, KeySlot
from vault.store import DossierStore
from web.server.services.directory import is_approved
from web.server.services.errors import Forbidden, ServiceError, Unauthorized
from web.server.services.peppers import Peppers, keyed_hex
from web.server.services.ratelimit import RateLimiter, limiter_key
from web.server.storage.ports import Professional, ServiceDb, Session

CHALLENGE_TTL: Final = 120
SESSION_TTL: Final = 15 * 60
_PS_ID: Final = re.compile(r"(8\d{11}|0\d{9})")
_BAD_LOGIN: Final = "login failed: the passphrase, code or signature is not valid"


VERIFIED_TOKENS: Final = 10_000  # session tokens whose signature checked, kept in memory
MAX_TOKEN_CHARS: Final = 160  # a session token is about 120 characters
# payload.timestamp.signature, each base64url without padding, as itsdangerous writes them
_TOKEN_SHAPE: Final = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    """itsdangerous with SHA-256 (its default is SHA-1) and one salt per purpose."""
    return URLSafeTimedSerializer(secret, salt=f"carnet.{purpose}",
                                  signer_kwargs={"digest_method": hashlib.sha256})


@dataclass(frozen=True, slots=True)
class Limits:
    """Login attempts per window: ``per_login`` counts answers to challenges for one login
    (reset by a success, so only repeated failures lock it); ``per_address`` counts login
    answers from one address; lookups (params, challenge) have their own, wider budget."""

    per_login: int = 10
    per_address: int = 60
    lookups_per_address: int = 300
    window: int = 60


@dataclass(frozen=True, slots=True)
class LoginParams:
    """All a client may learn before login: each slot's salt and Argon2id parameters."""

    passphrase: KdfParams
    recovery: KdfParams


@dataclass(frozen=True, slots=True)
class Challenge:
    """A signed, expiring, single-use login challenge (opaque text for the client)."""

    challenge: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session: ``session`` is the bearer token to present."""

    session: str
    expires_at: int
    kind: str
    subject: str
    roles: tuple[str, ...]


class Auth:
    def __init__(self, db: ServiceDb, store: DossierStore, secret: str, peppers: Peppers,
                 limiter: RateLimiter, clock: Callable[[], float], rng: Random,
                 session_ttl: int = SESSION_TTL, limits: Limits | None = None) -> None:
        self._db = db
        self._rng = rng
        self._store = store
        self._peppers = peppers
        self._limiter = limiter
        self._clock = clock
        self._challenges = serializer(secret, "challenge")
        self._sessions = serializer(secret, "session")
        self._session_ttl = session_ttl
        self._verified: dict[str, tuple[str, int]] = {}  # token -> (sid, signed at), oldest first
        self._limits = limits or Limits()
        # Checked instead of a slot's login key for a login without a dossier: it never
        # verifies a signature (its secret is derived from the server's secret and dropped).
        self._decoy_public = nacl.signing.SigningKey(bytes.fromhex(
            keyed_hex(peppers.salt, "decoy-login-key"))).verify_key.encode()

    def _now(self) -> int:
        return int(self._clock())

    async def throttle(self, kind: str, value: str, limit: int, window: int | None = None) -> None:
        await self._limiter.hit(limiter_key(kind, value, self._peppers.limit), limit=limit,
                                window_seconds=window or self._limits.window)

    async def _guard(self, login_hash: str, address: str) -> None:
        await self.throttle("auth-address", address, self._limits.per_address)
        await self.throttle("auth-login", login_hash, self._limits.per_login)

    async def _lookup_guard(self, login_hash: str, address: str) -> None:
        await self.throttle("auth-lookup-address", address, self._limits.lookups_per_address)
        await self.throttle("auth-lookup-login", login_hash, self._limits.lookups_per_address)

    # ------------------------------------------------------------------ step 1
    async def params(self, login: str, address: str) -> LoginParams:
        """Each slot's KDF parameters for the patient ``login`` (a NIR); for an unknown
        login, stable fake salts at the floor parameters, so the answer says nothing.

        The same storage calls run either way (the module docstring): the answer's shape,
        size and time do not tell a NIR with a dossier from one without."""
        login_hash = self._peppers.login_hash("patient", login)
        await self._lookup_guard(login_hash, address)
        dossier_id = await self._db.dossier_for_login(login_hash)
        target = dossier_id or self._decoy(login_hash)
        out: dict[str, KdfParams] = {}
        for name in (SLOT_PASSPHRASE, SLOT_RECOVERY):
            slot = await self._slot_or_none(target, name)
            fake = KdfParams(salt=self._peppers.fake_salt(login_hash, name),
                             opslimit=OPSLIMIT_FLOOR, memlimit=MEMLIMIT_FLOOR)
            if slot is None or dossier_id is None:
                out[name] = fake
            else:
                out[name] = KdfParams(salt=slot.salt, opslimit=slot.opslimit,
                                      memlimit=slot.memlimit)
        return LoginParams(passphrase=out[SLOT_PASSPHRASE], recovery=out[SLOT_RECOVERY])

    def _decoy(self, login_hash: str) -> str:
        """A well-formed dossier id that names no dossier, stable for one login."""
        return self._peppers.fake_salt(login_hash, "decoy-dossier").hex()

    async def _slot_or_none(self, dossier_id: str, name: str) -> KeySlot | None:
        """The slot, or None when the dossier or the slot does not exist (or was closed, or
        its key is gone): what a login without a dossier also gets, after the same calls."""
        try:
            return await self._store.slot(dossier_id, name)
        except (LookupError, DossierClosed):  # vault.errors.NotFound is a LookupError
            return None

    # ------------------------------------------------------------------ step 2
    async def challenge(self, login: str, kind: str, slot: str, address: str) -> Challenge:
        """A challenge for ``login`` (a patient's NIR, already normalized, or an idNat_PS)
        to sign with the key of ``slot`` (patients) or the registered key (professionals)."""
        if kind == "professional" and not _PS_ID.fullmatch(login):
            raise ServiceError("a professional signs in with their idNat_PS "
                               "(8 + RPPS, or 0 + ADELI)")
        login_hash = self._peppers.login_hash(kind, login)
        await self._lookup_guard(login_hash, address)
        expires_at = self._now() + CHALLENGE_TTL
        claims: dict[str, object] = {"n": self._rng(16).hex(), "l": login_hash,
                                     "k": kind, "s": slot, "x": expires_at}
        if kind == "professional":
            claims["p"] = login  # an idNat_PS is public; a patient's NIR never travels back
        token = self._challenges.dumps(claims)
        return Challenge(challenge=str(token), expires_at=expires_at)

    # ------------------------------------------------------------------ step 3
    async def login(self, challenge: str, signature: bytes, address: str) -> OpenedSession:
        """Check the signed answer to ``challenge`` and open a session; Unauthorized for a
        bad, expired or used challenge, or a signature that does not check."""
        try:
            claims = self._challenges.loads(challenge)
            nonce, login_hash = str(claims["n"]), str(claims["l"])
            kind, slot, expires_at = str(claims["k"]), str(claims["s"]), int(claims["x"])
            ps_id = str(claims.get("p", ""))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise Unauthorized("this login challenge is not valid") from None
        await self._guard(login_hash, address)
        if expires_at < self._now():
            raise Unauthorized("this login challenge has expired; ask for a new one")
        if not await self._db.use_nonce(nonce, expires_at):
            raise Unauthorized("this login challenge was already used")
        public, subject, roles = await self._login_key(kind, login_hash, slot, ps_id)
        verified = public is not None and verify_signature(public, login_message(challenge),
                                                           signature)
        if not verified or not subject:
            raise Unauthorized(_BAD_LOGIN)
        await self._limiter.reset(limiter_key("auth-login", login_hash, self._peppers.limit))
        return await self.open_session(kind, subject, roles)

    async def _login_key(self, kind: str, login_hash: str, slot: str,
                         ps_id: str) -> tuple[bytes | None, str, tuple[str, ...]]:
        if kind == "patient":
            dossier_id = await self._db.dossier_for_login(login_hash)
            found = await self._slot_or_none(dossier_id or self._decoy(login_hash), slot)
            if dossier_id is None or found is None:
                return self._decoy_public, "", ()  # checked, never verifies (same work)
            return found.login_public, dossier_id, ()
        pro = await self._db.professional(ps_id) if ps_id else None
        if not is_approved(pro):
            return None, "", ()
        return pro.sign_public, pro.ps_id, pro.roles

    # ------------------------------------------------------------------ sessions
    async def open_session(self, kind: str, subject: str,
                           roles: tuple[str, ...] = ()) -> OpenedSession:
        sid = self._rng(32).hex()
        expires_at = self._now() + self._session_ttl
        await self._db.create_session(Session(sid, kind, subject, roles, expires_at))
        token = str(self._sessions.dumps(sid))
        return OpenedSession(session=token, expires_at=expires_at, kind=kind, subject=subject,
                             roles=roles)

    async def session(self, token: str | None) -> Session:
        """The live session behind a bearer token; Unauthorized if absent, bad or expired."""
        found = await self._db.session(self._sid(token))
        if found is None or found.expires_at < self._now():
            raise Unauthorized("this session is not valid or has expired; sign in again")
        return found

    async def signed_in(self, token: str | None) -> tuple[Session, Professional | None]:
        """:meth:`session`, with the directory entry of a professional's as it is now (None
        if unknown; approval is the caller's check), in one read."""
        found = await self._db.signed_in(self._sid(token))
        if found is None or found[0].expires_at < self._now():
            raise Unauthorized("this session is not valid or has expired; sign in again")
        return found

    def _sid(self, token: str | None) -> str:
        if not token:
            raise Unauthorized("sign in first (Authorization: Bearer <session>)")
        # A token whose signature checked already: only its age is checked again, as
        # itsdangerous does (its own clock, whole seconds, not negative). The session row is
        # still read on every request (logout, expiry, the professional's status).
        known = self._verified.get(token)
        if known is not None and 0 <= int(time.time()) - known[1] <= self._session_ttl:
            return known[0]
        # Only tokens shaped as this server writes them are remembered: itsdangerous skips
        # characters that are not base64 in a signature, so one session could otherwise be
        # sent in endless padded variants, each accepted and each an entry (memory).
        remember = len(token) <= MAX_TOKEN_CHARS and _TOKEN_SHAPE.fullmatch(token) is not None
        try:
            sid, signed_at = self._sessions.loads(token, max_age=self._session_ttl,
                                                  return_timestamp=True)
        except BadSignature:
            raise Unauthorized("this session is not valid or has expired; sign in again") \
                from None
        if remember:
            self._verified[token] = (str(sid), int(signed_at.timestamp()))
            if len(self._verified) > VERIFIED_TOKENS:
                del self._verified[next(iter(self._verified))]
        return str(sid)

    async def logout(self, token: str | None) -> None:
        s = await self.session(token)
        await self._db.delete_session(s.sid)

    @staticmethod
    def require_dossier(session: Session, dossier_id: str) -> None:
        if session.kind != "patient" or session.subject != dossier_id:
            raise Forbidden("this session does not give access to that dossier")

"""Server side of consent: storing patient-signed grants, checking consent tokens at a scan,
revocation, and the per-dossier audit chain (P4–P6).

The server can check a grant's and a token's patient signature (it holds the patient's public
key) but cannot mint or widen either, and never sees a section key: grants carry them sealed
to the recipient.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import audit, grant, token
from consent.errors import InvalidToken, TokenRevoked, WrongRecipient
from vault.crypto import fingerprint
from vault.records import DossierRecord, ItemRecord
from vault.store import PAGE_MAX, DossierStore
from web.server.services.errors import (
    Forbidden,
    NotFoundError,
    ProfessionalBlocked,
    ServiceError,
    Unauthorized,
)
from web.server.services.notify import Notifier
from web.server.storage.repo import Professional, ServiceDb, StoredGrant

REQUEST_WINDOW: Final = 300
CONTACT_PREFIX: Final = "contact:"


async def items_under(store: DossierStore, dossier_id: str,
                      refs: Sequence[str]) -> list[ItemRecord]:
    """The latest revision of every item wrapped under one of ``refs``, all pages."""
    out: list[ItemRecord] = []
    after: str | None = None
    while True:
        page = await store.items(dossier_id, key_refs=refs, after=after, limit=PAGE_MAX)
        out.extend(page)
        if len(page) < PAGE_MAX:
            return out
        after = page[-1].item_id


def contact_as_recipient(dossier: DossierRecord) -> Professional:
    """A signed-in patient presenting a contact grant, seen as a recipient (their dossier's
    own keys; never a directory entry)."""
    return Professional(ps_id=CONTACT_PREFIX + dossier.dossier_id, name="contact d'urgence",
                        profession="proche", specialty="", city="", email="",
                        box_public=dossier.box_public, sign_public=dossier.sign_public,
                        status="approved", roles=(), created_at=0)
_APPEND_TRIES: Final = 20


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a professional's client sends with a request: nonce, time, Ed25519 signature."""

    method: str
    path: str
    body: bytes
    nonce: bytes
    at: int
    signature: bytes

    @classmethod
    def from_headers(cls, method: str, path: str, body: bytes,
                     headers: Mapping[str, str]) -> SignedRequest:
        try:
            nonce = bytes.fromhex(headers["x-carnet-nonce"])
            at = int(headers["x-carnet-time"])
            signature = base64.b64decode(headers["x-carnet-signature"], validate=True)
        except (KeyError, ValueError):
            raise Unauthorized("this request must be signed (X-Carnet-Nonce, X-Carnet-Time, "
                               "X-Carnet-Signature)") from None
        if not 16 <= len(nonce) <= 64 or len(signature) != 64:
            raise Unauthorized("the request signature headers are malformed")
        return cls(method, path, body, nonce, at, signature)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A consent token that passed every check: its stored grant, dossier and grant core."""

    stored: StoredGrant
    dossier: DossierRecord
    core: grant.GrantCore

    @property
    def parts(self) -> tuple[StoredGrant, DossierRecord, grant.GrantCore]:
        return self.stored, self.dossier, self.core


@dataclass(frozen=True, slots=True)
class ScanResult:
    dossier: DossierRecord
    grant: bytes
    items: list[ItemRecord]


class ConsentService:
    def __init__(self, db: ServiceDb, store: DossierStore, notifier: Notifier,
                 server_key: nacl.signing.SigningKey, clock: Callable[[], float]) -> None:
        self._db = db
        self._store = store
        self._notifier = notifier
        self._key = server_key
        self._clock = clock

    @property
    def server_public(self) -> bytes:
        return self._key.verify_key.encode()

    def _now(self) -> int:
        return int(self._clock())

    # ------------------------------------------------------------------ audit chain
    async def record(self, dossier_id: str, kind: str, actor: str,
                     detail: Mapping[str, str | int] | None = None,
                     request: SignedRequest | None = None, actor_public: bytes = b"") -> None:
        """Append an event to the dossier's chain (retrying if another append won the seq)."""
        extra: dict[str, str | int] = dict(detail or {})
        signature = b""
        if request is not None:
            extra.update(audit.request_detail(request.method, request.path, request.body,
                                              request.nonce, request.at))
            signature = request.signature
        for _ in range(_APPEND_TRIES):
            last = await self._db.audit_head(dossier_id)
            head = None if last is None else audit.ChainHead(last[0], last[1])
            event = audit.Event(seq=0 if head is None else head.seq + 1, at=self._now(),
                                kind=kind, actor=actor, detail=extra,
                                request_signature=signature, actor_public=actor_public)
            new = audit.append(head, event)
            if await self._db.put_audit(dossier_id, event.seq, audit.encode_event(event),
                                        new.hash):
                return
        raise ServiceError("the history is busy; try again")

    async def history(self, dossier_id: str) -> tuple[list[bytes], bytes]:
        """Every event (encoded) and the server-signed head."""
        events = await self._db.audit_events(dossier_id)
        last = await self._db.audit_head(dossier_id)
        if last is None:
            raise NotFoundError("this dossier has no history yet")
        signed = audit.sign_head(dossier_id, audit.ChainHead(last[0], last[1]), self._now(),
                                 self._key)
        return events, signed.encode()

    # ------------------------------------------------------------------ grants
    async def add_grant(self, dossier: DossierRecord, blob: bytes) -> StoredGrant:
        signed = grant.SignedGrant.decode(blob)
        core = signed.core
        if core.dossier_id != dossier.dossier_id:
            raise Forbidden("this grant is for another dossier")
        grant.verify(signed, dossier.sign_public)
        if core.expires_at <= self._now():
            raise ServiceError("this grant has already expired")
        if core.recipient_id.startswith(CONTACT_PREFIX):
            # An emergency contact with an account (another dossier's holder): only a standing
            # grant on the emergency summary, to that dossier's own keys.
            if not core.emergency:
                raise Forbidden("a grant to an emergency contact covers the emergency summary")
            contact = await self._store.dossier(core.recipient_id[len(CONTACT_PREFIX):])
            keys = (contact.sign_public, contact.box_public)
        else:
            pro = await self._db.professional(core.recipient_id)
            if pro is None or pro.status != "approved":
                raise NotFoundError("no approved professional with this idNat_PS")
            keys = (pro.sign_public, pro.box_public)
        if keys != (core.recipient_sign_public, core.recipient_box_public):
            raise Forbidden("the grant's recipient keys are not the directory's")
        stored = StoredGrant(grant_id=core.grant_id.hex(), dossier_id=dossier.dossier_id,
                             recipient_id=core.recipient_id,
                             recipient_fpr=fingerprint(core.recipient_sign_public).hex(),
                             key_refs=core.key_refs, write=core.write,
                             issued_at=core.issued_at, expires_at=core.expires_at,
                             revoked_at=None, blob=blob)
        await self._db.put_grant(stored)
        await self.record(dossier.dossier_id, "grant_issued", "patient",
                          {"grant": stored.grant_id, "recipient": core.recipient_id,
                           "sections": ",".join(sorted(s.value for s in core.sections)),
                           "write": int(core.write), "expires_at": core.expires_at})
        return stored

    async def revoke(self, dossier_id: str, grant_id: str) -> None:
        if not await self._db.revoke_grant(dossier_id, grant_id, self._now()):
            raise NotFoundError("no such grant in this dossier")
        await self.record(dossier_id, "grant_revoked", "patient", {"grant": grant_id})

    # ------------------------------------------------------------------ scan
    def check_request(self, pro: Professional, request: SignedRequest) -> None:
        now = self._now()
        if abs(now - request.at) > REQUEST_WINDOW:
            raise Unauthorized("the request's time is outside the allowed window; check the "
                               "computer's clock")
        message = audit.request_message(request.method, request.path, request.body,
                                        request.nonce, request.at)
        try:
            nacl.signing.VerifyKey(pro.sign_public).verify(message, request.signature)
        except Exception:
            raise Unauthorized("the request signature does not check") from None

    async def admit(self, pro: Professional, text: str, request: SignedRequest) -> Admitted:
        """Every check of a consent token presented by the signed-in professional (a scan, a
        write): request signature and nonce, patient signature, expiry, block, revocation,
        recipient."""
        self.check_request(pro, request)
        if not await self._db.use_nonce(request.nonce.hex(), request.at + REQUEST_WINDOW):
            raise Unauthorized("this request was already made (replayed nonce)")
        tok = token.decode(token.from_text(text))
        claims = tok.claims
        stored = await self._db.grant(claims.grant_id.hex())
        if stored is None:
            raise InvalidToken()
        dossier = await self._store.dossier(stored.dossier_id)
        tok.verify(dossier.sign_public)
        tok.check_time(self._now())
        core = grant.SignedGrant.decode(stored.blob).core
        if (claims.sections != core.sections or claims.write != core.write
                or claims.expires_at > core.expires_at
                or claims.recipient_fpr.hex() != stored.recipient_fpr):
            raise InvalidToken()
        if await self._db.is_blocked(stored.dossier_id, pro.ps_id):
            raise ProfessionalBlocked()
        if stored.revoked_at is not None or stored.expires_at <= self._now():
            raise TokenRevoked()
        if fingerprint(pro.sign_public) != claims.recipient_fpr or pro.ps_id != core.recipient_id:
            raise WrongRecipient()
        return Admitted(stored=stored, dossier=dossier, core=core)

    async def scan(self, pro: Professional, text: str, request: SignedRequest) -> ScanResult:
        """Check a consent token for the signed-in professional and return the sealed grant
        and the ciphertext of the granted, unmasked items."""
        stored, dossier, core = (await self.admit(pro, text, request)).parts
        items = await items_under(self._store, stored.dossier_id, stored.key_refs)
        actor = pro.ps_id if pro.ps_id.startswith(CONTACT_PREFIX) else f"ps:{pro.ps_id}"
        await self.record(stored.dossier_id, "token_scanned", actor,
                          {"grant": stored.grant_id, "items": len(items),
                           "sections": ",".join(sorted(s.value for s in core.sections))},
                          request=request, actor_public=pro.sign_public)
        self._notifier.patient(stored.dossier_id, "Carnet : consultation de votre dossier",
                               f"{pro.name} ({pro.profession}, {pro.ps_id}) vient d'ouvrir "
                               "votre dossier avec votre accord. L'historique complet est "
                               "dans Carnet.")
        return ScanResult(dossier=dossier, grant=stored.blob, items=items)


def server_key(seed_hex: str) -> nacl.signing.SigningKey:
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        raise ValueError("CARNET_AUDIT_KEY must be 64 hex digits") from None
    if len(seed) != 32:
        raise ValueError("CARNET_AUDIT_KEY must be 64 hex digits")
    return nacl.signing.SigningKey(seed)

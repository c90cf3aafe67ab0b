"""Server side of consent: storing patient-signed grants, checking consent tokens at a scan,
revocation, and the per-dossier audit chain (P4–P6).

The server can check a grant's and a token's patient signature (it holds the patient's public
key) but cannot mint or widen either, and never sees a section key: grants carry them sealed
to the recipient. Whether a token matches its grant and names whoever presents it is
``consent.policy``'s rule, the same one the recipient's client applies to the server's answer.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import audit, grant, policy, token
from consent import request as signed_request
from consent.errors import InvalidToken, TokenExpired, TokenRevoked
from consent.recipient import Recipient, contact_dossier
from vault.crypto import fingerprint
from vault.records import DossierRecord, ItemRecord
from vault.store import DossierStore, all_items
from web.server.services import messages
from web.server.services.directory import is_approved
from web.server.services.errors import (
    ConflictError,
    Forbidden,
    NotFoundError,
    ProfessionalBlocked,
    ServiceError,
    Unauthorized,
)
from web.server.services.notify import Notifier
from web.server.storage.ports import Along, Professional, ServiceDb, StoredGrant

REQUEST_WINDOW: Final = 300


async def items_under(store: DossierStore, dossier_id: str,
                      refs: Sequence[str]) -> list[ItemRecord]:
    """The latest revision of every item wrapped under one of ``refs``, all pages
    (``vault.store.all_items``)."""
    return await all_items(store, dossier_id, refs)


@dataclass(frozen=True, slots=True)
class Presenter:
    """Who presents a consent token: the recipient a grant must name, and the profession
    the patient's notification gives (with ``name`` and ``ps_id``, a ``messages.Actor``)."""

    recipient: Recipient
    profession: str

    @classmethod
    def professional(cls, pro: Professional) -> Presenter:
        """An approved professional, with their directory keys."""
        return cls(Recipient(id=pro.ps_id, sign_public=pro.sign_public,
                             box_public=pro.box_public, label=pro.name), pro.profession)

    @classmethod
    def contact(cls, dossier: DossierRecord) -> Presenter:
        """A signed-in patient presenting a contact grant: their dossier's own keys, never a
        directory entry."""
        return cls(Recipient.contact(dossier.dossier_id, dossier.sign_public,
                                     dossier.box_public, label="contact d'urgence"), "proche")

    @property
    def name(self) -> str:
        return self.recipient.label

    @property
    def ps_id(self) -> str:
        return self.recipient.id

    @property
    def sign_public(self) -> bytes:
        return self.recipient.sign_public


def _presenter(who: Professional | Presenter) -> Presenter:
    return who if isinstance(who, Presenter) else Presenter.professional(who)


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
                     request: SignedRequest | None = None, actor_public: bytes = b"",
                     along: Along | None = None) -> None:
        """Append an event to the dossier's chain, exactly once: the storage serializes a
        dossier's appends (``AuditLog.append_audit``), so no append loses to another and
        none is retried. If the history cannot be written now this raises
        :class:`vault.errors.StorageUnavailable` (503, Retry-After) and the caller must not
        answer as if it were logged: every service logs first, then answers. ``along`` is the
        write the event records, committed with it or not at all (``AuditLog.append_audit``)."""
        extra: dict[str, str | int] = dict(detail or {})
        signature = b""
        if request is not None:
            extra.update(signed_request.request_detail(request.method, request.path,
                                                       request.body, request.nonce,
                                                       request.at))
            signature = request.signature

        def entry(last: tuple[int, bytes] | None) -> tuple[bytes, bytes]:
            head = None if last is None else audit.ChainHead(last[0], last[1])
            event = audit.Event(seq=0 if head is None else head.seq + 1, at=self._now(),
                                kind=kind, actor=actor, detail=extra,
                                request_signature=signature, actor_public=actor_public)
            return audit.encode_event(event), audit.append(head, event).hash

        await self._db.append_audit(dossier_id, entry, along=along)

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
        """Store a new patient-signed grant, or (same id, version 2) a re-sealed one."""
        signed = grant.SignedGrant.decode(blob)
        core = signed.core
        if core.dossier_id != dossier.dossier_id:
            raise Forbidden("this grant is for another dossier")
        grant.verify(signed, dossier.sign_public)
        if core.version == grant.VERSION_RESEALED:
            return await self._reseal(dossier, core, blob)
        if core.expires_at <= self._now():
            raise ServiceError("this grant has already expired")
        contact_of = contact_dossier(core.recipient_id)
        if contact_of is not None:
            # An emergency contact with an account (another dossier's holder): only a standing
            # grant on the emergency summary, to that dossier's own keys.
            if not core.emergency:
                raise Forbidden("a grant to an emergency contact covers the emergency summary")
            contact = await self._store.dossier(contact_of)
            keys = (contact.sign_public, contact.box_public)
        else:
            pro = await self._db.professional(core.recipient_id)
            if not is_approved(pro):
                raise NotFoundError("no approved professional with this idNat_PS")
            if await self._db.is_blocked(dossier.dossier_id, core.recipient_id):
                raise ProfessionalBlocked("you blocked this professional: lift the block "
                                          "before granting them access")
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

    async def _reseal(self, dossier: DossierRecord, core: grant.GrantCore,
                      blob: bytes) -> StoredGrant:
        """Replace a grant by the same grant sealed again after a rotation (P5): same id,
        recipient, sections, flags and times, a higher generation, not revoked. Its refs
        replace the stored ones: a write under a ref it no longer names is ``stale_key``."""
        old = await self._db.grant(core.grant_id.hex())
        if old is None or old.dossier_id != dossier.dossier_id:
            raise NotFoundError("no such grant in this dossier to re-seal")
        old_core = grant.SignedGrant.decode(old.blob).core
        if not old_core.same_grant(core):
            raise Forbidden("a re-sealed grant must keep the recipient, sections and times")
        if core.generation <= old_core.generation:
            raise ConflictError("this grant was already re-sealed with this generation")
        if old.revoked_at is not None or old.expires_at <= self._now():
            raise TokenRevoked()
        stored = dataclasses.replace(old, key_refs=core.key_refs, blob=blob)
        if not await self._db.replace_grant(stored):
            raise NotFoundError("no such grant in this dossier to re-seal")
        # The history's event kinds are fixed (consent.audit): a re-seal is a grant_issued
        # naming its generation.
        await self.record(dossier.dossier_id, "grant_issued", "patient",
                          {"grant": stored.grant_id, "recipient": core.recipient_id,
                           "sections": ",".join(sorted(s.value for s in core.sections)),
                           "write": int(core.write), "expires_at": core.expires_at,
                           "resealed": core.generation})
        return stored

    async def revoke(self, dossier_id: str, grant_id: str) -> None:
        if not await self._db.revoke_grant(dossier_id, grant_id, self._now()):
            raise NotFoundError("no such grant in this dossier")
        await self.record(dossier_id, "grant_revoked", "patient", {"grant": grant_id})

    # ------------------------------------------------------------------ scan
    def check_request(self, pro: Professional | Presenter, request: SignedRequest) -> None:
        """The request's signature by ``pro``'s key, inside the time window (the caller
        checks the nonce)."""
        now = self._now()
        if abs(now - request.at) > REQUEST_WINDOW:
            raise Unauthorized("the request's time is outside the allowed window; check the "
                               "computer's clock")
        message = signed_request.request_message(request.method, request.path, request.body,
                                                 request.nonce, request.at)
        try:
            nacl.signing.VerifyKey(pro.sign_public).verify(message, request.signature)
        except Exception:
            raise Unauthorized("the request signature does not check") from None

    async def admit(self, who: Professional | Presenter, text: str,
                    request: SignedRequest) -> Admitted:
        """Every check of a consent token presented by the signed-in professional or contact
        (a scan, a write): request signature and nonce, patient signature, expiry, the token
        matching its grant, block, revocation, recipient."""
        pro = _presenter(who)
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
        # From here the token is the patient's own: a refusal is worth their history.
        try:
            tok.check_time(self._now())
        except TokenExpired:
            await self._refused(pro, stored, request, "expired")
            raise
        core = grant.SignedGrant.decode(stored.blob).core
        policy.token_matches_grant(claims, core)
        if await self._db.is_blocked(stored.dossier_id, pro.ps_id):
            await self._refused(pro, stored, request, "blocked")
            raise ProfessionalBlocked()
        if stored.revoked_at is not None or stored.expires_at <= self._now():
            await self._refused(pro, stored, request,
                                "revoked" if stored.revoked_at is not None else "expired")
            raise TokenRevoked()
        policy.presenter_is_recipient(claims, core, pro.recipient)
        return Admitted(stored=stored, dossier=dossier, core=core)

    async def _refused(self, pro: Presenter, stored: StoredGrant, request: SignedRequest,
                       why: str) -> None:
        """A token of this patient's refused (revoked, expired, blocked): logged as the
        presenter's own signed request, so the patient sees who tried."""
        await self.record(stored.dossier_id, "token_refused", pro.recipient.actor,
                          {"grant": stored.grant_id, "result": why}, request=request,
                          actor_public=pro.sign_public)

    async def item_author(self, dossier_id: str, item_id: str) -> str | None:
        """The professional (``ps:<id>``) or contact who wrote ``item_id`` through a grant,
        from the history's ``item_written`` events; None for the patient's own items (and
        the deposits they filed). Reads the dossier's whole history: deletions are rare."""
        for blob in await self._db.audit_events(dossier_id):
            event = audit.decode_event(blob)
            if event.kind == "item_written" and event.detail.get("item") == item_id:
                return event.actor
        return None

    async def scan(self, who: Professional | Presenter, text: str,
                   request: SignedRequest) -> ScanResult:
        """Check a consent token for the signed-in professional or contact and return the
        sealed grant and the ciphertext of the granted, unmasked items."""
        pro = _presenter(who)
        stored, dossier, core = (await self.admit(pro, text, request)).parts
        items = await items_under(self._store, stored.dossier_id, stored.key_refs)
        await self.record(stored.dossier_id, "token_scanned", pro.recipient.actor,
                          {"grant": stored.grant_id, "items": len(items),
                           "sections": ",".join(sorted(s.value for s in core.sections))},
                          request=request, actor_public=pro.sign_public)
        self._notifier.patient(stored.dossier_id, messages.dossier_consulted(
            pro, at=self._now(), write=stored.write))
        return ScanResult(dossier=dossier, grant=stored.blob, items=items)

    async def attachment(self, who: Professional | Presenter, text: str, item_id: str,
                         attachment_id: str, request: SignedRequest) -> tuple[str, list[bytes]]:
        """(dossier id, encrypted chunks) of an attachment of an item the token opens: every
        check of a scan, then the item's latest revision must be wrapped under one of the
        grant's refs (so never a masked item's). The chunks are opaque here: their key is
        inside the item, which only the grantee opens. Logged as ``section_read``."""
        pro = _presenter(who)
        stored, _, _ = (await self.admit(pro, text, request)).parts
        revisions = await self._store.revisions(stored.dossier_id, item_id)
        chunks = (await self._store.chunks(stored.dossier_id, attachment_id)
                  if revisions and revisions[-1].key_ref in stored.key_refs else [])
        if not chunks:
            raise NotFoundError("no such attachment among what this consent opens")
        await self.record(stored.dossier_id, "section_read", pro.recipient.actor,
                          {"grant": stored.grant_id, "item": item_id,
                           "attachment": attachment_id},
                          request=request, actor_public=pro.sign_public)
        return stored.dossier_id, chunks

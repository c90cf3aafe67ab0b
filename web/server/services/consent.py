"""Server side of consent: storing patient-signed grants, checking consent tokens at a scan,
revocation, and the per-dossier audit chain (P4–P6).

The server can check a grant's and a token's patient signature (it holds the patient's public
key) but cannot mint or widen either, and never sees a section key: grants carry them sealed
to the recipient. Whether a token matches its grant and names whoever presents it is
``consent.policy``'s rule, the same one the recipient's client applies to the server's answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import audit, grant, policy, token
from consent import request as signed_request
from consent.errors import InvalidToken, TokenExpired, TokenRevoked
from consent.recipient import contact_dossier
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
from web.server.services.presenter import Presenter as Presenter
from web.server.services.presenter import SignedRequest as SignedRequest
from web.server.services.presenter import presenter as _presenter
from web.server.storage.consultation import PortConsultations
from web.server.storage.ports import (
    Along,
    AuditEntry,
    Consultations,
    Professional,
    ServiceDb,
    StoredGrant,
)

REQUEST_WINDOW: Final = 300


async def items_under(store: DossierStore, dossier_id: str,
                      refs: Sequence[str]) -> list[ItemRecord]:
    """The latest revision of every item wrapped under one of ``refs``, all pages
    (``vault.store.all_items``)."""
    return await all_items(store, dossier_id, refs)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A consent token that passed every check: its stored grant, dossier, grant core and
    claims."""

    stored: StoredGrant
    dossier: DossierRecord
    core: grant.GrantCore
    claims: token.TokenClaims

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
                 server_key: nacl.signing.SigningKey, clock: Callable[[], float], *,
                 consultations: Consultations | None = None) -> None:
        self._db = db
        self._store = store
        # A scan's reads: one statement on piccolo; else made of the ports' calls.
        self._consultations = consultations or PortConsultations(db, store)
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
        await self._db.append_audit(dossier_id, self._entry(kind, actor, detail, request,
                                                            actor_public), along=along)

    def _entry(self, kind: str, actor: str, detail: Mapping[str, str | int] | None,
               request: SignedRequest | None, actor_public: bytes) -> AuditEntry:
        """The event :meth:`record` appends, built on whatever head the storage gives it."""
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

        return entry

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

    def _spend(self, request: SignedRequest) -> Along:
        """Use the request's nonce, or refuse it as a replay (nothing else is written)."""
        async def spend() -> None:
            if not await self._db.use_nonce(request.nonce.hex(), request.at + REQUEST_WINDOW):
                raise Unauthorized("this request was already made (replayed nonce)")
        return spend

    def _verdict(self, pro: Presenter, tok: token.Token, stored: StoredGrant,
                 blocked: bool) -> tuple[grant.GrantCore | None, str | None, Exception | None]:
        """The checks after the patient's signature, in this order: expiry of the token, its
        match with the grant, block, revocation or expiry of the grant, recipient. Returns
        (grant core, why, error): a refusal worth the patient's history gives its ``why``
        and the error to raise once it is logged; any other refusal raises here."""
        try:
            tok.check_time(self._now())
        except TokenExpired as exc:
            return None, "expired", exc
        core = grant.SignedGrant.decode(stored.blob).core
        policy.token_matches_grant(tok.claims, core)
        if blocked:
            return core, "blocked", ProfessionalBlocked()
        if stored.revoked_at is not None or stored.expires_at <= self._now():
            return core, "revoked" if stored.revoked_at is not None else "expired", \
                TokenRevoked()
        policy.presenter_is_recipient(tok.claims, core, pro.recipient)
        return core, None, None

    async def admit(self, who: Professional | Presenter, text: str,
                    request: SignedRequest) -> Admitted:
        """Every check of a consent token presented by the signed-in professional or contact
        (a write, an attachment): request signature and nonce, patient signature, expiry,
        the token matching its grant, block, revocation, recipient. (A scan makes the same
        checks in fewer statements: :meth:`scan`.)"""
        pro = _presenter(who)
        self.check_request(pro, request)
        await self._spend(request)()
        tok = token.decode(token.from_text(text))
        # One read (issue 14): the grant, its dossier and the block, without the items.
        found = await self._consultations.consultation(tok.claims.grant_id.hex(), pro.ps_id,
                                                       items=False)
        if found is None:
            raise InvalidToken()
        stored, dossier = found.grant, found.dossier
        if dossier is None:
            await self._store.dossier(stored.dossier_id)  # NotFound or DossierClosed
            raise NotFoundError("no such dossier")
        tok.verify(dossier.sign_public)
        # From here the token is the patient's own: a refusal is worth their history.
        core, why, error = self._verdict(pro, tok, stored, found.blocked)
        if why is not None:
            await self._refused(pro, stored, request, why)
        if error is not None or core is None:
            raise error or InvalidToken()
        return Admitted(stored=stored, dossier=dossier, core=core, claims=tok.claims)

    async def check(self, who: Professional | Presenter, text: str,
                    request: SignedRequest) -> Admitted:
        """A token check alone (``POST /consent/check``): every check of :meth:`admit`, its
        nonce spent and its refusals logged as theirs, and nothing of the dossier read. A
        check that passes opens nothing, so it is not an access the history records (P6):
        the opening that follows is (the scan's ``token_scanned``)."""
        return await self.admit(who, text, request)

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
        sealed grant and the ciphertext of the granted, unmasked items.

        The checks and their outcomes are :meth:`admit`'s; the statements are fewer (issue
        14): one read (:class:`Consultations`: grant, dossier, block, history head, items),
        then the nonce and the event (the scan, or the refusal worth the patient's history)
        in one transaction, after the head read (``AuditLog.append_audit``'s ``last``). A
        refusal that is not logged still spends the nonce, as in :meth:`admit`."""
        pro = _presenter(who)
        self.check_request(pro, request)
        spend = self._spend(request)
        try:
            tok = token.decode(token.from_text(text))
            found = await self._consultations.consultation(tok.claims.grant_id.hex(),
                                                           pro.ps_id)
            if found is None:
                raise InvalidToken()
            stored, dossier = found.grant, found.dossier
            if dossier is None:
                await self._store.dossier(stored.dossier_id)  # NotFound or DossierClosed
                raise NotFoundError("no such dossier")
            tok.verify(dossier.sign_public)
            core, why, error = self._verdict(pro, tok, stored, found.blocked)
        except Exception:
            await spend()  # every signed request spends its nonce, refused or not
            raise
        detail: dict[str, str | int]
        if core is not None and why is None:
            kind, detail = "token_scanned", {
                "grant": stored.grant_id, "items": len(found.items),
                "sections": ",".join(sorted(s.value for s in core.sections))}
        else:
            kind, detail = "token_refused", {"grant": stored.grant_id, "result": str(why)}
        seq = await self._db.append_audit_once(
            stored.dossier_id, self._entry(kind, pro.recipient.actor, detail, request,
                                           pro.sign_public),
            nonce=request.nonce.hex(), expires_at=request.at + REQUEST_WINDOW, last=found.head)
        if seq is None:
            raise Unauthorized("this request was already made (replayed nonce)")
        if error is not None:
            raise error
        self._notifier.patient(stored.dossier_id, messages.dossier_consulted(
            pro, at=self._now(), write=stored.write))
        return ScanResult(dossier=dossier, grant=stored.blob, items=list(found.items))

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

"""Consent on the client side: the patient issues and revokes grants and checks the history;
the professional (or an emergency contact) scans a consent token and decrypts what it opens.

Randomness (grant ids, the sealed boxes' ephemeral keys, request nonces) comes from ``rng``,
``vault.crypto.system_random`` unless a caller passes its own.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import nacl.signing

from consent import contact as contact_format
from consent import grant, policy, token
from consent import request as signed_request
from consent.errors import IdentityMismatch, InvalidToken
from consent.profiles import DURATIONS, PROFESSIONS, default_sections, profession_key
from consent.recipient import Recipient
from vault import (
    EMERGENCY_SUMMARY,
    Dossier,
    Item,
    KeyLookup,
    Keyring,
    Section,
    open_records,
)
from vault.crypto import Random, fingerprint, system_random
from vault.records import DossierRecord
from web import schemas
from web.client.api import Api
from web.client.directory import trusted_entry
from web.client.history import verified_history
from web.client.links import public_origin
from web.client.rotation import sync_grants

__all__ = [
    "DURATIONS",
    "PROFESSIONS",
    "AsContact",
    "GrantPlan",
    "GrantRefused",
    "Issued",
    "Presented",
    "Presenter",
    "Scanned",
    "Signer",
    "contact_code",
    "contact_scan",
    "decrypt_items",
    "issue_contact_grant",
    "issue_grant",
    "issue_planned",
    "list_grants",
    "plan_grant",
    "present",
    "profession_key",
    "request_signer",
    "revoke_grant",
    "scan",
    "verified_history",
]


class Signer(Protocol):
    """Whoever signs requests: a professional's identity, a contact's dossier keys."""

    @property
    def signing_key(self) -> nacl.signing.SigningKey: ...


class Presenter(Signer, Protocol):
    """Who presents a consent token from this client: the recipient the grant must name
    (``consent.recipient``), its signing key and the X25519 secret the grant is sealed to."""

    @property
    def recipient(self) -> Recipient: ...

    @property
    def box_secret(self) -> bytes: ...


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class AsContact:
    """The holder of ``dossier`` acting as someone's emergency contact: a grant made to
    their contact code is sealed to this dossier's own keys."""

    dossier: Dossier

    @property
    def recipient(self) -> Recipient:
        ring = self.dossier.ring
        return Recipient.contact(self.dossier.dossier_id, ring.signing_key.verify_key.encode(),
                                 ring.box_key.public_key.encode(), label="emergency contact")

    @property
    def signing_key(self) -> nacl.signing.SigningKey:
        return self.dossier.ring.signing_key

    @property
    def box_secret(self) -> bytes:
        return self.dossier.ring.box_secret


class GrantRefused(ValueError):
    """The patient's client will not issue this grant (``code`` says why; the message is
    for the patient): the professional is blocked, is not of the profession the patient
    named, or the directory's profession gives no default sections."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class GrantPlan:
    """A grant as it will be issued, checked and shown to the patient before they confirm:
    the professional as the countersigned directory gives them, the sections, write
    permission and the validity."""

    recipient: schemas.ProfessionalBody
    sections: frozenset[Section]
    write: bool
    issued_at: int
    expires_at: int

    @property
    def summary(self) -> dict[str, object]:
        """What the patient is shown (and ``--json`` carries): who, what, how long."""
        r = self.recipient
        return {"recipient": {"ps_id": r.ps_id, "name": r.name, "profession": r.profession,
                              "specialty": r.specialty, "city": r.city},
                "sections": sorted(x.value for x in self.sections), "write": self.write,
                "issued_at": self.issued_at, "expires_at": self.expires_at}


@dataclass(frozen=True, slots=True)
class Issued:
    grant_id: str
    token: bytes
    plan: GrantPlan | None = None
    origin: str = ""  # the deployment's (web.client.links.public_origin), set by the issuers

    @property
    def text(self) -> str:
        """The token's link (what its QR carries); the legacy text if built without origin."""
        return token.to_link(self.token, self.origin) if self.origin else token.to_text(
            self.token)


async def plan_grant(dossier: Dossier, api: Api, ps_id: str,
                     sections: Iterable[Section | str] | None, *, seconds: int,
                     authority_public: bytes, write: bool = False, now: int,
                     expected_fingerprint: bytes | None = None,
                     profession: str | None = None) -> GrantPlan:
    """Everything a grant will say, checked before the patient is asked to confirm: the
    professional's entry must carry the pinned authority's countersignature (and, given an
    identity QR's fingerprint, be that key); the patient must not have blocked them; a
    ``profession`` the patient names must be the directory's (which is authoritative); and
    without explicit ``sections`` the directory's profession must be one whose defaults are
    known, so that nobody silently gets another profession's defaults (:class:`GrantRefused`)."""
    entry = await trusted_entry(api, ps_id, authority_public)
    if (expected_fingerprint is not None
            and fingerprint(entry.sign_public) != expected_fingerprint):
        raise IdentityMismatch()  # the identity QR shown at the desk is the truth
    blocked = await api.get(f"/dossiers/{dossier.dossier_id}/blocks", schemas.BlockList)
    if any(b.ps_id == ps_id for b in blocked.blocks):
        raise GrantRefused("professional_blocked",
                           f"you blocked {entry.name} ({ps_id}): a grant to them is refused; "
                           f"lift the block first (carnet patient unblock {ps_id})")
    known = profession_key(entry.profession)
    if profession is not None and profession_key(profession) != known:
        raise GrantRefused("profession_mismatch",
                           f"{entry.name} ({ps_id}) is '{entry.profession}' in the countersigned "
                           f"directory, not '{profession}': check the idNat_PS; nothing was "
                           "issued")
    if sections is None and known is None:
        raise GrantRefused("profession_unknown",
                           f"the directory gives {entry.name} ({ps_id}) the profession "
                           f"'{entry.profession}', which has no default sections: choose them "
                           "with --section")
    chosen = (default_sections(entry.profession) if sections is None
              else frozenset(Section.parse(s) for s in sections))
    return GrantPlan(recipient=entry, sections=chosen, write=write, issued_at=now,
                     expires_at=now + seconds)


async def issue_planned(dossier: Dossier, api: Api, plan: GrantPlan, *,
                        rng: Random = system_random) -> Issued:
    """Seal the plan's sections' keys to the professional, sign and store the grant, and
    return the consent token (to show as a QR). Items an interrupted masking left under a
    retired key version are rewrapped first, so that the grant (which never carries those)
    opens them."""
    await dossier.finish_rotations()
    entry, ring, grant_id = plan.recipient, dossier.ring, rng(16)
    seconds = plan.expires_at - plan.issued_at
    signed = grant.issue(ring=ring, dossier_id=dossier.dossier_id, recipient_id=entry.ps_id,
                         recipient_sign_public=entry.sign_public,
                         recipient_box_public=entry.box_public, sections=plan.sections,
                         write=plan.write, issued_at=plan.issued_at,
                         expires_at=plan.expires_at, grant_id=grant_id, rng=rng)
    await api.send("POST", f"/dossiers/{dossier.dossier_id}/grants",
                   schemas.GrantUpload(grant=signed.encode()), schemas.GrantInfo)
    issued = _issued(ring, grant_id, plan.sections, write=plan.write, emergency=False,
                     recipient_sign_public=entry.sign_public, now=plan.issued_at,
                     seconds=seconds)
    return Issued(grant_id=issued.grant_id, token=issued.token, plan=plan,
                  origin=await public_origin(api))


async def issue_grant(dossier: Dossier, api: Api, ps_id: str,
                      sections: Iterable[Section | str] | None, *, seconds: int,
                      authority_public: bytes, write: bool = False, now: int,
                      expected_fingerprint: bytes | None = None,
                      profession: str | None = None,
                      rng: Random = system_random) -> Issued:
    """:func:`plan_grant` then :func:`issue_planned`, without asking anyone."""
    plan = await plan_grant(dossier, api, ps_id, sections, seconds=seconds,
                            authority_public=authority_public, write=write, now=now,
                            expected_fingerprint=expected_fingerprint, profession=profession)
    return await issue_planned(dossier, api, plan, rng=rng)


def _issued(ring: Keyring, grant_id: bytes, sections: frozenset[Section], *, write: bool,
            emergency: bool, recipient_sign_public: bytes, now: int, seconds: int) -> Issued:
    """The consent token for a stored grant, signed by the patient."""
    claims = token.TokenClaims(sections=sections, write=write, emergency=emergency,
                               grant_id=grant_id,
                               patient_fpr=fingerprint(ring.signing_key.verify_key.encode()),
                               recipient_fpr=fingerprint(recipient_sign_public), issued_at=now,
                               expires_at=now + seconds)
    return Issued(grant_id=grant_id.hex(), token=token.sign(claims, ring.signing_key))


async def list_grants(dossier: Dossier, api: Api) -> list[schemas.GrantInfo]:
    return (await api.get(f"/dossiers/{dossier.dossier_id}/grants", schemas.GrantList)).grants


async def revoke_grant(dossier: Dossier, api: Api, grant_id: str, *,
                       rng: Random = system_random) -> None:
    """Revoke on the server, then at once rotate the keys the grant carried and re-seal the
    new ones to the grantees that remain (``web.client.rotation.sync_grants``, P5)."""
    await api.call("POST", f"/dossiers/{dossier.dossier_id}/grants/{grant_id}/revoke")
    await sync_grants(dossier, api, rng=rng)


def request_signer(identity: Signer, now: int,
                   rng: Random = system_random) -> Callable[[str, str, bytes], Mapping[str, str]]:
    """Headers proving the professional made this request (nonce + time + signature, the
    format of ``consent.request``)."""
    def sign(method: str, path: str, body: bytes) -> Mapping[str, str]:
        nonce = rng(16)
        signature = signed_request.sign_request(method, path, body, nonce, now,
                                                identity.signing_key)
        return {"x-carnet-nonce": nonce.hex(), "x-carnet-time": str(now),
                "x-carnet-signature": base64.b64encode(signature).decode()}
    return sign


@dataclass(frozen=True, slots=True)
class Scanned:
    dossier_id: str
    sections: frozenset[Section]
    write: bool
    expires_at: int
    items: list[Item]
    unreadable: tuple[str, ...] = ()  # ids of granted items that did not open (hide no other)


@dataclass(frozen=True, slots=True)
class Presented:
    """A consent token presented and everything that came back checked: the patient's
    dossier, the grant (signed by that patient, matching the token, sealed to us), its keys,
    and the ciphertext of the granted items."""

    dossier: DossierRecord
    core: grant.GrantCore
    keys: grant.GrantKeys
    expires_at: int
    items: list[schemas.ItemBody]


async def present(api: Api, me: Presenter, text: str, *, now: int,
                  rng: Random = system_random) -> Presented:
    """POST the token with a signed request; check the patient's signature against the
    fingerprint in the token (P4), the grant's signature, its match with the token and with
    us (``consent.policy``, as the server does), and open the sealed keys with our own key
    (P3)."""
    tok = token.decode(token.from_text(text))
    body = await api.send("POST", "/consent/scan", schemas.ScanRequest(token=text),
                          schemas.ScanBody, signer=request_signer(me, now, rng), msgpack=True)
    dossier = body.dossier.record()
    tok.verify(dossier.sign_public)  # the server cannot substitute another patient's key
    signed = grant.SignedGrant.decode(body.grant)
    grant.verify(signed, dossier.sign_public)  # a grant the server invented fails here
    core, claims = signed.core, tok.claims
    policy.token_matches_grant(claims, core)
    if core.dossier_id != dossier.dossier_id:
        raise InvalidToken()
    policy.presenter_is_recipient(claims, core, me.recipient)
    return Presented(dossier=dossier, core=core,
                     keys=grant.open_keys(signed, me.box_secret),
                     expires_at=min(core.expires_at, claims.expires_at), items=body.items)


def decrypt_items(dossier_id: str, bodies: Iterable[schemas.ItemBody],
                  keys: Mapping[Section, Mapping[str, bytes]],
                  unreadable: list[str] | None = None) -> list[Item]:
    """Decrypt the items wrapped under one of ``keys`` (section -> {ref: key}); any other
    (never a masked item's) is left out, and so is one that does not open or decode (its id
    is appended to ``unreadable`` if given): it never hides the others."""
    lookups = {ref: KeyLookup(ref, key, section) for section, ks in keys.items()
               for ref, key in ks.items()}
    found, failed = open_records((body.record(dossier_id) for body in bodies), lookups.get)
    lookups.clear()  # the grant's keys: held for this listing only
    if unreadable is not None:
        unreadable.extend(failed)
    return found


async def scan(api: Api, me: Presenter, text: str, *, now: int,
               rng: Random = system_random) -> Scanned:
    """Present a consent token and decrypt what it opens."""
    p = await present(api, me, text, now=now, rng=rng)
    unreadable: list[str] = []
    found = decrypt_items(p.dossier.dossier_id, p.items, p.keys.keys, unreadable)
    return Scanned(dossier_id=p.dossier.dossier_id, sections=p.core.sections, write=p.core.write,
                   expires_at=p.expires_at, items=found, unreadable=tuple(unreadable))


def contact_code(dossier: Dossier, origin: str) -> str:
    """This dossier holder's emergency-contact code (to show to the patient naming them), as
    a link on the deployment at ``origin`` (``web.client.links.public_origin``)."""
    ring = dossier.ring
    return contact_format.link(contact_format.Contact(
        dossier_id=dossier.dossier_id, sign_public=ring.signing_key.verify_key.encode(),
        box_public=ring.box_key.public_key.encode()), origin)


async def issue_contact_grant(dossier: Dossier, api: Api, code: str, *, seconds: int,
                              now: int, rng: Random = system_random) -> Issued:
    """A standing grant on the emergency summary to an emergency contact with an account
    (items an interrupted masking left under a retired version are rewrapped first)."""
    await dossier.finish_rotations()
    contact = contact_format.decode(code)
    ring = dossier.ring
    grant_id = rng(16)
    chosen = frozenset(EMERGENCY_SUMMARY)
    signed = grant.issue(ring=ring, dossier_id=dossier.dossier_id,
                         recipient_id=contact.recipient_id,
                         recipient_sign_public=contact.sign_public,
                         recipient_box_public=contact.box_public, sections=chosen,
                         write=False, emergency=True, issued_at=now, expires_at=now + seconds,
                         grant_id=grant_id, rng=rng)
    await api.send("POST", f"/dossiers/{dossier.dossier_id}/grants",
                   schemas.GrantUpload(grant=signed.encode()), schemas.GrantInfo)
    issued = _issued(ring, grant_id, chosen, write=False, emergency=True,
                     recipient_sign_public=contact.sign_public, now=now, seconds=seconds)
    return Issued(grant_id=issued.grant_id, token=issued.token,
                  origin=await public_origin(api))


async def contact_scan(own: Dossier, api: Api, text: str, *, now: int,
                       rng: Random = system_random) -> Scanned:
    """As an emergency contact signed in to their own dossier: open the summary a patient
    granted them (their dossier's keys are the recipient keys)."""
    return await scan(api, AsContact(own), text, now=now, rng=rng)

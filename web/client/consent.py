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
from consent.profiles import DURATIONS, default_sections
from consent.recipient import Recipient
from vault import (
    EMERGENCY_SUMMARY,
    DecryptionFailed,
    Dossier,
    FormatError,
    Item,
    KeyLookup,
    Keyring,
    Section,
    open_item_with_key,
    unwrap_item_key,
)
from vault.crypto import Random, fingerprint, system_random
from vault.records import DossierRecord
from web import schemas
from web.client.api import Api
from web.client.directory import trusted_entry
from web.client.history import verified_history
from web.client.rotation import sync_grants

__all__ = [
    "DURATIONS",
    "AsContact",
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
    "list_grants",
    "present",
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


@dataclass(frozen=True, slots=True)
class Issued:
    grant_id: str
    token: bytes

    @property
    def text(self) -> str:
        return token.to_text(self.token)


async def issue_grant(dossier: Dossier, api: Api, ps_id: str,
                      sections: Iterable[Section | str] | None, *, seconds: int,
                      authority_public: bytes, write: bool = False, now: int,
                      expected_fingerprint: bytes | None = None,
                      rng: Random = system_random) -> Issued:
    """Seal the sections' keys to the named professional (whose directory entry must carry
    the pinned authority's countersignature), sign and store the grant, and return the
    consent token (to show as a QR). Items an interrupted masking left under a retired key
    version are rewrapped first, so that the grant (which never carries those) opens them."""
    await dossier.finish_rotations()
    entry = await trusted_entry(api, ps_id, authority_public)
    if (expected_fingerprint is not None
            and fingerprint(entry.sign_public) != expected_fingerprint):
        raise IdentityMismatch()  # the identity QR shown at the desk is the truth
    chosen = (default_sections(entry.profession) if sections is None
              else frozenset(Section.parse(s) for s in sections))
    ring = dossier.ring
    grant_id = rng(16)
    signed = grant.issue(ring=ring, dossier_id=dossier.dossier_id, recipient_id=ps_id,
                         recipient_sign_public=entry.sign_public,
                         recipient_box_public=entry.box_public, sections=chosen, write=write,
                         issued_at=now, expires_at=now + seconds, grant_id=grant_id, rng=rng)
    await api.send("POST", f"/dossiers/{dossier.dossier_id}/grants",
                   schemas.GrantUpload(grant=signed.encode()), schemas.GrantInfo)
    return _issued(ring, grant_id, chosen, write=write, emergency=False,
                   recipient_sign_public=entry.sign_public, now=now, seconds=seconds)


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
                          schemas.ScanBody, signer=request_signer(me, now, rng))
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
    by_ref = {ref: (section, key) for section, ks in keys.items() for ref, key in ks.items()}
    found: list[Item] = []
    for body in bodies:
        record = body.record(dossier_id)
        hit = by_ref.get(record.key_ref)
        if hit is None:
            continue
        section, key = hit
        try:
            item_key = unwrap_item_key(record, KeyLookup(record.key_ref, key, section), section)
            found.append(open_item_with_key(record, item_key, section))
        except (DecryptionFailed, FormatError):
            if unreadable is not None:
                unreadable.append(record.item_id)
    return found


async def scan(api: Api, me: Presenter, text: str, *, now: int,
               rng: Random = system_random) -> Scanned:
    """Present a consent token and decrypt what it opens."""
    p = await present(api, me, text, now=now, rng=rng)
    unreadable: list[str] = []
    found = decrypt_items(p.dossier.dossier_id, p.items, p.keys.keys, unreadable)
    return Scanned(dossier_id=p.dossier.dossier_id, sections=p.core.sections, write=p.core.write,
                   expires_at=p.expires_at, items=found, unreadable=tuple(unreadable))


def contact_code(dossier: Dossier) -> str:
    """This dossier holder's emergency-contact code (to show to the patient naming them)."""
    ring = dossier.ring
    return contact_format.encode(contact_format.Contact(
        dossier_id=dossier.dossier_id, sign_public=ring.signing_key.verify_key.encode(),
        box_public=ring.box_key.public_key.encode()))


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
    return _issued(ring, grant_id, chosen, write=False, emergency=True,
                   recipient_sign_public=contact.sign_public, now=now, seconds=seconds)


async def contact_scan(own: Dossier, api: Api, text: str, *, now: int,
                       rng: Random = system_random) -> Scanned:
    """As an emergency contact signed in to their own dossier: open the summary a patient
    granted them (their dossier's keys are the recipient keys)."""
    return await scan(api, AsContact(own), text, now=now, rng=rng)

"""The patient's client checks the history (P6): the chain, the server-signed head, what this
device saw last, and that every professional's event is their own request signed by the key
the countersigned directory gives for them, never the same request twice.

The checks are ``consent.audit.verify_history`` (pure); this module only looks up the keys it
needs: for ``ps:<id>`` the directory entry countersigned by the pinned authority (the one
lookup per professional, over the network), and the keys of the grants this patient signed to
them; for ``contact:<id>`` the keys of the grants this patient signed to that contact. The
server hands out all of it, but cannot forge the authority's or the patient's signature: at
worst a key is missing and the history fails to verify (``unknown_actor``).

Known limit: the directory keeps one key per professional (a professional cannot change keys
today). When it gains a key history, the lookup must pass every key with its validity, and
``verify_actors`` must check the one valid at the event's time.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from consent import audit, grant, note
from consent.errors import ConsentError, UntrustedEntry
from consent.recipient import Recipient, contact_dossier
from vault import Dossier
from vault.crypto import Random, system_random
from vault.errors import DecryptionFailed
from web import schemas
from web.client.api import Api, ApiError
from web.client.directory import authority_key, trusted_entry
from web.client.history_text import Person
from web.schemas.history import DeclaredEvent, DeclaredKind

# A declared event's note (``web.server.services.journal``): detail key, sealed purpose.
DECLARED_NOTE: Final = ("what_sealed", "patient-action")

__all__ = ["History", "actor_keys", "declare", "history", "item_titles", "shown_detail",
           "verified_history"]

_PS_ID: Final = re.compile(r"(8\d{11}|0\d{9})")


def _granted_keys(dossier: Dossier, grants: Iterable[schemas.GrantInfo]) -> dict[str, set[bytes]]:
    """actor -> recipient signing keys of the grants this patient signed (checked with the
    patient's own key, from the local keyring: the server cannot add one)."""
    own = dossier.ring.signing_key.verify_key.encode()
    found: dict[str, set[bytes]] = {}
    for info in grants:
        try:
            signed = grant.SignedGrant.decode(info.grant)
            grant.verify(signed, own)
        except (ConsentError, ValueError):
            continue
        core = signed.core
        if core.dossier_id != dossier.dossier_id:
            continue
        actor = Recipient(id=core.recipient_id, sign_public=core.recipient_sign_public,
                          box_public=core.recipient_box_public, label="").actor
        found.setdefault(actor, set()).add(core.recipient_sign_public)
    return found


async def _directory_entry(api: Api, ps_id: str,
                           authority_public: bytes) -> schemas.ProfessionalBody | None:
    """``ps_id``'s entry countersigned by the authority, else None (not in the directory, no
    longer approved, or not countersigned)."""
    if not _PS_ID.fullmatch(ps_id):
        return None
    try:
        return await trusted_entry(api, ps_id, authority_public)
    except (ApiError, UntrustedEntry):
        return None


async def actor_keys(dossier: Dossier, api: Api, actors: Collection[str], *,
                     authority_public: bytes,
                     people: dict[str, Person] | None = None) -> dict[str, frozenset[bytes]]:
    """For each signing actor of the log, the keys that may have signed their events: a
    professional's countersigned directory key and the keys of the patient's grants to them;
    a contact's grant keys. An actor nobody vouches for is left out. ``people``, if given,
    receives the countersigned name and profession of each professional found."""
    if not actors:
        return {}
    grants = await api.get(f"/dossiers/{dossier.dossier_id}/grants", schemas.GrantList)
    keys = _granted_keys(dossier, grants.grants)
    out: dict[str, frozenset[bytes]] = {}
    for actor in sorted(actors):
        found = set(keys.get(actor, ()))
        if actor.startswith("ps:"):
            entry = await _directory_entry(api, actor[len("ps:"):], authority_public)
            if entry is not None:
                found.add(entry.sign_public)
                if people is not None:
                    people[actor] = Person(name=entry.name, profession=entry.profession,
                                           city=entry.city)
        elif contact_dossier(actor) is None:
            continue
        if found:
            out[actor] = frozenset(found)
    return out


@dataclass(frozen=True, slots=True)
class History:
    """A verified history: the events, the head to remember, the server's audit key, and
    the professionals it names (``ps:<id>`` -> name and profession from the countersigned
    directory; one missing is shown by number)."""

    events: list[audit.Event]
    head: audit.ChainHead
    server_public: bytes
    people: Mapping[str, Person] = field(default_factory=dict)


async def history(dossier: Dossier, api: Api, *, server_public: bytes | None,
                  last_seen: audit.ChainHead | None,
                  authority_public: bytes | None = None) -> History:
    """Fetch and verify the history. ``ChainBroken`` for a dropped, reordered or rewritten
    entry, a shrunk log, a bad head or request signature, a professional's event signed by a
    key the countersigned directory does not give (``unknown_actor``) or a request recorded
    twice (``replayed``). ``authority_public`` is the pinned directory authority key (else
    the server's, trusted on first use); ``server_public`` the pinned audit key (else the
    server's)."""
    body = await api.get(f"/dossiers/{dossier.dossier_id}/history", schemas.HistoryBody)
    key = server_public or body.server_public
    events = [audit.decode_event(b) for b in body.events]
    signed_head = audit.SignedHead.decode(body.head)
    # The chain first: a broken chain needs no directory lookup to be reported.
    audit.verify_chain(events, signed_head, key, last_seen=last_seen,
                       dossier_id=dossier.dossier_id)
    authority = authority_public or await authority_key(api)
    people: dict[str, Person] = {}
    # Professionals the patient granted or blocked are named too, not only those who acted.
    named = audit.signing_actors(events) | _named_professionals(events)
    keys = await actor_keys(dossier, api, named, authority_public=authority, people=people)
    head = audit.verify_history(events, signed_head, key, last_seen=last_seen,
                                dossier_id=dossier.dossier_id, actor_keys=keys)
    return History(events=events, head=head, server_public=key, people=people)


def _named_professionals(events: Iterable[audit.Event]) -> frozenset[str]:
    """``ps:<id>`` of every professional a patient's grant or block names."""
    found: set[str] = set()
    for e in events:
        ps_id = e.detail.get("recipient", e.detail.get("professional"))
        if e.actor == "patient" and isinstance(ps_id, str) and _PS_ID.fullmatch(ps_id):
            found.add(f"ps:{ps_id}")
    return frozenset(found)


async def verified_history(dossier: Dossier, api: Api, *, server_public: bytes | None,
                           last_seen: audit.ChainHead | None,
                           authority_public: bytes | None = None
                           ) -> tuple[list[audit.Event], audit.ChainHead, bytes]:
    """``history`` as a tuple: events, the new head to remember and the server key (to pin
    on first use)."""
    h = await history(dossier, api, server_public=server_public, last_seen=last_seen,
                      authority_public=authority_public)
    return h.events, h.head, h.server_public


def shown_detail(dossier: Dossier, event: audit.Event) -> dict[str, str | int]:
    """``event.detail`` as the patient reads it: notes sealed to the patient (who opened a
    card, a break-glass reason, what the patient masked) opened with the dossier's key,
    older plaintext as it is."""
    shown = note.readable_detail(event, dossier.ring.box_secret)
    sealed = shown.pop(DECLARED_NOTE[0], None)
    if isinstance(sealed, str):
        try:
            shown["what"] = note.open_note(sealed, DECLARED_NOTE[1], dossier.ring.box_secret)
        except DecryptionFailed:
            shown["what"] = "(unreadable)"
    return shown


async def declare(dossier: Dossier, api: Api, kind: DeclaredKind, *, what: str = "",
                  count: int | None = None, rng: Random = system_random) -> None:
    """Record one of the patient's own actions the server cannot see (an export, an import,
    masking, unmasking, the recovery code used): ``kind`` from the closed list
    (``consent.audit.DECLARED_KINDS``), ``what`` (a section, an item's title) sealed to the
    patient's own key before it leaves (the server keeps it and cannot read it)."""
    sealed = (note.seal_note(dossier.ring.box_key.public_key.encode(), DECLARED_NOTE[1],
                             what[:200], rng)
              if what else b"")
    await api.call("POST", f"/dossiers/{dossier.dossier_id}/history/events",
                   DeclaredEvent(kind=kind, count=count, what_sealed=sealed))


async def item_titles(dossier: Dossier) -> dict[str, str]:
    """The title of each of the patient's items, by id (for ``history_text``)."""
    return {item.item_id: item.title for item in await dossier.list()}

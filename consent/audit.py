"""The per-dossier audit log: a hash chain with a server-signed head (P6).

Pure: times and keys come from the caller. Byte layouts: ``docs/formats.md`` ("Grants and
the audit log"); the signed request is ``consent.request``'s.

    event   = 0x01 | u64 seq | u64 at | P(kind) | P(actor) | u16 n
              | n × (P(key) | 0x01 P(text) or 0x02 u64)   (keys ascending, distinct)
              | P(request_signature) | P(actor_public)
              P(x) = u16 len(x) | x, text as UTF-8
    h_-1    = 32 zero bytes
    h_n     = BLAKE2b-256(h_{n-1} | event_n, key none, personal "carnet.audit")
    head    = "CARNET-AUDIT-HEAD" | 0x01 | dossier id (16) | u64 seq | h_seq | u64 at
              signed by the server's Ed25519 key
    request = consent.request.request_message, signed by a professional's Ed25519 key; the
              event records method, path, body_hash, nonce and request_at in ``detail`` so
              anyone can re-check it (``verify_request``).

The server is trusted for availability only: it can sign any head. The patient's client
detects a log that shrank or whose already-seen prefix changed by remembering the last head
it verified (``last_seen``); professionals' entries carry their own request signatures, which
the server cannot forge, and ``verify_history`` accepts one only if the key that signed is the
one the countersigned directory gives for that professional (``actor_keys``, looked up by the
caller) and its nonce appears once in the whole log.

Free text that may be medical (a break-glass reason, who opened a card) is kept in ``detail``
only sealed to the patient's X25519 key (``consent.note``).
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping, Sequence
from itertools import pairwise
from typing import Final

from consent._chain import (
    ACTOR_MAX,
    CHAIN_PERSON,
    DETAIL_KEY_MAX,
    DETAIL_MAX_ENTRIES,
    DETAIL_TEXT_MAX,
    GENESIS,
    HASH_BYTES,
    HEAD_CONTEXT,
    HEAD_SIZE,
    KINDS,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    VERSION,
    ChainHead,
    Event,
    SignedHead,
    append,
    chain_hash,
    decode_event,
    encode_event,
    sign_head,
    verify_head,
)
from consent.errors import ChainBroken, Reason
from consent.request import message_with_hash
from vault.crypto import verify_signature

__all__ = [
    "ACTOR_MAX", "CHAIN_PERSON", "DECLARED_KINDS", "DETAIL_KEY_MAX", "DETAIL_MAX_ENTRIES",
    "DETAIL_TEXT_MAX", "GENESIS", "HASH_BYTES", "HEAD_CONTEXT", "HEAD_SIZE", "KINDS",
    "PATIENT_KINDS", "PUBLIC_KEY_BYTES", "SIGNATURE_BYTES", "SIGNED_KINDS", "SIGNING_ACTORS",
    "VERSION", "ChainBroken", "ChainHead", "Event", "SignedHead", "append", "chain_hash",
    "decode_event", "encode_event", "is_signing_actor", "sign_head", "signing_actors",
    "verify_actors", "verify_chain", "verify_head", "verify_history", "verify_request",
]

# --- signed requests ------------------------------------------------------------------------


def verify_request(event: Event) -> None:
    """Re-check a professional's request signature recorded in ``event``.
    ``ChainBroken("bad_signature")`` if it does not check or its fields are unusable."""
    d = event.detail
    try:
        method, path, body_hash, nonce, at = (d["method"], d["path"], d["body_hash"],
                                              d["nonce"], d["request_at"])
        if not (isinstance(method, str) and isinstance(path, str)
                and isinstance(body_hash, str) and isinstance(nonce, str)
                and isinstance(at, int)):
            raise ChainBroken("bad_signature")
        digest = bytes.fromhex(body_hash)
        if len(digest) != 32:
            raise ChainBroken("bad_signature")
        message = message_with_hash(method, path, digest, bytes.fromhex(nonce), at)
    except (KeyError, ValueError):  # includes MalformedAudit
        raise ChainBroken("bad_signature") from None
    if not verify_signature(event.actor_public, message, event.request_signature):
        raise ChainBroken("bad_signature")


# --- verification ---------------------------------------------------------------------------


def _sequence_problem(seqs: Sequence[int], head_seq: int) -> Reason | None:
    """Classify sequence numbers against a head at ``head_seq`` (never builds a list of
    ``head_seq`` elements: a hostile head may claim 2**64 - 1)."""
    count = head_seq + 1
    if len(seqs) == count and all(s == i for i, s in enumerate(seqs)):
        return None
    distinct = len(set(seqs)) == len(seqs)
    in_range = all(0 <= s < count for s in seqs)
    if distinct and in_range:
        return "reordered" if len(seqs) == count else "dropped"
    return "rewritten"


def verify_chain(events: Sequence[Event], signed_head: SignedHead, server_public: bytes, *,
                 last_seen: ChainHead | None, dossier_id: str | None = None) -> ChainHead:
    """Verify the whole log against a server-signed head; return the head to remember as
    the next ``last_seen``. Raises ``ChainBroken`` with the first problem found, in this
    order:

    1. the head's signature (``bad_signature``), its dossier if ``dossier_id`` is given
       (``rewritten``);
    2. ``last_seen`` beyond the head (``shrunk``);
    3. the sequence numbers must be exactly 0..head.seq: a permutation is ``reordered``, a
       subset ``dropped``, anything else ``rewritten``;
    4. the recomputed hash at ``last_seen.seq`` (``rewritten``: the prefix changed) and at
       the end (``rewritten``: it is not what the server signed);
    5. every professional request signature (``bad_signature``);
    6. timestamps never go backwards (``reordered``).

    It proves which key signed each request, not that the key is the professional's: the
    patient's client calls ``verify_history``, which adds ``verify_actors``.
    """
    verify_head(signed_head, server_public)
    if dossier_id is not None and dossier_id != signed_head.dossier_id:
        raise ChainBroken("rewritten", "the history belongs to another dossier")
    if last_seen is not None and last_seen.seq > signed_head.seq:
        raise ChainBroken("shrunk")
    problem = _sequence_problem([e.seq for e in events], signed_head.seq)
    if problem is not None:
        raise ChainBroken(problem)
    current = GENESIS
    for event in events:
        current = chain_hash(current, event)
        if (last_seen is not None and event.seq == last_seen.seq
                and not hmac.compare_digest(current, last_seen.hash)):
            raise ChainBroken("rewritten", "the history changed since it was last verified")
    if not hmac.compare_digest(current, signed_head.hash):
        raise ChainBroken("rewritten")
    for event in events:
        if event.signed_request:
            verify_request(event)
    if any(b.at < a.at for a, b in pairwise(events)):
        raise ChainBroken("reordered")
    return signed_head.head


# --- who signed (P6) ------------------------------------------------------------------------

# Actors whose every event must be their own signed request: professionals and emergency
# contacts with an account. Patient, server and card events carry no request signature.
SIGNING_ACTORS: Final = ("ps:", "contact:")
# Kinds that only such a signed request produces: claimed by anyone else, they are forged.
SIGNED_KINDS: Final = frozenset({"token_scanned", "section_read", "item_written",
                                 "item_deposited", "emergency_access", "token_refused"})
# What the patient does, recorded with actor "patient": the server records what it sees
# (grants, items put or deleted by id, key slots, deposits filed, break-glass, cards) by kind
# and opaque ids only; the patient's client declares what the server cannot see
# (``DECLARED_KINDS``), any detail sealed to the patient (``consent.note``).
PATIENT_KINDS: Final = frozenset({
    "grant_issued", "grant_revoked", "professional_blocked", "mask_changed", "login",
    "export", "closure", "card_issued", "break_glass_changed", "item_added", "item_edited",
    "item_deleted", "keys_changed", "deposit_filed", "import", "item_masked",
    "item_unmasked", "section_masked", "section_unmasked", "recovery_used",
})
# The closed list a patient's client may declare (``POST /dossiers/{id}/history/events``).
DECLARED_KINDS: Final = frozenset({"export", "import", "item_masked", "item_unmasked",
                                   "section_masked", "section_unmasked", "recovery_used"})


def is_signing_actor(actor: str) -> bool:
    """Whether ``actor`` names a professional (``ps:``) or an emergency contact
    (``contact:``): someone whose every event is their own signed request."""
    return actor.startswith(SIGNING_ACTORS) and len(actor) > actor.index(":") + 1


def signing_actors(events: Sequence[Event]) -> frozenset[str]:
    """The actors whose keys the caller must look up before ``verify_actors``."""
    return frozenset(e.actor for e in events if is_signing_actor(e.actor))


def _nonce(event: Event) -> bytes:
    value = event.detail.get("nonce")
    try:
        return bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        return b""


def _broken(reason: Reason, what: str) -> ChainBroken:
    return ChainBroken(reason, f"{ChainBroken.default_detail}: {reason}: {what}")


def verify_actors(events: Sequence[Event], actor_keys: Mapping[str, Collection[bytes]]) -> None:
    """Every professional's (or contact's) event is a valid request signature by a key
    ``actor_keys`` gives for that actor, and no request nonce appears twice. Pure: the caller
    looks the keys up (for ``ps:<id>``, the key of the directory entry countersigned by the
    pinned authority; for ``contact:<id>``, the key of a grant the patient signed) and leaves
    out any actor it could not vouch for.

    Raises ``ChainBroken``, first problem in log order:

    - ``unknown_actor``: an event of a signed kind (``SIGNED_KINDS``) by any other actor, or
      signed by a key that is not among ``actor_keys[actor]`` (absent, swapped directory entry);
    - ``bad_signature``: a professional's event without a request signature, or one that does
      not check;
    - ``replayed``: a nonce already recorded by an earlier event (a copied genuine request).
    """
    seen: set[bytes] = set()
    for event in events:
        where = f"event {event.seq} ({event.kind} by {event.actor})"
        signer = is_signing_actor(event.actor)
        if event.kind in SIGNED_KINDS and not signer:
            raise _broken("unknown_actor", f"{where}: only a professional makes this event")
        if signer:
            if not event.signed_request:
                raise _broken("bad_signature", f"{where}: no request signature")
            if event.actor_public not in actor_keys.get(event.actor, ()):
                raise _broken("unknown_actor", f"{where}: signed by a key the countersigned "
                                               "directory does not give for them")
            try:
                verify_request(event)
            except ChainBroken:
                raise _broken("bad_signature",
                              f"{where}: the request signature does not check") from None
        if event.signed_request:
            nonce = _nonce(event)
            if nonce in seen:
                raise _broken("replayed", f"{where}: the same request appears twice")
            seen.add(nonce)


def verify_history(events: Sequence[Event], signed_head: SignedHead, server_public: bytes, *,
                   last_seen: ChainHead | None, dossier_id: str,
                   actor_keys: Mapping[str, Collection[bytes]]) -> ChainHead:
    """What the patient's client checks (P6): ``verify_chain``, then ``verify_actors``.
    Returns the head to remember as the next ``last_seen``."""
    head = verify_chain(events, signed_head, server_public, last_seen=last_seen,
                        dossier_id=dossier_id)
    verify_actors(events, actor_keys)
    return head

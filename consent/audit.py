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
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Final

import nacl.encoding
import nacl.hash
import nacl.signing

from consent import _codec
from consent._reader import Reader
from consent.errors import ChainBroken, MalformedAudit, Reason
from consent.request import REQUEST_FIELDS, message_with_hash
from vault.crypto import verify_signature

VERSION: Final = 0x01
HEAD_CONTEXT: Final = b"CARNET-AUDIT-HEAD"
CHAIN_PERSON: Final = b"carnet.audit".ljust(16, b"\x00")
HASH_BYTES: Final = 32
GENESIS: Final = bytes(HASH_BYTES)
SIGNATURE_BYTES: Final = 64
PUBLIC_KEY_BYTES: Final = 32
HEAD_SIZE: Final = 1 + 16 + 8 + HASH_BYTES + 8 + SIGNATURE_BYTES  # 129

KINDS: Final = frozenset({
    "grant_issued", "token_scanned", "section_read", "item_written", "item_deposited",
    "grant_revoked", "professional_blocked", "mask_changed", "emergency_access", "login",
    "export", "closure", "card_issued", "card_used",
})

ACTOR_MAX: Final = 128
DETAIL_MAX_ENTRIES: Final = 32
DETAIL_KEY_MAX: Final = 64
DETAIL_TEXT_MAX: Final = 2048
_TEXT: Final = 0x01
_INT: Final = 0x02


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the log. ``detail`` is small and never medical content in plaintext
    (grant id hex, section names, item id, and for a signed request: method, path,
    body_hash, nonce, request_at; free text only as a sealed note, ``consent.note``).
    ``request_signature`` and ``actor_public`` are both empty (patient, server or card
    event) or both set (a professional's or contact's signed request)."""

    seq: int
    at: int
    kind: str
    actor: str
    detail: Mapping[str, str | int] = field(default_factory=dict, hash=False)
    request_signature: bytes = b""
    actor_public: bytes = b""

    def __post_init__(self) -> None:
        if not _codec.is_u64(self.seq) or not _codec.is_u64(self.at):
            raise MalformedAudit("seq and at are unsigned 64-bit integers")
        if self.kind not in KINDS:
            raise MalformedAudit("unknown event kind")
        if not _codec.text_ok(self.actor, ACTOR_MAX, min_bytes=1):
            raise MalformedAudit("the actor is 1 to 128 bytes of text")
        if not isinstance(self.detail, Mapping) or len(self.detail) > DETAIL_MAX_ENTRIES:
            raise MalformedAudit("the detail is a small map")
        for key, value in self.detail.items():
            if not _codec.text_ok(key, DETAIL_KEY_MAX, min_bytes=1):
                raise MalformedAudit("a detail key is 1 to 64 bytes of text")
            if not (_codec.is_u64(value) or _codec.text_ok(value, DETAIL_TEXT_MAX)):
                raise MalformedAudit("a detail value is short text or an unsigned integer")
        signed = bool(self.request_signature) or bool(self.actor_public)
        if not isinstance(self.request_signature, bytes) or not isinstance(self.actor_public,
                                                                           bytes):
            raise MalformedAudit("signature and public key are bytes")
        if signed:
            if (len(self.request_signature) != SIGNATURE_BYTES
                    or len(self.actor_public) != PUBLIC_KEY_BYTES):
                raise MalformedAudit("a signed request has a 64-byte signature and 32-byte key")
            if not all(k in self.detail for k in REQUEST_FIELDS):
                raise MalformedAudit("a signed request's event records the request fields")

    @property
    def signed_request(self) -> bool:
        return bool(self.request_signature)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last entry's sequence number and the chain hash through it."""

    seq: int
    hash: bytes

    def __post_init__(self) -> None:
        if not _codec.is_u64(self.seq) or not isinstance(self.hash, bytes) or len(
                self.hash) != HASH_BYTES:
            raise MalformedAudit("a chain head is a u64 seq and a 32-byte hash")


@dataclass(frozen=True, slots=True)
class SignedHead:
    dossier_id: str
    seq: int
    hash: bytes
    at: int
    signature: bytes

    def __post_init__(self) -> None:
        ChainHead(self.seq, self.hash)
        if (not isinstance(self.dossier_id, str) or len(self.dossier_id) != 32
                or not set(self.dossier_id) <= set("0123456789abcdef")):
            raise MalformedAudit("the dossier id is 32 lowercase hex digits")
        if not _codec.is_u64(self.at):
            raise MalformedAudit("at is an unsigned 64-bit integer")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_BYTES:
            raise MalformedAudit("a head signature is 64 bytes")

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)

    def encode(self) -> bytes:
        """``0x01 | dossier id (16) | u64 seq | hash (32) | u64 at | signature (64)``."""
        return (_codec.Writer().u8(VERSION).raw(bytes.fromhex(self.dossier_id)).u64(self.seq)
                .raw(self.hash).u64(self.at).raw(self.signature).getvalue())

    @classmethod
    def decode(cls, data: bytes) -> SignedHead:
        if not isinstance(data, bytes) or len(data) != HEAD_SIZE or data[0] != VERSION:
            raise MalformedAudit("not a version-1 signed head")
        return cls(dossier_id=data[1:17].hex(), seq=int.from_bytes(data[17:25], "big"),
                   hash=data[25:57], at=int.from_bytes(data[57:65], "big"),
                   signature=data[65:129])


# --- encoding -------------------------------------------------------------------------------


def encode_event(e: Event) -> bytes:
    """The canonical bytes of an event (the module docstring's ``event``)."""
    w = (_codec.Writer().u8(VERSION).u64(e.seq).u64(e.at).p(e.kind.encode("ascii"))
         .p(e.actor.encode("utf-8")).u16(len(e.detail)))
    for key in sorted(e.detail, key=lambda k: k.encode("utf-8")):
        value = e.detail[key]
        w.p(key.encode("utf-8"))
        if isinstance(value, str):
            w.u8(_TEXT).p(value.encode("utf-8"))
        else:
            w.u8(_INT).u64(value)
    return w.p(e.request_signature).p(e.actor_public).getvalue()


def decode_event(data: bytes) -> Event:
    """Parse canonical event bytes; anything else (including a non-canonical key order)
    raises ``MalformedAudit``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedAudit("an event is bytes")
    r = Reader(bytes(data), MalformedAudit, "event")
    try:
        if r.u8() != VERSION:
            raise MalformedAudit("unknown event version")
        seq = r.u64()
        at = r.u64()
        kind = r.p().decode("ascii")
        actor = r.p().decode("utf-8")
        detail: dict[str, str | int] = {}
        previous: bytes | None = None
        for _ in range(r.u16()):
            raw_key = r.p()
            if previous is not None and raw_key <= previous:
                raise MalformedAudit("detail keys must be distinct and ascending")
            previous = raw_key
            tag = r.u8()
            value: str | int
            if tag == _TEXT:
                value = r.p().decode("utf-8")
            elif tag == _INT:
                value = r.u64()
            else:
                raise MalformedAudit("unknown detail value type")
            detail[raw_key.decode("utf-8")] = value
        signature = r.p()
        public = r.p()
        r.end()
    except UnicodeDecodeError:
        raise MalformedAudit("text is not valid UTF-8") from None
    return Event(seq=seq, at=at, kind=kind, actor=actor, detail=detail,
                 request_signature=signature, actor_public=public)


# --- chain ----------------------------------------------------------------------------------


def chain_hash(previous: bytes, event: Event) -> bytes:
    """``BLAKE2b-256(previous | encode_event(event), personal "carnet.audit")``."""
    return nacl.hash.blake2b(previous + encode_event(event), digest_size=HASH_BYTES,
                             person=CHAIN_PERSON, encoder=nacl.encoding.RawEncoder)


def append(head: ChainHead | None, event: Event) -> ChainHead:
    """The head after ``event``. Its seq must follow ``head`` (0 for the first entry);
    otherwise ``ChainBroken`` (``dropped`` for a gap, ``reordered`` for a stale seq)."""
    expected = 0 if head is None else head.seq + 1
    if event.seq != expected:
        raise ChainBroken("dropped" if event.seq > expected else "reordered")
    return ChainHead(event.seq, chain_hash(GENESIS if head is None else head.hash, event))


def _head_message(dossier_id: str, seq: int, hash_: bytes, at: int) -> bytes:
    return (_codec.Writer().raw(HEAD_CONTEXT).u8(VERSION).raw(bytes.fromhex(dossier_id))
            .u64(seq).raw(hash_).u64(at).getvalue())


def sign_head(dossier_id: str, head: ChainHead, at: int,
              server_key: nacl.signing.SigningKey) -> SignedHead:
    """The server's signature over the current head, at time ``at``."""
    probe = SignedHead(dossier_id, head.seq, head.hash, at, bytes(SIGNATURE_BYTES))
    signature = server_key.sign(_head_message(dossier_id, head.seq, head.hash, at)).signature
    return replace(probe, signature=signature)


def verify_head(signed: SignedHead, server_public: bytes) -> None:
    """``ChainBroken("bad_signature")`` unless ``server_public`` signed this head."""
    message = _head_message(signed.dossier_id, signed.seq, signed.hash, signed.at)
    if not verify_signature(server_public, message, signed.signature):
        raise ChainBroken("bad_signature")


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
                                 "item_deposited", "emergency_access"})


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

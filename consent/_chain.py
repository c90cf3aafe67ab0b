"""The audit log's values, byte codec and hash chain: ``Event``, ``ChainHead``,
``SignedHead``, ``encode_event``/``decode_event``, ``chain_hash``, ``append``, ``sign_head`` and
``verify_head``. Private: use them through ``consent.audit``, whose docstring gives the byte
layouts (``docs/formats.md``, "Grants and the audit log"). Pure: times and keys come from the
caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import nacl.encoding
import nacl.hash
import nacl.signing

from consent import _codec
from consent._reader import Reader
from consent.errors import ChainBroken, MalformedAudit
from consent.request import REQUEST_FIELDS
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
    # Issue 10: break-glass on/off, a refused token, and the patient's own actions (the
    # server records what it sees by kind and opaque ids; the client declares the rest).
    "break_glass_changed", "token_refused", "item_added", "item_edited", "item_deleted",
    "keys_changed", "deposit_filed", "import", "item_masked", "item_unmasked",
    "section_masked", "section_unmasked", "recovery_used",
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

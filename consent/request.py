"""What a client signs, besides grants and tokens: the login answer and a professional's
request. Pure; both have known-answer vectors (``tests/vectors/requests.json``).

    login   = "CARNET-LOGIN" | 0x01 | challenge (ASCII)
    request = "CARNET-REQUEST" | 0x01 | P(method) | P(path) | SHA-256(body) (32) | P(nonce)
              | u64 at                       P(x) = u16 len(x) | x, text as UTF-8

The context prefixes keep either signature from being valid as any other signed message.
A request is signed by a professional's Ed25519 key (an emergency contact's dossier key when
they present a grant); the server checks the time window and that the nonce is fresh, and the
audit event of the request records ``request_detail`` so anyone can re-check the signature
(``consent.audit.verify_request``). A value outside the format raises ``MalformedAudit``.
"""

from __future__ import annotations

import hashlib
from typing import Final

import nacl.signing

from consent import _codec
from consent.errors import MalformedAudit

LOGIN_CONTEXT: Final = b"CARNET-LOGIN\x01"

REQUEST_CONTEXT: Final = b"CARNET-REQUEST"
REQUEST_VERSION: Final = 0x01
METHOD_MAX: Final = 16
PATH_MAX: Final = 2048
NONCE_MIN: Final = 16
NONCE_MAX: Final = 64
BODY_HASH_BYTES: Final = 32
# The detail keys a signed request's audit event must carry.
REQUEST_FIELDS: Final = ("method", "path", "body_hash", "nonce", "request_at")


def login_message(challenge: str) -> bytes:
    """What a client signs to answer a login challenge."""
    return LOGIN_CONTEXT + challenge.encode("ascii")


def message_with_hash(method: str, path: str, body_hash: bytes, nonce: bytes, at: int) -> bytes:
    """``request_message`` from the body's SHA-256 (what an audit event keeps) instead of the
    body. ``MalformedAudit`` for a value outside the format."""
    if not (isinstance(method, str) and 1 <= len(method) <= METHOD_MAX
            and method.isascii() and method.isalpha() and method.isupper()):
        raise MalformedAudit("the method is an uppercase ASCII word")
    if not (_codec.text_ok(path, PATH_MAX, min_bytes=1) and path.startswith("/")):
        raise MalformedAudit("the path starts with / and is at most 2048 bytes")
    if not isinstance(body_hash, bytes) or len(body_hash) != BODY_HASH_BYTES:
        raise MalformedAudit("the body hash is 32 bytes")
    if not isinstance(nonce, bytes) or not NONCE_MIN <= len(nonce) <= NONCE_MAX:
        raise MalformedAudit("the nonce is 16 to 64 bytes")
    if not _codec.is_u64(at):
        raise MalformedAudit("the request time is an unsigned 64-bit integer")
    return (_codec.Writer().raw(REQUEST_CONTEXT).u8(REQUEST_VERSION)
            .p(method.encode("ascii")).p(path.encode("utf-8")).raw(body_hash).p(nonce).u64(at)
            .getvalue())


def request_message(method: str, path: str, body: bytes, nonce: bytes, at: int) -> bytes:
    """What a professional's client signs for one request (the module docstring's
    ``request``). ``path`` is the request target as sent (path and query string); ``at`` is
    the client's unix time."""
    return message_with_hash(method, path, hashlib.sha256(body).digest(), nonce, at)


def sign_request(method: str, path: str, body: bytes, nonce: bytes, at: int,
                 key: nacl.signing.SigningKey) -> bytes:
    """The professional's client side: the 64-byte signature of ``request_message``."""
    return key.sign(request_message(method, path, body, nonce, at)).signature


def request_detail(method: str, path: str, body: bytes, nonce: bytes,
                   at: int) -> dict[str, str | int]:
    """The ``detail`` entries an audit event of a signed request records (merge in others)."""
    message_with_hash(method, path, bytes(BODY_HASH_BYTES), nonce, at)  # validates
    return {"method": method, "path": path, "body_hash": hashlib.sha256(body).hexdigest(),
            "nonce": nonce.hex(), "request_at": at}

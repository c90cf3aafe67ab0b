"""Primitives, all from libsodium via PyNaCl, with randomness passed in.

Pure: no clock, no I/O, no global randomness. ``Random`` is any callable returning n
random bytes (``nacl.utils.random`` at the edges, a deterministic one in vector tests).

Sealing to a public key (``seal_to``/``open_sealed``) is libsodium's sealed box
(``crypto_box_seal``) built from its parts, because ``crypto_box_seal`` draws the ephemeral
key itself and cannot take ``rng``:

    sealed = epk (32) | crypto_box(message, nonce = BLAKE2b-192(epk | pk), pk, esk)
    (epk, esk) = crypto_box_seed_keypair(rng(32))

The bytes are exactly a sealed box, so ``crypto_box_seal_open`` (PyNaCl ``SealedBox.decrypt``,
libsodium.js ``crypto_box_seal_open``) opens them, and every blob sealed before with
``SealedBox.encrypt`` still opens with ``open_sealed``. The one remaining use of library
randomness is secretstream's header (attachments, archives).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import nacl.bindings as sodium
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.public
import nacl.pwhash.argon2id as argon2id
import nacl.signing
import nacl.utils

from vault.errors import DecryptionFailed, InvalidInput, WeakParameters

Random = Callable[[int], bytes]
system_random: Final[Random] = nacl.utils.random

KEY_BYTES: Final = 32
NONCE_BYTES: Final = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
TAG_BYTES: Final = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16
SALT_BYTES: Final = argon2id.SALTBYTES  # 16
BOX_PUBLIC_BYTES: Final = sodium.crypto_box_PUBLICKEYBYTES  # 32
SEAL_OVERHEAD: Final = sodium.crypto_box_SEALBYTES  # 48: ephemeral public key + tag

# Argon2id floor (DESIGN: t = 3, 64 MiB). Stored parameters below it are refused.
OPSLIMIT_FLOOR: Final = 3
MEMLIMIT_FLOOR: Final = 64 * 1024 * 1024
# Ceiling to refuse a server that would make a client allocate absurd memory.
MEMLIMIT_CEILING: Final = 1024 * 1024 * 1024
OPSLIMIT_CEILING: Final = 20
PASSPHRASE_MAX_BYTES: Final = 1024


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters stored beside a key slot."""

    salt: bytes
    opslimit: int = OPSLIMIT_FLOOR
    memlimit: int = MEMLIMIT_FLOOR

    def __post_init__(self) -> None:
        if len(self.salt) != SALT_BYTES:
            raise InvalidInput("salt must be 16 bytes")

    def check(self) -> None:
        """Refuse parameters under the floor (a server must not weaken them) or absurd ones."""
        if self.opslimit < OPSLIMIT_FLOOR or self.memlimit < MEMLIMIT_FLOOR:
            raise WeakParameters("key-derivation parameters are below the floor")
        if self.opslimit > OPSLIMIT_CEILING or self.memlimit > MEMLIMIT_CEILING:
            raise WeakParameters("key-derivation parameters are out of range")

    @classmethod
    def new(cls, rng: Random, opslimit: int = OPSLIMIT_FLOOR,
            memlimit: int = MEMLIMIT_FLOOR) -> KdfParams:
        params = cls(salt=rng(SALT_BYTES), opslimit=opslimit, memlimit=memlimit)
        params.check()
        return params


def normalize_passphrase(passphrase: str) -> bytes:
    """NFKC-normalise and encode; the same passphrase typed on any device gives the same bytes."""
    if not isinstance(passphrase, str):
        raise InvalidInput("passphrase must be text")
    data = unicodedata.normalize("NFKC", passphrase).encode("utf-8")
    if not data:
        raise InvalidInput("passphrase must not be empty")
    if len(data) > PASSPHRASE_MAX_BYTES:
        raise InvalidInput("passphrase is too long")
    return data


def stretch(secret: bytes, params: KdfParams) -> bytes:
    """Argon2id(secret, params) -> 32-byte root, after checking the parameters."""
    params.check()
    return argon2id.kdf(KEY_BYTES, secret, params.salt, opslimit=params.opslimit,
                        memlimit=params.memlimit)


def _pad16(value: bytes) -> bytes:
    if len(value) > 16:
        raise InvalidInput("personalisation is at most 16 bytes")
    return value.ljust(16, b"\x00")


def derive(root: bytes, purpose: str, size: int = KEY_BYTES) -> bytes:
    """Subkey = keyed BLAKE2b(key=root, salt=0^16, person=purpose padded to 16 bytes).

    libsodium.js computes the same with ``crypto_generichash_blake2b_salt_personal``.
    """
    return nacl.hash.blake2b(b"", digest_size=size, key=root, salt=b"\x00" * 16,
                             person=_pad16(purpose.encode("ascii")),
                             encoder=nacl.encoding.RawEncoder)


def associated_data(purpose: str, *fields: str | int | bytes) -> bytes:
    """Canonical associated data: each part as u16 big-endian length + bytes.

    Parts: ``CARNET1``, the purpose, then each field (text as UTF-8, ints as u64 big-endian,
    bytes as is). Documented in docs/formats.md.
    """
    return _ad_purpose(purpose) + ad_fields(*fields)


_AD_HEAD: Final = b"\x00\x07CARNET1"


@functools.lru_cache(maxsize=64)
def _ad_purpose(purpose: str) -> bytes:
    """``P("CARNET1") | P(purpose)``, the start of every associated data (a handful)."""
    data = purpose.encode("ascii")
    return _AD_HEAD + len(data).to_bytes(2, "big") + data


def ad_fields(*fields: str | int | bytes) -> bytes:
    """``P(f1) | ... | P(fn)``: the part of ``associated_data`` after the purpose."""
    out = bytearray()
    for field in fields:
        if isinstance(field, bool):
            raise TypeError("booleans are not associated-data fields")
        if isinstance(field, int):
            out += b"\x00\x08"
            out += field.to_bytes(8, "big")
            continue
        data = field.encode("utf-8") if isinstance(field, str) else bytes(field)
        out += len(data).to_bytes(2, "big")
        out += data
    return bytes(out)


def aead_encrypt(key: bytes, plaintext: bytes, ad: bytes, nonce: bytes) -> bytes:
    """XChaCha20-Poly1305-IETF; returns ciphertext || tag (nonce not included)."""
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key)


def aead_decrypt(key: bytes, ciphertext: bytes, ad: bytes, nonce: bytes) -> bytes:
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key)
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError) as exc:
        raise DecryptionFailed() from exc


def signing_key(seed: bytes) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(seed)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``.

    libsodium's ``crypto_sign_open`` directly, as ``VerifyKey.verify`` calls it, without
    building a ``VerifyKey`` per check (a quarter of a token check, issue 14); the sizes
    ``VerifyKey`` would check are checked here."""
    if (not isinstance(public_key, bytes) or len(public_key) != sodium.crypto_sign_PUBLICKEYBYTES
            or not isinstance(signature, bytes) or len(signature) != sodium.crypto_sign_BYTES
            or not isinstance(message, bytes | bytearray)):
        return False
    try:
        sodium.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, TypeError):
        return False
    return True


def fingerprint(public_key: bytes, size: int = 16) -> bytes:
    """Short fingerprint of a public key (BLAKE2b, person ``carnet.fpr``). Remembered for the
    last few thousand keys (bytes only): the same dossiers' and professionals' keys come back
    on every request."""
    if type(public_key) is bytes and type(size) is int:
        return _fingerprint(public_key, size)
    return _fingerprint.__wrapped__(public_key, size)


@functools.lru_cache(maxsize=4096)
def _fingerprint(public_key: bytes, size: int) -> bytes:
    return nacl.hash.blake2b(public_key, digest_size=size, person=_pad16(b"carnet.fpr"),
                             encoder=nacl.encoding.RawEncoder)


def seal_to(public_key: bytes, message: bytes, rng: Random) -> bytes:
    """Seal ``message`` to an X25519 public key (a sealed box whose ephemeral key comes from
    ``rng``; see the module docstring). ``InvalidInput`` if the key is not usable."""
    if not isinstance(public_key, bytes) or len(public_key) != BOX_PUBLIC_BYTES:
        raise InvalidInput("a box public key is 32 bytes")
    try:
        eph_public, eph_secret = sodium.crypto_box_seed_keypair(rng(32))
        nonce = nacl.hash.blake2b(eph_public + public_key, digest_size=24,
                                  encoder=nacl.encoding.RawEncoder)
        return eph_public + sodium.crypto_box(message, nonce, public_key, eph_secret)
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError) as exc:
        raise InvalidInput("this box public key is not usable") from exc


def open_sealed(secret_key: bytes, blob: bytes) -> bytes:
    """Open a sealed box with the recipient's X25519 secret key; ``DecryptionFailed`` for
    anything that does not open (wrong key, altered or truncated blob)."""
    try:
        return bytes(nacl.public.SealedBox(nacl.public.PrivateKey(secret_key)).decrypt(blob))
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError) as exc:
        raise DecryptionFailed() from exc

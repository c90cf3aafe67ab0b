"""The one sealed-box recipe (``vault.crypto.seal_to``/``open_sealed``) and the one Crockford
base32 (``vault.crockford``) shared by recovery and activation codes."""

from __future__ import annotations

import nacl.public
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import DeterministicRandom
from vault import crockford, recovery
from vault.crypto import SEAL_OVERHEAD, open_sealed, seal_to
from vault.errors import DecryptionFailed, InvalidInput

KEY = nacl.public.PrivateKey(bytes(range(32)))
PUBLIC = KEY.public_key.encode()


def test_seal_to_is_a_libsodium_sealed_box_drawn_from_rng() -> None:
    a = seal_to(PUBLIC, b"keys", DeterministicRandom(b"seal"))
    assert a == seal_to(PUBLIC, b"keys", DeterministicRandom(b"seal"))  # reproducible
    assert a != seal_to(PUBLIC, b"keys", DeterministicRandom(b"other"))
    assert len(a) == len(b"keys") + SEAL_OVERHEAD
    assert nacl.public.SealedBox(KEY).decrypt(a) == b"keys"  # libsodium's own opener
    assert open_sealed(KEY.encode(), a) == b"keys"


def test_open_sealed_opens_what_libsodium_sealed_before() -> None:
    old = nacl.public.SealedBox(KEY.public_key).encrypt(b"stored before the change")
    assert open_sealed(KEY.encode(), bytes(old)) == b"stored before the change"


def test_sealing_failures() -> None:
    sealed = seal_to(PUBLIC, b"x", DeterministicRandom(b"f"))
    other = nacl.public.PrivateKey(bytes(32 * [7])).encode()
    for secret, blob in ((other, sealed), (KEY.encode(), sealed[:-1]),
                         (KEY.encode(), sealed[:40] + bytes([sealed[40] ^ 1]) + sealed[41:]),
                         (b"short", sealed)):
        with pytest.raises(DecryptionFailed):
            open_sealed(secret, blob)
    for public in (b"short", bytes(32)):  # wrong size; the all-zero (low-order) point
        with pytest.raises(InvalidInput):
            seal_to(public, b"x", DeterministicRandom(b"f"))


@given(st.integers(0, 2**50 - 1))
def test_crockford_round_trip(value: int) -> None:
    text = crockford.encode(value, 10)
    assert len(text) == 10 and set(text) <= set(crockford.ALPHABET)
    assert crockford.decode(text) == value


def test_crockford_reads_look_alikes_and_refuses_the_rest() -> None:
    assert crockford.decode("O1IL") == crockford.decode("0111")
    assert all(crockford.is_symbol(c) for c in crockford.ALPHABET + "OIL")
    for bad in ("U", "a", "-", " "):
        assert not crockford.is_symbol(bad)
        with pytest.raises(ValueError):
            crockford.decode(bad)
    with pytest.raises(ValueError):
        crockford.encode(32, 1)


def test_recovery_codes_keep_their_leniency() -> None:
    code = recovery.generate(DeterministicRandom(b"crockford recovery"))
    secret = recovery.parse(code)
    assert recovery.parse(code.lower().replace("-", " ")) == secret
    assert recovery.parse(code.replace("0", "O").replace("1", "I")) == secret

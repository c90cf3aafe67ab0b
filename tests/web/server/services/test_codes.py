"""Activation codes: shape, entropy, normalisation, keyed hashes, policies."""

from __future__ import annotations

import datetime
import hmac
import os
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from web.server.services.codes import (
    ALPHABET,
    CHANNEL_POLICIES,
    CODE_BITS,
    EMAIL_CODE_POLICY,
    PHARMACY_CODE_POLICY,
    POST_CODE_POLICY,
    CodePolicy,
    codes_match,
    generate_code,
    hash_code,
    normalize_code,
)
from web.server.services.errors import ActivationFailed

PEPPER = bytes(range(32))
SHAPE = re.compile(rf"[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}")


def fixed(value: bytes) -> Callable[[int], bytes]:
    def rng(n: int) -> bytes:
        assert n == len(value)
        return value
    return rng


def test_shape_and_alphabet() -> None:
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)
    assert CODE_BITS >= 50
    for _ in range(200):
        assert SHAPE.fullmatch(generate_code(os.urandom))


def test_extremes() -> None:
    assert generate_code(fixed(bytes(7))) == "00000-00000"
    assert generate_code(fixed(b"\xff" * 7)) == "ZZZZZ-ZZZZZ"


def test_each_of_the_50_bits_reaches_the_code() -> None:
    # The code keeps the top 50 of the 56 bits drawn: flipping any of them changes it.
    base = generate_code(fixed(bytes(7)))
    seen = {base}
    for bit in range(6, 56):
        flipped = (1 << bit).to_bytes(7, "big")
        seen.add(generate_code(fixed(flipped)))
    assert len(seen) == 51


def test_random_codes_spread_over_the_alphabet() -> None:
    drawn = [generate_code(os.urandom).replace("-", "") for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    for position in range(10):
        assert {code[position] for code in drawn} == set(ALPHABET)


def test_rng_must_return_what_was_asked() -> None:
    with pytest.raises(ValueError, match="wrong number"):
        generate_code(lambda n: bytes(n - 1))


@pytest.mark.parametrize(("typed", "canonical"), [
    ("ab1cd-ef2gh", "AB1CD-EF2GH"),
    ("AB1CDEF2GH", "AB1CD-EF2GH"),
    (" ab 1cd  ef2 gh ", "AB1CD-EF2GH"),
    ("AB1CD–EF2GH", "AB1CD-EF2GH"),  # en dash pasted from a document
    ("ABICD-EFLGH", "AB1CD-EF1GH"),  # I and L read as 1
    ("oo0OO-ilIL1", "00000-11111"),  # O read as 0
    ("ＡＢ１ＣＤ-ＥＦ２ＧＨ", "AB1CD-EF2GH"),  # full-width keyboard
    ("A-B-1-C-D-E-F-2-G-H", "AB1CD-EF2GH"),
])
def test_normalisation(typed: str, canonical: str) -> None:
    assert normalize_code(typed) == canonical


@pytest.mark.parametrize("typed", ["", "ABCD-EFGH", "ABCDE-FGHJKM", "ABCDE-FGHJU",
                                   "ABCDE_FGHJK", "ABCDE.FGHJK", "ÀBCDE-FGHJK", "A" * 1000,
                                   "ABCDE\x00FGHJK"])
def test_wrong_shapes_fail_opaquely(typed: str) -> None:
    with pytest.raises(ActivationFailed) as caught:
        normalize_code(typed)
    assert caught.value.code == "activation_failed"
    assert str(caught.value) == ActivationFailed().detail
    if typed:
        assert typed not in str(caught.value)


@given(st.binary(min_size=7, max_size=7), st.data())
def test_round_trip(raw: bytes, data: st.DataObject) -> None:
    code = generate_code(fixed(raw))
    assert normalize_code(code) == code
    # However it is retyped (case, grouping, spaces), it normalises back.
    symbols = code.replace("-", "")
    retyped = "".join(
        data.draw(st.sampled_from([c, c.lower()])) + data.draw(st.sampled_from(["", " ", "-"]))
        for c in symbols)
    assert normalize_code(retyped) == code


@given(st.text(max_size=80))
def test_normalise_raises_only_activation_failed(text: str) -> None:
    try:
        result = normalize_code(text)
    except ActivationFailed:
        return
    assert SHAPE.fullmatch(result)


def test_hash_is_keyed_blake2b_of_the_canonical_code() -> None:
    expected = blake2b(b"AB1CD-EF2GH", digest_size=32, key=PEPPER, person=b"carnet.actcode",
                       encoder=RawEncoder)
    assert hash_code("AB1CD-EF2GH", PEPPER) == expected
    assert hash_code("ab1cd ef2gh", PEPPER) == expected
    assert len(expected) == 32


def test_hash_depends_on_pepper_and_code() -> None:
    assert hash_code("AB1CD-EF2GH", PEPPER) != hash_code("AB1CD-EF2GH", bytes(32))
    assert hash_code("AB1CD-EF2GH", PEPPER) != hash_code("AB1CD-EF2GJ", PEPPER)


def test_pepper_size_is_checked_without_echoing_it() -> None:
    for pepper in (b"", b"short", bytes(65)):
        with pytest.raises(ValueError, match="pepper") as caught:
            hash_code("AB1CD-EF2GH", pepper)
        assert repr(pepper) not in str(caught.value)
    with pytest.raises(ValueError, match="pepper"):
        codes_match(bytes(32), "AB1CD-EF2GH", b"short")


def test_codes_match() -> None:
    stored = hash_code("AB1CD-EF2GH", PEPPER)
    assert codes_match(stored, "ab1cd-ef2gh", PEPPER)
    assert codes_match(stored, "AB1CDEF2GH", PEPPER)
    assert not codes_match(stored, "AB1CD-EF2GJ", PEPPER)
    assert not codes_match(stored, "AB1CD-EF2GH", bytes(32))
    assert not codes_match(stored, "not a code", PEPPER)
    assert not codes_match(stored[:16], "AB1CD-EF2GH", PEPPER)
    assert not codes_match(b"", "AB1CD-EF2GH", PEPPER)


def test_codes_match_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("web.server.services.codes.hmac.compare_digest", spy)
    stored = hash_code("AB1CD-EF2GH", PEPPER)
    assert codes_match(stored, "AB1CD-EF2GH", PEPPER)
    assert not codes_match(stored, "AB1CD-EF2GJ", PEPPER)
    assert len(calls) == 2


def test_channel_policies() -> None:
    month = 30 * 24 * 3600
    assert POST_CODE_POLICY.ttl_seconds == month
    assert EMAIL_CODE_POLICY.ttl_seconds == month
    assert PHARMACY_CODE_POLICY.ttl_seconds == 3600
    assert CHANNEL_POLICIES["pharmacy"] is PHARMACY_CODE_POLICY
    assert all(p.max_attempts == 5 for p in CHANNEL_POLICIES.values())
    with pytest.raises(TypeError):
        CHANNEL_POLICIES["post"] = PHARMACY_CODE_POLICY  # type: ignore[index]


def test_policy_expiry_and_attempts() -> None:
    issued = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)
    policy = CodePolicy(ttl_seconds=3600, max_attempts=3)
    assert policy.expires_at(issued) == issued + datetime.timedelta(hours=1)
    assert not policy.is_expired(issued, now=issued + datetime.timedelta(minutes=59))
    assert policy.is_expired(issued, now=issued + datetime.timedelta(hours=1))
    assert not policy.is_exhausted(2)
    assert policy.is_exhausted(3)
    with pytest.raises(AttributeError):
        policy.ttl_seconds = 1  # type: ignore[misc]


@pytest.mark.parametrize(("ttl", "attempts"), [(0, 5), (-1, 5), (60, 0)])
def test_policy_rejects_nonsense(ttl: int, attempts: int) -> None:
    with pytest.raises(ValueError):
        CodePolicy(ttl_seconds=ttl, max_attempts=attempts)

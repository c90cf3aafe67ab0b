"""Bounded decoders in ``consent`` (issue 9 item 4, P13): deeply nested (up to 100,000 levels)
and oversized MessagePack sealed properly (so only decoding can fail) inside a grant, an
emergency card package, a break-glass package or a deposit gives the package's own error;
and the binary and text formats (tokens, grants, audit events and heads, cards, contact and
identity codes, directory entries) fed nested or oversized bytes give only theirs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msgspec
import nacl.public
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent import audit, base45, card, contact, deposit, grant, identity, token
from consent.errors import (
    ConsentError,
    InvalidDeposit,
    InvalidGrant,
    InvalidToken,
    MalformedAudit,
    MalformedGrant,
    NotACard,
    NotAContact,
    NotAnIdentity,
    NotAToken,
    PackageUnreadable,
)
from tests.support import DeterministicRandom
from tests.vault.hostile import OPENERS, TAILS, deep_item, nested, spliced
from vault import envelope, items
from vault.crypto import associated_data, seal_to, system_random
from vault.errors import FormatError
from vault.keyring import Keyring
from vault.sections import Section

DOSSIER = "0123456789abcdef0123456789abcdef"
DEEP = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
depths = st.integers(min_value=1, max_value=100_000)
openers = st.sampled_from(OPENERS)
tails = st.sampled_from(TAILS)

_RNG = DeterministicRandom(b"bounded consent tests")
RING = Keyring.new(_RNG)
RECIPIENT = nacl.public.PrivateKey(_RNG(32))


def _grant_with_payload(payload: bytes) -> grant.SignedGrant:
    """A grant to RECIPIENT whose sealed keys are ``payload`` (the core names its hash)."""
    signed = grant.issue(ring=RING, dossier_id=DOSSIER, recipient_id="810001234567",
                         recipient_sign_public=bytes(32),
                         recipient_box_public=RECIPIENT.public_key.encode(),
                         sections={Section.ALLERGIES}, write=True, issued_at=1,
                         expires_at=2, grant_id=_RNG(16), rng=system_random)
    sealed = seal_to(RECIPIENT.public_key.encode(), payload, system_random)
    core = replace(signed.core, sealed_keys_hash=grant.sealed_keys_hash(sealed))
    return grant.SignedGrant(core=core, sealed=sealed, signature=signed.signature)


def _payload(inner: bytes, where: str) -> bytes:
    fields: dict[str, Any] = {"grant_id": bytes(16), "keys": {"allergies": {}},
                              "current": {"allergies": "00" * 16}}
    if where == "keys":
        fields["keys"] = {"allergies": "\x00hole\x00"}
    else:
        fields[where] = "\x00hole\x00"
    return b"\x01" + spliced(fields, inner)


# ------------------------------------------------------------------------- grants
@DEEP
@given(depths, openers, tails, st.sampled_from(["keys", "current", "grant_id", "extra"]))
def test_grant_keys_deep_are_invalid_grant(n: int, opener: bytes, tail: bytes,
                                           where: str) -> None:
    signed = _grant_with_payload(_payload(nested(n, opener, tail), where))
    with pytest.raises(InvalidGrant):
        grant.open_keys(signed, RECIPIENT.encode())


def test_grant_keys_oversized_are_invalid_grant() -> None:
    size = grant.MAX_SEALED_BYTES
    signed = _grant_with_payload(b"\x01\xc6" + size.to_bytes(4, "big") + bytes(size))
    with pytest.raises(InvalidGrant):
        grant.open_keys(signed, RECIPIENT.encode())


def test_a_real_grant_still_opens() -> None:
    signed = grant.issue(ring=RING, dossier_id=DOSSIER, recipient_id="810001234567",
                         recipient_sign_public=bytes(32),
                         recipient_box_public=RECIPIENT.public_key.encode(),
                         sections={Section.ALLERGIES, Section.BLOOD_GROUP}, write=False,
                         issued_at=1, expires_at=2, grant_id=_RNG(16), rng=system_random)
    assert set(grant.open_keys(signed, RECIPIENT.encode()).keys) == {
        Section.ALLERGIES, Section.BLOOD_GROUP}


# ------------------------------------------------------------------------- cards
def _keys_map(inner: bytes, where: str) -> bytes:
    value: dict[str, Any] = ({"allergies": "\x00hole\x00"} if where == "section"
                             else {"allergies": {"00" * 16: "\x00hole\x00"}})
    return b"\x01" + spliced(value, inner)


def _card_package(data: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    card_id, card_share, server_share = _RNG(16), _RNG(32), _RNG(32)
    key = bytes(a ^ b for a, b in zip(card_share, server_share, strict=True))
    package = envelope.seal(key, data, associated_data("card", DOSSIER, card_id), system_random)
    return package, card_share, server_share, card_id


@DEEP
@given(depths, openers, tails, st.sampled_from(["section", "key"]))
def test_card_and_break_glass_packages_deep_are_unreadable(n: int, opener: bytes, tail: bytes,
                                                           where: str) -> None:
    data = _keys_map(nested(n, opener, tail), where)
    package, card_share, server_share, card_id = _card_package(data)
    with pytest.raises(PackageUnreadable):
        card.open_card_package(package, card_share, server_share, DOSSIER, card_id)
    with pytest.raises(PackageUnreadable):
        card.open_for_service(seal_to(RECIPIENT.public_key.encode(), data, system_random),
                              RECIPIENT.encode())


def test_card_packages_oversized_are_unreadable() -> None:
    size = card.PACKAGE_MAX_BYTES
    data = b"\x01\xc6" + size.to_bytes(4, "big") + bytes(size)
    package, card_share, server_share, card_id = _card_package(data)
    with pytest.raises(PackageUnreadable):
        card.open_card_package(package, card_share, server_share, DOSSIER, card_id)
    with pytest.raises(PackageUnreadable):
        card.open_for_service(seal_to(RECIPIENT.public_key.encode(), data, system_random),
                              RECIPIENT.encode())


def test_a_real_card_still_opens() -> None:
    made = card.new_card(RING, DOSSIER, system_random)
    keys = card.open_card_package(made.package, made.card_share, made.server_share, DOSSIER,
                                  made.card_id)
    assert set(keys) == set(card.summary_keys(RING))


# ------------------------------------------------------------------------- deposits
@DEEP
@given(st.integers(min_value=items.ITEM_MAX_DEPTH + 1, max_value=100_000), openers, tails)
def test_deposits_deep_are_a_format_error(n: int, opener: bytes, tail: bytes) -> None:
    """A deposit opens (it is sealed properly) but its item does not decode: the patient's
    filing reports it (``FormatError``) and goes on."""
    sealed = deposit.seal(b"\x01" + spliced({"body": "\x00hole\x00"}, nested(n, opener, tail)),
                          RECIPIENT.public_key.encode(), system_random)
    plaintext = deposit.open_(sealed, RECIPIENT.encode())
    with pytest.raises(FormatError):
        items.decode(plaintext, item_id="ab" * 16, revision=1)


def test_the_issue_deposit_is_a_format_error() -> None:
    sealed = deposit.seal(deep_item(1500), RECIPIENT.public_key.encode(), system_random)
    with pytest.raises(FormatError, match="nested deeper"):
        items.decode(deposit.open_(sealed, RECIPIENT.encode()), item_id="ab" * 16, revision=1)
    with pytest.raises(InvalidDeposit):
        deposit.open_(nested(100_000), RECIPIENT.encode())


# ------------------------------------------------------------------------- binary and text
Errors = type[ConsentError] | tuple[type[ConsentError], ...]
BINARY: list[tuple[Callable[[bytes], object], Errors]] = [
    (token.decode, InvalidToken),
    (grant.SignedGrant.decode, (MalformedGrant, InvalidGrant)),
    (audit.decode_event, MalformedAudit),
    (audit.SignedHead.decode, MalformedAudit),
]
TEXT: list[tuple[Callable[[str], object], Errors, str]] = [
    (lambda text: token.decode(token.from_text(text)), (NotAToken, InvalidToken),
     token.URL_PREFIX),
    (contact.decode, NotAContact, contact._TEXT.prefix),
    (identity.decode, NotAnIdentity, identity._TEXT.prefix),
    (card.parse_card, NotACard, card.CARD_PREFIX),
]


@DEEP
@given(depths, openers, tails, st.sampled_from([b"", b"\x01", b"\x02"]))
def test_binary_formats_fed_nested_bytes_raise_their_own_error(
        n: int, opener: bytes, tail: bytes, version: bytes) -> None:
    data = version + nested(n, opener, tail)
    for decode, error in BINARY:
        try:
            decode(data)
        except error:
            continue
        raise AssertionError(f"{decode} accepted nested bytes")


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=4_000), openers, st.booleans())
def test_text_formats_fed_nested_bytes_raise_their_own_error(n: int, opener: bytes,
                                                             json_like: bool) -> None:
    for decode, error, prefix in TEXT:
        payloads = ["[" * n + "]" * n] if json_like else [
            base45.encode(b"\x01" + nested(n, opener)), base45.encode(nested(n, opener))]
        for payload in payloads:
            try:
                decode(prefix + payload)
            except error:
                continue
            raise AssertionError(f"{decode} accepted nested bytes")


def test_text_formats_refuse_oversized_text() -> None:
    big = "A" * 3_000_000
    for decode, error, prefix in TEXT:
        with pytest.raises(error):
            decode(prefix + big)


def test_every_consent_error_here_is_the_packages() -> None:
    for _, error in BINARY:
        for cls in error if isinstance(error, tuple) else (error,):
            assert issubclass(cls, ConsentError)
    for _, error, _ in TEXT:
        for cls in error if isinstance(error, tuple) else (error,):
            assert issubclass(cls, ConsentError)
    assert issubclass(PackageUnreadable, ConsentError)
    assert issubclass(InvalidGrant, ConsentError)


def test_no_raw_msgspec_decoder_is_left_in_consent() -> None:
    for module in (audit, card, contact, deposit, grant, identity, token):
        for name, value in vars(module).items():
            assert not isinstance(value, msgspec.msgpack.Decoder | msgspec.json.Decoder), name

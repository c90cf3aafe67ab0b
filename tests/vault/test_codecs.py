"""Property tests: every byte format round-trips, and bad bytes raise the vault's own errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import DeterministicRandom
from vault import archive, envelope, items, keyring, recovery, tombstone
from vault.crypto import associated_data
from vault.errors import DecryptionFailed, FormatError, InvalidInput, VaultError
from vault.items import AttachmentRef, Author
from vault.sections import ITEM_TYPES, Section

KEY = bytes(range(32))
rng = DeterministicRandom(b"codec tests")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=40)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
titles = st.text(min_size=1, max_size=200).map(str.strip).filter(
    lambda t: bool(t) and not any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127
                                  for c in t))


@st.composite
def drafts(draw: st.DrawFn) -> items.Draft:
    section = draw(st.sampled_from(list(Section)))
    return items.draft(section, draw(st.sampled_from(sorted(ITEM_TYPES[section]))),
                       draw(titles), draw(st.dates(min_value=__import__("datetime").date(1900, 1,
                                                                                        1))),
                       draw(st.dictionaries(st.text(max_size=10), json_values, max_size=5)),
                       draw(st.sampled_from([Author.patient(),
                                             Author.professional("810001234567", "Dr X")])))


@given(st.binary(max_size=2000), st.binary(max_size=64))
def test_envelope_roundtrip(plaintext: bytes, ad: bytes) -> None:
    assert envelope.open_(KEY, envelope.seal(KEY, plaintext, ad, rng), ad) == plaintext


@given(st.binary(max_size=200), st.data())
def test_envelope_any_change_fails(plaintext: bytes, data: st.DataObject) -> None:
    blob = envelope.seal(KEY, plaintext, b"ad", rng)
    i = data.draw(st.integers(0, len(blob) - 1))
    bit = data.draw(st.integers(0, 7))
    broken = bytearray(blob)
    broken[i] ^= 1 << bit
    with pytest.raises(DecryptionFailed):
        envelope.open_(KEY, bytes(broken), b"ad")
    with pytest.raises(DecryptionFailed):
        envelope.open_(KEY, blob[: data.draw(st.integers(0, len(blob) - 1))], b"ad")
    with pytest.raises(DecryptionFailed):
        envelope.open_(KEY, blob, b"other ad")


@given(st.binary(max_size=300))
def test_envelope_garbage_raises_own_error(blob: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        envelope.open_(KEY, blob, b"")


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(drafts(), st.integers(0, 2**40))
def test_item_plaintext_roundtrip(d: items.Draft, created_at: int) -> None:
    att = AttachmentRef(id="ab" * 16, name="a.pdf", media_type="application/pdf", size=3,
                        chunks=1, key=b"k" * 32, header=b"h" * 24)
    for attachment in (None, att):
        got = items.decode(items.encode(d, created_at=created_at, attachment=attachment),
                           item_id="cd" * 16, revision=7)
        assert (got.section, got.item_type, got.title, got.date, got.body, got.author,
                got.created_at, got.attachment) == (d.section, d.item_type, d.title, d.date,
                                                     d.body, d.author, created_at, attachment)


@given(st.binary(max_size=400))
def test_item_plaintext_garbage_raises_format_error(data: bytes) -> None:
    with contextlib.suppress(FormatError):
        items.decode(data, item_id="cd" * 16, revision=1)


@given(st.binary(max_size=100))
def test_item_unknown_version_is_refused(rest: bytes) -> None:
    with pytest.raises(FormatError):
        items.decode(b"\x02" + rest, item_id="cd" * 16, revision=1)


def test_keyring_roundtrip_and_rotation() -> None:
    ring = keyring.Keyring.new(rng)
    ring2 = ring.rotate(Section.ALLERGIES, rng).with_masked(Section.PERSONAL_NOTES, True)
    ring2 = ring2.with_rotation_pending(frozenset({Section.CARE_HISTORY}))
    for r in (ring, ring2):
        back = keyring.decode(keyring.encode(r))
        assert back == r
        assert keyring.open_(keyring.seal(r, KEY, "ab" * 16, 3, rng), KEY, "ab" * 16, 3) == r
    assert len(ring2.section_keys(Section.ALLERGIES)) == 2
    assert ring2.lookup(ring.current(Section.ALLERGIES).ref).section == Section.ALLERGIES
    with pytest.raises(DecryptionFailed):  # a keyring replayed at another version
        keyring.open_(keyring.seal(ring, KEY, "ab" * 16, 3, rng), KEY, "ab" * 16, 4)


@given(st.binary(max_size=300))
def test_keyring_garbage_raises_format_error(data: bytes) -> None:
    with pytest.raises(FormatError):
        keyring.decode(data)


@given(st.binary(min_size=0, max_size=200))
def test_tombstone_garbage(data: bytes) -> None:
    try:
        t = tombstone.decode(data)
    except FormatError:
        return
    assert tombstone.encode(t) == data


def test_tombstone_roundtrip_and_unknown_version() -> None:
    import nacl.signing
    t = tombstone.sign("ef" * 16, 1_800_000_000, nacl.signing.SigningKey(b"s" * 32))
    data = tombstone.encode(t)
    assert tombstone.decode(data) == t and t.verify()
    with pytest.raises(FormatError):
        tombstone.decode(b"\x02" + data[1:])
    with pytest.raises(FormatError):
        tombstone.decode(data[:-1])


@given(st.integers(0, 2**32))
def test_recovery_code_roundtrip(seed: int) -> None:
    r = DeterministicRandom(seed.to_bytes(8, "big"))
    code = recovery.generate(r)
    assert recovery.parse(code) == DeterministicRandom(seed.to_bytes(8, "big"))(18)
    assert recovery.parse(code.lower().replace("-", " ")) == recovery.parse(code)


@given(st.text(max_size=50))
def test_recovery_code_garbage(text: str) -> None:
    with pytest.raises(InvalidInput):
        recovery.parse(text)


@given(st.binary(max_size=400))
def test_archive_garbage_raises_vault_error(data: bytes) -> None:
    with pytest.raises(VaultError):
        archive.open_(data, passphrase="x")
    with pytest.raises(VaultError):
        archive.open_(archive.MAGIC + b"\x01" + data, passphrase="x")


def test_associated_data_layout() -> None:
    assert associated_data("p", "ab", 1, b"\x00") == (
        b"\x00\x07CARNET1" b"\x00\x01p" b"\x00\x02ab" b"\x00\x08" + (1).to_bytes(8, "big")
        + b"\x00\x01\x00")


def test_key_holders_do_not_print_their_keys() -> None:
    ring = keyring.Keyring.new(rng)
    shown = (repr(ring) + repr(ring.current(Section.ALLERGIES))
             + repr(ring.sections[Section.ALLERGIES]))
    for secret in (ring.sign_seed, ring.box_secret, ring.mask_key,
                   ring.current(Section.ALLERGIES).key):
        assert repr(secret) not in shown and secret.hex() not in shown


def test_keyring_retired_versions_round_trip_and_are_checked() -> None:
    rng = DeterministicRandom(b"retired")
    ring = keyring.Keyring.new(rng).rotate(Section.ALLERGIES, rng, retire=True)
    back = keyring.decode(keyring.encode(ring))
    assert back.retired(Section.ALLERGIES) == ring.retired(Section.ALLERGIES)
    assert len(back.retired(Section.ALLERGIES)) == 1
    assert back.current(Section.ALLERGIES).ref not in back.retired(Section.ALLERGIES)
    # A keyring without retired versions encodes as before (no field at all).
    plain = keyring.Keyring.new(DeterministicRandom(b"plain"))
    assert b"retired" not in keyring.encode(plain)

"""The shared pieces of the consent formats: one section-bit table and flag policy for the
token and the grant, the byte writer, the QR text codec, the recipient type, and the
token-matches-grant policy both the server and the client apply."""

from __future__ import annotations

from dataclasses import replace

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent import _codec, contact, grant, identity, policy, token
from consent._qrtext import QrText
from consent._reader import Reader
from consent.errors import (
    InvalidToken,
    MalformedGrant,
    NotAContact,
    NotAnIdentity,
    NotAToken,
    WrongRecipient,
)
from consent.recipient import CONTACT_PREFIX, Recipient, contact_dossier, contact_id
from tests.support import DeterministicRandom
from vault.crypto import fingerprint
from vault.errors import InvalidInput
from vault.keyring import Keyring
from vault.sections import Section

DOSSIER = "0123456789abcdef0123456789abcdef"
# docs/formats.md, "Sections bitmask": part of signed bytes, never reordered.
DOCUMENTED_BITS = ("care_history", "medical_history", "exam_results", "current_treatments",
                   "allergies", "blood_group", "vaccinations", "advance_directives",
                   "emergency_contacts", "personal_notes")


# --- sections and flags ---------------------------------------------------------------------


def test_section_table_is_the_documented_one() -> None:
    assert [s.value for s in _codec.SECTION_BITS] == list(DOCUMENTED_BITS)
    assert set(_codec.SECTION_BITS) == set(Section)


@given(st.frozensets(st.sampled_from(list(Section))))
def test_mask_round_trip(sections: frozenset[Section]) -> None:
    mask = _codec.sections_mask(sections)
    assert 0 <= mask <= _codec.ALL_SECTIONS_MASK
    assert _codec.sections_of(mask, ValueError) == sections


def test_unknown_section_and_flag_bits_are_refused_with_the_callers_error() -> None:
    for bit in range(len(Section), 16):
        with pytest.raises(MalformedGrant):
            _codec.sections_of(1 << bit, MalformedGrant)
    for bit in range(2, 8):
        with pytest.raises(MalformedGrant):
            _codec.flags_of(1 << bit, MalformedGrant)
    assert _codec.flags_of(_codec.flags(write=True, emergency=False), ValueError) == (True,
                                                                                       False)
    with pytest.raises(InvalidInput):
        _codec.sections_mask(["allergies"])  # type: ignore[list-item]


def test_token_and_grant_carry_the_same_bits() -> None:
    rng = DeterministicRandom(b"codec: same bits")
    ring = Keyring.new(rng)
    pro = nacl.signing.SigningKey(rng(32))
    box = nacl.signing.SigningKey(rng(32)).to_curve25519_private_key()
    sections = frozenset({Section.CARE_HISTORY, Section.EMERGENCY_CONTACTS,
                          Section.PERSONAL_NOTES})
    g = grant.issue(ring=ring, dossier_id=DOSSIER, recipient_id="810001234567",
                    recipient_sign_public=pro.verify_key.encode(),
                    recipient_box_public=box.public_key.encode(), sections=sections,
                    write=True, issued_at=10, expires_at=20, grant_id=rng(16), rng=rng)
    core = g.core.encode()
    rid_len = core[32]
    grant_mask = int.from_bytes(core[33 + rid_len + 64:35 + rid_len + 64], "big")
    claims = token.TokenClaims(sections=sections, write=True, emergency=False,
                               grant_id=g.grant_id,
                               patient_fpr=fingerprint(ring.signing_key.verify_key.encode()),
                               recipient_fpr=fingerprint(pro.verify_key.encode()),
                               issued_at=10, expires_at=20)
    data = token.sign(claims, ring.signing_key)
    assert grant_mask == int.from_bytes(data[1:3], "big") == _codec.sections_mask(sections)
    assert data[3] == core[35 + rid_len + 64] == _codec.FLAG_WRITE


# --- writer and reader ----------------------------------------------------------------------


@given(st.integers(0, 255), st.integers(0, 2**16 - 1), st.integers(0, 2**32 - 1),
       st.integers(0, 2**64 - 1), st.binary(max_size=300), st.binary(max_size=40))
def test_writer_and_reader_mirror_each_other(a: int, b: int, c: int, d: int, field: bytes,
                                             raw: bytes) -> None:
    data = _codec.Writer().u8(a).u16(b).u32(c).u64(d).p(field).raw(raw).getvalue()
    r = Reader(data, ValueError, "test")
    assert (r.u8(), r.u16(), r.u32(), r.u64(), r.p(), r.take(len(raw))) == (a, b, c, d, field,
                                                                            raw)
    r.end()


def test_length_prefix_and_u64_limits() -> None:
    assert _codec.p(b"ab") == b"\x00\x02ab"
    with pytest.raises(ValueError):
        _codec.p(bytes(65536))
    assert _codec.is_u64(0) and _codec.is_u64(2**64 - 1)
    assert not (_codec.is_u64(-1) or _codec.is_u64(2**64) or _codec.is_u64(True))


# --- QR text --------------------------------------------------------------------------------


KIND = QrText("HTTPS://CRNT.FR/T/", 0x01, foreign=NotAToken, garbled=InvalidToken)


@given(st.binary(max_size=120))
def test_qr_text_round_trip_in_any_prefix_case(body: bytes) -> None:
    text = KIND.encode(body)
    assert KIND.decode(text) == body
    assert KIND.decode("  " + text.lower()[:len(KIND.prefix)] + text[len(KIND.prefix):]
                       + "\n") == body


def test_qr_text_refusals() -> None:
    good = KIND.encode(b"abc")
    for foreign in ("", "HC1:ABC", "shlink:/abc", "HTTPS://CRNT.FR/C/" + good[18:], 42):
        with pytest.raises(NotAToken):
            KIND.decode(foreign)
    for garbled in (KIND.prefix, KIND.prefix + "a", KIND.prefix + "~~~",
                    KIND.prefix + "0" * 1025, KIND.encode_raw(b"\x02abc")):
        with pytest.raises(InvalidToken):
            KIND.decode(garbled)
    with pytest.raises(NotAToken):  # a non-ASCII look-alike of the prefix
        KIND.decode("HTTPſ://CRNT.FR/T/" + good[18:])


def test_every_code_uses_its_own_prefix() -> None:
    c = contact.Contact(DOSSIER, bytes(32), bytes(range(32)))
    assert contact.decode(contact.encode(c)) == c
    with pytest.raises(NotAContact):
        contact.decode(identity.encode("810001234567", bytes(16)))
    with pytest.raises(NotAnIdentity):
        identity.decode(contact.encode(c))


# --- recipients -----------------------------------------------------------------------------


def test_contact_recipient_ids() -> None:
    assert contact_id(DOSSIER) == CONTACT_PREFIX + DOSSIER == "contact:" + DOSSIER
    assert contact_dossier(contact_id(DOSSIER)) == DOSSIER
    assert contact_dossier("810001234567") is None
    who = Recipient.contact(DOSSIER, bytes(32), bytes(32), label="x")
    assert who.is_contact and who.actor == "contact:" + DOSSIER
    assert contact.Contact(DOSSIER, bytes(32), bytes(32)).recipient_id == who.id
    pro = Recipient("810001234567", bytes(32), bytes(32), "Dr Martin")
    assert not pro.is_contact and pro.actor == "ps:810001234567"


# --- policy ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issued() -> tuple[grant.GrantCore, token.TokenClaims, Recipient]:
    rng = DeterministicRandom(b"codec: policy")
    ring = Keyring.new(rng)
    sign = nacl.signing.SigningKey(rng(32))
    box = nacl.signing.SigningKey(rng(32)).to_curve25519_private_key()
    me = Recipient("810001234567", sign.verify_key.encode(), box.public_key.encode(), "Dr M")
    g = grant.issue(ring=ring, dossier_id=DOSSIER, recipient_id=me.id,
                    recipient_sign_public=me.sign_public, recipient_box_public=me.box_public,
                    sections={Section.ALLERGIES}, write=False, issued_at=100,
                    expires_at=1000, grant_id=rng(16), rng=rng)
    claims = token.TokenClaims(sections=frozenset({Section.ALLERGIES}), write=False,
                               emergency=False, grant_id=g.grant_id,
                               patient_fpr=fingerprint(ring.signing_key.verify_key.encode()),
                               recipient_fpr=fingerprint(me.sign_public), issued_at=100,
                               expires_at=1000)
    return g.core, claims, me


def test_policy_accepts_a_matching_token_and_its_recipient(
        issued: tuple[grant.GrantCore, token.TokenClaims, Recipient]) -> None:
    core, claims, me = issued
    policy.token_matches_grant(claims, core)
    policy.token_matches_grant(replace(claims, expires_at=999), core)  # shorter is fine
    policy.presenter_is_recipient(claims, core, me)


def test_policy_refuses_a_token_that_says_more_or_other_than_its_grant(
        issued: tuple[grant.GrantCore, token.TokenClaims, Recipient]) -> None:
    core, claims, _ = issued
    for changed in (replace(claims, grant_id=bytes(16)),
                    replace(claims, sections=frozenset({Section.ALLERGIES,
                                                        Section.BLOOD_GROUP})),
                    replace(claims, write=True), replace(claims, emergency=True),
                    replace(claims, expires_at=1001),
                    replace(claims, recipient_fpr=bytes(16))):
        with pytest.raises(InvalidToken):
            policy.token_matches_grant(changed, core)


def test_policy_refuses_anyone_but_the_recipient(
        issued: tuple[grant.GrantCore, token.TokenClaims, Recipient]) -> None:
    core, claims, me = issued
    for other in (replace(me, id="810009999999"), replace(me, sign_public=bytes(32)),
                  Recipient.contact(DOSSIER, me.sign_public, me.box_public, label="x")):
        with pytest.raises(WrongRecipient):
            policy.presenter_is_recipient(claims, core, other)

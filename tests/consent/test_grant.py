"""Grants: round trip, named recipient (P3), patient-signed and unforgeable (P4), the mask
key never granted (P2), and bad bytes raising only grant errors (P13)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import msgspec
import nacl.public
import nacl.signing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent import _codec
from consent import grant as g
from consent.errors import ConsentError, GrantError, InvalidGrant, MalformedGrant, UnsafeGrant
from consent.grant import GrantCore, SignedGrant, issue, open_keys, verify
from tests.support import DeterministicRandom
from vault.keyring import Keyring, SectionKeys
from vault.sections import EMERGENCY_SUMMARY, Section

DOSSIER = "0123456789abcdef0123456789abcdef"
ISSUED = 1_790_000_000
EXPIRES = ISSUED + 3600
PS_ID = "810001234567"


class Party:
    """A recipient: X25519 key to receive, Ed25519 key to sign requests."""

    def __init__(self, rng: DeterministicRandom) -> None:
        self.box = nacl.public.PrivateKey(rng(32))
        self.sign = nacl.signing.SigningKey(rng(32))

    @property
    def box_public(self) -> bytes:
        return self.box.public_key.encode()

    @property
    def sign_public(self) -> bytes:
        return self.sign.verify_key.encode()


@pytest.fixture
def rng() -> DeterministicRandom:
    return DeterministicRandom(b"grant tests")


@pytest.fixture
def ring(rng: DeterministicRandom) -> Keyring:
    ring = Keyring.new(rng)
    # Several key versions for some sections, as after revocations.
    ring = ring.rotate(Section.ALLERGIES, rng).rotate(Section.ALLERGIES, rng)
    return ring.rotate(Section.CARE_HISTORY, rng)


@pytest.fixture
def ps(rng: DeterministicRandom) -> Party:
    return Party(rng)


@pytest.fixture
def other(rng: DeterministicRandom) -> Party:
    return Party(rng)


def patient_public(ring: Keyring) -> bytes:
    return ring.signing_key.verify_key.encode()


def make(ring: Keyring, to: Party, rng: DeterministicRandom,
         sections: frozenset[Section] = frozenset({Section.ALLERGIES,
                                                   Section.CURRENT_TREATMENTS}),
         **overrides: object) -> SignedGrant:
    args: dict[str, object] = dict(
        ring=ring, dossier_id=DOSSIER, recipient_id=PS_ID,
        recipient_sign_public=to.sign_public, recipient_box_public=to.box_public,
        sections=sections, write=False, issued_at=ISSUED, expires_at=EXPIRES,
        grant_id=rng(16), rng=rng)
    args.update(overrides)
    return issue(**args)  # type: ignore[arg-type]


# --- round trip -----------------------------------------------------------------------------


def test_round_trip(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng, write=True)
    data = grant.encode()
    back = SignedGrant.decode(data)
    assert back == grant
    verify(back, patient_public(ring))
    keys = open_keys(back, bytes(ps.box))
    assert set(keys.keys) == {Section.ALLERGIES, Section.CURRENT_TREATMENTS}
    for section in keys.keys:
        assert dict(keys.keys[section]) == ring.section_keys(section)
        assert keys.current[section] == ring.current(section).ref
    assert len(keys.keys[Section.ALLERGIES]) == 3  # every version
    assert keys.refs == grant.core.key_refs
    ref = ring.current(Section.ALLERGIES).ref
    assert keys.get(ref) == ring.current(Section.ALLERGIES).key
    assert keys.section_of(ref) is Section.ALLERGIES
    assert keys.get("00" * 16) is None and keys.section_of("00" * 16) is None
    assert back.core.write and not back.core.emergency
    assert back.core.active_at(ISSUED) and not back.core.active_at(EXPIRES)


def test_sealed_box_is_libsodium_compatible(ring: Keyring, ps: Party,
                                            rng: DeterministicRandom) -> None:
    """Our seal with injected randomness opens with libsodium's crypto_box_seal_open."""
    grant = make(ring, ps, rng)
    plaintext = nacl.public.SealedBox(ps.box).decrypt(grant.sealed)
    assert plaintext[0] == g.PAYLOAD_VERSION
    payload = msgspec.msgpack.decode(plaintext[1:])
    assert set(payload) == {"grant_id", "keys", "current"}
    assert payload["grant_id"] == grant.grant_id


def test_deterministic_given_the_same_randomness(ring: Keyring, ps: Party) -> None:
    a = make(ring, ps, DeterministicRandom(b"same"))
    b = make(ring, ps, DeterministicRandom(b"same"))
    assert a.encode() == b.encode()
    c = make(ring, ps, DeterministicRandom(b"other"))
    assert c.sealed != a.sealed


def test_all_sections_and_size(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng, sections=frozenset(Section))
    assert grant.core.sections == frozenset(Section)
    assert len(grant.core.key_refs) == sum(len(ring.section_keys(s)) for s in Section)
    verify(grant, patient_public(ring))
    assert set(open_keys(grant, bytes(ps.box)).keys) == set(Section)


def test_sections_as_text(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng, sections=["allergies", "Blood-Group"])  # type: ignore[arg-type]
    assert grant.core.sections == {Section.ALLERGIES, Section.BLOOD_GROUP}


# --- P3: named recipient --------------------------------------------------------------------


def test_another_recipient_cannot_open(ring: Keyring, ps: Party, other: Party,
                                       rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng)
    verify(grant, patient_public(ring))  # the grant is valid, but not theirs
    with pytest.raises(InvalidGrant):
        open_keys(grant, bytes(other.box))
    with pytest.raises(InvalidGrant):  # the server: no secret key at all
        open_keys(grant, rng(32))
    with pytest.raises(InvalidGrant):
        open_keys(grant, b"short")


def test_section_keys_not_in_clear(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    data = make(ring, ps, rng, sections=frozenset(Section)).encode()
    for section in Section:
        for key in ring.section_keys(section).values():
            assert key not in data


# --- P4: patient-signed ---------------------------------------------------------------------


def _alterations(ring: Keyring, grant: SignedGrant,
                 other: Party) -> dict[str, GrantCore]:
    core = grant.core
    extra_refs = tuple(sorted(core.key_refs + tuple(ring.section_keys(Section.CARE_HISTORY))))
    return {
        "widened sections": replace(core, sections=core.sections | {Section.CARE_HISTORY},
                                    key_refs=extra_refs),
        "extra key ref": replace(core, key_refs=tuple(sorted(
            (*core.key_refs, ring.current(Section.PERSONAL_NOTES).ref)))),
        "dropped key ref": replace(core, key_refs=core.key_refs[1:]),
        "later expiry": replace(core, expires_at=core.expires_at + 86_400 * 365),
        "earlier issue": replace(core, issued_at=core.issued_at - 1),
        "other recipient id": replace(core, recipient_id="810009999999"),
        "other recipient box key": replace(core, recipient_box_public=other.box_public),
        "other recipient sign key": replace(core, recipient_sign_public=other.sign_public),
        "write added": replace(core, write=True),
        "emergency added": replace(core, emergency=True),
        "other dossier": replace(core, dossier_id="f" * 32),
        "other grant id": replace(core, grant_id=bytes(16)),
        "other keys hash": replace(core, sealed_keys_hash=bytes(32)),
    }


def test_altered_core_fails_verify(ring: Keyring, ps: Party, other: Party,
                                   rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng)
    for name, core in _alterations(ring, grant, other).items():
        forged = replace(grant, core=core)
        with pytest.raises(InvalidGrant):
            verify(forged, patient_public(ring))
        # and it survives the wire unchanged (the check is not an artefact of encoding)
        with pytest.raises(InvalidGrant):
            verify(SignedGrant.decode(forged.encode()), patient_public(ring))
        assert name


def test_swapped_sealed_blob_fails(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    narrow = make(ring, ps, rng)
    wide = make(ring, ps, rng, sections=frozenset(Section))
    swapped = replace(narrow, sealed=wide.sealed)
    with pytest.raises(InvalidGrant):
        verify(swapped, patient_public(ring))
    with pytest.raises(InvalidGrant):
        open_keys(swapped, bytes(ps.box))
    # Updating the hash too moves the problem to the signature.
    rehashed = replace(swapped, core=replace(narrow.core, sealed_keys_hash=wide.core
                                             .sealed_keys_hash))
    with pytest.raises(InvalidGrant):
        verify(rehashed, patient_public(ring))


def test_invented_grant_fails(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    """Someone without the patient's key (the server, another patient) mints a grant."""
    impostor = Keyring.new(DeterministicRandom(b"impostor"))
    # The impostor even knows the real section keys (worst case) but not the signing key.
    stolen = replace(impostor, sections=ring.sections, mask_ref=ring.mask_ref,
                     mask_key=ring.mask_key, _index={})
    grant = make(stolen, ps, rng, sections=frozenset(Section))
    with pytest.raises(InvalidGrant):
        verify(grant, patient_public(ring))
    verify(grant, patient_public(stolen))  # it is merely signed by someone else


def test_bad_signature_bytes(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng)
    for sig in (bytes(64), grant.signature[:-1] + bytes([grant.signature[-1] ^ 1])):
        with pytest.raises(InvalidGrant):
            verify(replace(grant, signature=sig), patient_public(ring))
    with pytest.raises(InvalidGrant):
        verify(grant, b"not a key")
    with pytest.raises(InvalidGrant):
        verify(replace(grant, signature=b"short"), patient_public(ring))


def test_open_checks_refs_even_under_a_valid_signature(ring: Keyring, ps: Party,
                                                       rng: DeterministicRandom) -> None:
    """A buggy or hostile patient client signs a core whose refs do not match the keys."""
    narrow = make(ring, ps, rng)
    wide = make(ring, ps, rng, sections=frozenset(Section))
    for core in (replace(narrow.core, sealed_keys_hash=wide.core.sealed_keys_hash),
                 replace(wide.core, key_refs=wide.core.key_refs[1:])):
        signature = ring.signing_key.sign(g.signed_message(core)).signature
        odd = SignedGrant(core=core, sealed=wide.sealed, signature=signature)
        verify(odd, patient_public(ring))
        with pytest.raises(InvalidGrant):
            open_keys(odd, bytes(ps.box))
    # The sealed payload names its grant id: moved under another id it does not open.
    moved = replace(wide.core, grant_id=rng(16))
    odd = SignedGrant(core=moved, sealed=wide.sealed,
                      signature=ring.signing_key.sign(g.signed_message(moved)).signature)
    with pytest.raises(InvalidGrant):
        open_keys(odd, bytes(ps.box))


# --- P2: the mask key -----------------------------------------------------------------------


def test_mask_key_never_in_a_grant(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    masked = ring.with_masked(Section.PERSONAL_NOTES, True).with_masked(Section.EXAM_RESULTS,
                                                                        True)
    grant = make(masked, ps, rng, sections=frozenset(Section), write=True)
    assert masked.mask_ref not in grant.core.key_refs
    plaintext = nacl.public.SealedBox(ps.box).decrypt(grant.sealed)
    assert masked.mask_key not in plaintext
    assert masked.mask_ref.encode() not in plaintext
    keys = open_keys(grant, bytes(ps.box))
    assert keys.get(masked.mask_ref) is None
    assert all(masked.mask_key not in ks.values() for ks in keys.keys.values())


@pytest.mark.parametrize("leak", ["ref", "key"])
def test_issue_refuses_a_keyring_that_would_leak_the_mask_key(
        ring: Keyring, ps: Party, rng: DeterministicRandom, leak: str) -> None:
    sections = dict(ring.sections)
    old = sections[Section.ALLERGIES]
    if leak == "ref":
        bad = SectionKeys(current=old.current, keys={**old.keys, ring.mask_ref: rng(32)})
    else:
        bad = SectionKeys(current=old.current, keys={**old.keys, rng(16).hex(): ring.mask_key})
    sections[Section.ALLERGIES] = bad
    broken = replace(ring, sections=sections, _index={})
    with pytest.raises(UnsafeGrant):
        make(broken, ps, rng, sections=frozenset(Section))
    make(broken, ps, rng, sections=frozenset({Section.BLOOD_GROUP}))  # other sections fine


# --- emergency and input checks -------------------------------------------------------------


def test_emergency_grant(ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    grant = make(ring, ps, rng, sections=EMERGENCY_SUMMARY, emergency=True,
                 recipient_id="emergency:samu-75")
    back = SignedGrant.decode(grant.encode())
    assert back.core.emergency and back.core.sections == EMERGENCY_SUMMARY
    verify(back, patient_public(ring))
    with pytest.raises(MalformedGrant):
        make(ring, ps, rng, sections=frozenset({Section.CARE_HISTORY}), emergency=True)


@pytest.mark.parametrize("overrides", [
    {"grant_id": b"short"},
    {"dossier_id": "not hex"},
    {"dossier_id": "0123456789ABCDEF0123456789ABCDEF"},
    {"recipient_id": ""},
    {"recipient_id": "has space"},
    {"recipient_id": "x" * 129},
    {"recipient_id": "médecin"},
    {"recipient_box_public": b"x" * 31},
    {"recipient_sign_public": b"x" * 33},
    {"sections": frozenset()},
    {"sections": ["no_such_section"]},
    {"expires_at": ISSUED},
    {"issued_at": -1},
    {"expires_at": 2**64},
    {"write": 1},
    {"recipient_box_public": bytes(32)},  # a low-order point: no shared secret
])
def test_issue_rejects_bad_input(ring: Keyring, ps: Party, rng: DeterministicRandom,
                                 overrides: dict[str, Any]) -> None:
    with pytest.raises(MalformedGrant) as info:
        make(ring, ps, rng, **overrides)
    assert isinstance(info.value, ConsentError) and info.value.code == "malformed_grant"


def test_error_codes() -> None:
    assert issubclass(MalformedGrant, GrantError) and issubclass(InvalidGrant, GrantError)
    assert issubclass(GrantError, ConsentError)
    assert InvalidGrant().code == "invalid_grant" and MalformedGrant.code == "malformed_grant"
    assert str(UnsafeGrant()) == UnsafeGrant.default_detail
    assert not any(hasattr(c, "status") for c in (GrantError, InvalidGrant, MalformedGrant))


# --- bytes: round trip and garbage ----------------------------------------------------------

hex16 = st.binary(min_size=16, max_size=16).map(bytes.hex)
printable = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E),
                    min_size=1, max_size=128)


@st.composite
def cores(draw: st.DrawFn) -> GrantCore:
    emergency = draw(st.booleans())
    pool = sorted(EMERGENCY_SUMMARY) if emergency else list(Section)
    sections = frozenset(draw(st.lists(st.sampled_from(pool), min_size=1, unique=True)))
    refs = draw(st.lists(hex16, min_size=len(sections), max_size=len(sections) + 20,
                         unique=True))
    issued = draw(st.integers(0, 2**64 - 2))
    return GrantCore(
        grant_id=draw(st.binary(min_size=16, max_size=16)), dossier_id=draw(hex16),
        recipient_id=draw(printable),
        recipient_sign_public=draw(st.binary(min_size=32, max_size=32)),
        recipient_box_public=draw(st.binary(min_size=32, max_size=32)),
        sections=sections, write=draw(st.booleans()), emergency=emergency,
        key_refs=tuple(sorted(refs)), issued_at=issued,
        expires_at=draw(st.integers(issued + 1, 2**64 - 1)),
        sealed_keys_hash=draw(st.binary(min_size=32, max_size=32)))


@given(cores(), st.binary(max_size=600), st.binary(min_size=64, max_size=64))
def test_codec_round_trip(core: GrantCore, sealed: bytes, signature: bytes) -> None:
    grant = SignedGrant(core=core, sealed=sealed, signature=signature)
    data = grant.encode()
    assert SignedGrant.decode(data) == grant
    assert SignedGrant.decode(bytearray(data)) == grant
    assert _codec.sections_of(_codec.sections_mask(core.sections), ValueError) == core.sections


@given(st.binary(max_size=400))
def test_garbage_raises_only_grant_errors(data: bytes) -> None:
    with contextlib.suppress(GrantError):
        SignedGrant.decode(data)
    with contextlib.suppress(GrantError):
        SignedGrant.decode(b"\x01" + data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_grant_bytes_is_caught(ring: Keyring, ps: Party, data: st.DataObject,
                                             ) -> None:
    grant = make(ring, ps, DeterministicRandom(b"fixed"))
    raw = grant.encode()
    i = data.draw(st.integers(0, len(raw) - 1))
    broken = bytearray(raw)
    broken[i] ^= 1 << data.draw(st.integers(0, 7))
    cut = raw[: data.draw(st.integers(0, len(raw) - 1))]
    for candidate in (bytes(broken), cut, raw + b"\x00"):
        try:
            parsed = SignedGrant.decode(candidate)
        except MalformedGrant:
            continue
        with pytest.raises(InvalidGrant):
            verify(parsed, patient_public(ring))


def test_decode_rejects_specific_corruptions(ring: Keyring, ps: Party,
                                             rng: DeterministicRandom) -> None:
    raw = make(ring, ps, rng).encode()
    rid_len = raw[33]
    flags_at = 1 + 16 + 16 + 1 + rid_len + 64 + 2
    mask_at = flags_at - 2
    cases = {
        "version": b"\x02" + raw[1:],
        "unknown flag": raw[:flags_at] + b"\x80" + raw[flags_at + 1:],
        "unknown section bit": raw[:mask_at] + b"\x80\x00" + raw[mask_at + 2:],
        "no sections": raw[:mask_at] + b"\x00\x00" + raw[mask_at + 2:],
        "non-ascii id": raw[:34] + b"\xff" + raw[35:],
        "empty": b"",
        "not bytes": "text",
    }
    for name, candidate in cases.items():
        with pytest.raises(MalformedGrant):
            SignedGrant.decode(candidate)  # type: ignore[arg-type]
        assert name
    # An oversized sealed length is refused before reading it.
    sealed_len_at = len(raw) - 64 - len(make(ring, ps, DeterministicRandom(b"x")).sealed) - 4
    huge = raw[:sealed_len_at] + (2**31).to_bytes(4, "big") + raw[sealed_len_at + 4:]
    with pytest.raises(MalformedGrant):
        SignedGrant.decode(huge)


# --- version 2: re-sealed after a rotation (issue 8, P5) ----------------------------------


def test_reseal_keeps_the_grant_and_carries_the_new_current_key(
        ring: Keyring, ps: Party, rng: DeterministicRandom) -> None:
    first = make(ring, ps, rng, write=True)
    assert first.core.version == g.VERSION and first.encode()[0] == 0x01
    rotated = ring.rotate(Section.ALLERGIES, rng)
    again = g.reseal(first.core, ring=rotated, rng=rng)
    back = SignedGrant.decode(again.encode())
    assert back == again and again.encode()[0] == g.VERSION_RESEALED
    verify(back, patient_public(ring))
    assert back.core.same_grant(first.core) and back.core.generation == 1
    keys = open_keys(back, bytes(ps.box))
    new = rotated.current(Section.ALLERGIES).ref
    assert keys.current[Section.ALLERGIES] == new and new not in first.core.key_refs
    assert back.core.current_refs == tuple(sorted(keys.current.values()))
    assert g.reseal(back.core, ring=rotated, rng=rng).core.generation == 2
    # Version-1 grants stay readable.
    assert SignedGrant.decode(first.encode()) == first


def test_reseal_leaves_out_retired_versions(ring: Keyring, ps: Party,
                                            rng: DeterministicRandom) -> None:
    old_refs = set(ring.all_section_keys(Section.ALLERGIES))
    masked = ring.rotate(Section.ALLERGIES, rng, retire=True)
    core = make(ring, ps, rng).core
    keys = open_keys(g.reseal(core, ring=masked, rng=rng), bytes(ps.box))
    assert set(keys.keys[Section.ALLERGIES]) == {masked.current(Section.ALLERGIES).ref}
    assert not old_refs & set(keys.refs)
    fresh = open_keys(make(masked, ps, rng), bytes(ps.box))
    assert not old_refs & set(fresh.refs)


def test_version_2_fields_are_signed_and_checked(ring: Keyring, ps: Party,
                                                 rng: DeterministicRandom) -> None:
    signed = g.reseal(make(ring, ps, rng).core, ring=ring, rng=rng)
    for change in ({"generation": 7},
                   {"current_refs": tuple(sorted(signed.core.key_refs))[:2]}):
        with contextlib.suppress(MalformedGrant):
            forged = replace(signed, core=replace(signed.core, **change))  # type: ignore[arg-type]
            with pytest.raises(InvalidGrant):
                verify(forged, patient_public(ring))
    with pytest.raises(MalformedGrant):
        replace(signed.core, current_refs=())
    with pytest.raises(MalformedGrant):
        replace(signed.core, current_refs=("ab" * 16, "cd" * 16))
    with pytest.raises(MalformedGrant):
        replace(make(ring, ps, rng).core, generation=1)  # version 1 has no generation
    with pytest.raises(MalformedGrant):
        SignedGrant.decode(b"\x03" + signed.encode()[1:])
    data = signed.encode()
    for cut in range(0, len(data), 7):
        with contextlib.suppress(MalformedGrant):
            SignedGrant.decode(data[:cut])

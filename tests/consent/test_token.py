"""Consent token: base45, binary codec, signature, time checks and the text form."""

from __future__ import annotations

import contextlib
import struct

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import _codec, base45
from consent import token as tk
from consent.errors import (
    ConsentError,
    InvalidToken,
    NotAToken,
    QrUnreadable,
    TokenExpired,
    TokenRevoked,
    WrongRecipient,
)
from vault.crypto import fingerprint
from vault.sections import Section

PATIENT = nacl.signing.SigningKey(bytes(range(32)))
PATIENT_PUBLIC = PATIENT.verify_key.encode()
DOCTOR = nacl.signing.SigningKey(bytes(range(32, 64)))
DOCTOR_PUBLIC = DOCTOR.verify_key.encode()
OTHER = nacl.signing.SigningKey(bytes(range(64, 96)))
OTHER_PUBLIC = OTHER.verify_key.encode()
T0 = 1_750_000_000
DAY = 86_400


def claims(**changes: object) -> tk.TokenClaims:
    values: dict[str, object] = {
        "sections": frozenset({Section.ALLERGIES, Section.CURRENT_TREATMENTS}),
        "write": False,
        "emergency": False,
        "grant_id": bytes(range(100, 116)),
        "patient_fpr": fingerprint(PATIENT_PUBLIC),
        "recipient_fpr": fingerprint(DOCTOR_PUBLIC),
        "issued_at": T0,
        "expires_at": T0 + DAY,
    }
    values.update(changes)
    return tk.TokenClaims(**values)  # type: ignore[arg-type]


def signed(**changes: object) -> bytes:
    return tk.sign(claims(**changes), PATIENT)


@st.composite
def claims_strategy(draw: st.DrawFn) -> tk.TokenClaims:
    issued_at = draw(st.integers(0, 2**32 - 2))
    return tk.TokenClaims(
        sections=draw(st.frozensets(st.sampled_from(list(Section)), min_size=1)),
        write=draw(st.booleans()),
        emergency=draw(st.booleans()),
        grant_id=draw(st.binary(min_size=16, max_size=16)),
        patient_fpr=fingerprint(PATIENT_PUBLIC),
        recipient_fpr=draw(st.binary(min_size=16, max_size=16)),
        issued_at=issued_at,
        expires_at=draw(st.integers(issued_at + 1, 2**32 - 1)),
    )


# -- errors ---------------------------------------------------------------------------------

def test_error_codes_and_no_http() -> None:
    expected = {
        NotAToken: "not_a_carnet_token",
        InvalidToken: "invalid_token",
        TokenExpired: "token_expired",
        TokenRevoked: "token_revoked",
        WrongRecipient: "wrong_recipient",
        QrUnreadable: "qr_unreadable",
        base45.Base45Error: "bad_base45",
    }
    assert ConsentError.code == "consent_error"
    for cls, code in expected.items():
        assert issubclass(cls, ConsentError)
        assert cls.code == code
        assert str(cls()) == cls.default_detail == cls().detail
        assert not hasattr(cls, "status")  # statuses live in web/server/errors.py
    assert str(NotAToken()) == "not a Carnet consent token"
    assert str(InvalidToken("garbled")) == "garbled"


# -- base45 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "text"), [
    (b"", ""),
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"\xff\xff", "FGW"),
    (b"\xff", "U5"),
])
def test_base45_rfc9285_vectors(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


@pytest.mark.parametrize("text", [
    "GGW",        # 65536: one more than two bytes hold (RFC 9285 section 6)
    "::: ",       # length 4 = 1 mod 3
    "A",          # length 1
    "V6",         # 2-char group = 276 > 255
    "bb8",        # lowercase is not in the alphabet
    "BB8=",       # outside the alphabet
    "BB\u00e9",   # non-ASCII
])
def test_base45_rejects_bad_text(text: str) -> None:
    with pytest.raises(base45.Base45Error):
        base45.decode(text)
    assert issubclass(base45.Base45Error, ValueError)
    assert issubclass(base45.Base45Error, ConsentError)


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert set(text) <= set(base45.ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert not text.endswith(" ")
    assert base45.decode(text) == data


@given(st.text(alphabet=base45.ALPHABET + "ab=\n", max_size=60))
def test_base45_decode_is_canonical(text: str) -> None:
    try:
        data = base45.decode(text)
    except base45.Base45Error:
        return
    assert base45.encode(data) == text


# -- sign / decode / verify -----------------------------------------------------------------

def test_round_trip() -> None:
    data = signed(write=True)
    assert len(data) == tk.TOKEN_BYTES == 124
    token = tk.decode(data)
    assert token.claims == claims(write=True)
    assert token.data == data
    assert token.signed_part == data[:tk.SIGNED_BYTES]
    assert token.signature == data[tk.SIGNED_BYTES:]
    token.verify(PATIENT_PUBLIC)
    token.check_time(T0 + 10)
    token.check_recipient(DOCTOR_PUBLIC)
    assert tk.decode(bytearray(data)) == token  # type: ignore[arg-type]


def test_layout() -> None:
    data = signed(sections=frozenset({Section.CARE_HISTORY, Section.PERSONAL_NOTES}),
                  write=True, emergency=True)
    assert data[0] == 1
    assert struct.unpack(">H", data[1:3])[0] == 0b10_0000_0001
    assert data[3] == 0b11
    assert data[4:20] == bytes(range(100, 116))
    assert data[20:36] == fingerprint(PATIENT_PUBLIC)
    assert data[36:52] == fingerprint(DOCTOR_PUBLIC)
    assert struct.unpack(">II", data[52:60]) == (T0, T0 + DAY)
    assert PATIENT.verify_key.verify(b"CARNET-CONSENT" + data[:60], data[60:])


def test_section_bits_follow_the_shared_table() -> None:
    for i, section in enumerate(_codec.SECTION_BITS):
        data = signed(sections=frozenset({section}))
        assert struct.unpack(">H", data[1:3])[0] == 1 << i
    assert _codec.sections_of(_codec.sections_mask(Section), ValueError) == frozenset(Section)


@settings(max_examples=150, deadline=None)
@given(claims_strategy())
def test_round_trip_any_claims(c: tk.TokenClaims) -> None:
    data = tk.sign(c, PATIENT)
    token = tk.decode(data)
    assert token.claims == c
    assert token.data == data
    token.verify(PATIENT_PUBLIC)


def _rejected(data: bytes) -> bool:
    try:
        tk.decode(data).verify(PATIENT_PUBLIC)
    except InvalidToken:
        return True
    return False


def test_every_single_bit_flip_is_rejected() -> None:
    data = signed(sections=frozenset(Section), write=True, emergency=True)
    assert not _rejected(data)
    for bit in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert _rejected(bytes(flipped)), f"bit {bit} flip accepted"


def _reencode(data: bytes, **changes: object) -> bytes:
    token = tk.decode(data)
    forged = tk.Token(claims=claims(**{**_as_dict(token.claims), **changes}),
                      signature=token.signature)
    return forged.data


def _as_dict(c: tk.TokenClaims) -> dict[str, object]:
    return {name: getattr(c, name) for name in tk.TokenClaims.__slots__}


@pytest.mark.parametrize("changes", [
    {"sections": frozenset(Section)},
    {"sections": frozenset({Section.ALLERGIES})},
    {"write": True},
    {"emergency": True},
    {"expires_at": T0 + 365 * DAY},
    {"issued_at": T0 - 1},
    {"recipient_fpr": fingerprint(OTHER_PUBLIC)},
    {"grant_id": bytes(16)},
])
def test_changed_claims_without_resigning_fail(changes: dict[str, object]) -> None:
    forged = _reencode(signed(), **changes)
    token = tk.decode(forged)  # well-formed...
    with pytest.raises(InvalidToken):
        token.verify(PATIENT_PUBLIC)  # ...but not what the patient signed


def test_other_signer_fails() -> None:
    # Signed by another key that claims to be the patient's: wrong fingerprint.
    other_claims = claims(patient_fpr=fingerprint(OTHER_PUBLIC))
    token = tk.decode(tk.sign(other_claims, OTHER))
    token.verify(OTHER_PUBLIC)
    with pytest.raises(InvalidToken):
        token.verify(PATIENT_PUBLIC)
    # The patient's fingerprint with another key's signature.
    body = signed()[:tk.SIGNED_BYTES]
    forged = body + OTHER.sign(tk.SIGNING_CONTEXT + body).signature
    with pytest.raises(InvalidToken):
        tk.decode(forged).verify(PATIENT_PUBLIC)
    # The right key without the context prefix (a signature made for another purpose).
    forged = body + PATIENT.sign(body).signature
    with pytest.raises(InvalidToken):
        tk.decode(forged).verify(PATIENT_PUBLIC)


@pytest.mark.parametrize("public", [b"", b"\x00" * 31, b"\x00" * 32, "not bytes"])
def test_verify_with_garbage_key(public: object) -> None:
    with pytest.raises(InvalidToken):
        tk.decode(signed()).verify(public)  # type: ignore[arg-type]


def test_sign_refuses_bad_claims() -> None:
    bad: list[dict[str, object]] = [
        {"sections": frozenset()},
        {"expires_at": T0},
        {"expires_at": T0 - 1},
        {"grant_id": bytes(15)},
        {"recipient_fpr": bytes(17)},
        {"patient_fpr": fingerprint(OTHER_PUBLIC)},
        {"issued_at": -1},
        {"expires_at": 2**32},
        {"sections": frozenset({"allergies"})},
        {"write": 1},
    ]
    for changes in bad:
        with pytest.raises(ValueError):  # InvalidInput, a ValueError
            tk.sign(claims(**changes), PATIENT)


def test_a_remembered_mask_never_answers_for_look_alike_sections() -> None:
    """Issue 14 remembers section masks; a section's text equals (and hashes like) the
    Section itself, so the text set must not find the Section set's mask."""
    assert _codec.sections_mask(frozenset({Section("allergies")})) > 0  # remembered now
    for look_alike in (frozenset({"allergies"}), {"allergies"}, ["allergies"]):
        with pytest.raises(ValueError):
            _codec.sections_mask(look_alike)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        tk.sign(claims(sections=frozenset({"allergies"})), PATIENT)


def test_decode_structure_errors() -> None:
    good = signed()
    cases = [
        b"",
        good[:-1],
        good + b"\x00",
        b"\x02" + good[1:],                                   # unknown version
        good[:3] + b"\x04" + good[4:],                        # reserved flag bit
        good[:1] + struct.pack(">H", 1 << 10) + good[3:],     # unknown section bit
        good[:1] + b"\x00\x00" + good[3:],                    # no section
        good[:52] + struct.pack(">II", T0, T0) + good[60:],   # expires_at == issued_at
    ]
    for data in cases:
        with pytest.raises(InvalidToken) as info:
            tk.decode(data)
        assert str(info.value) == InvalidToken.default_detail
    for not_bytes in (None, "text", 124, [0] * 124):
        with pytest.raises(InvalidToken):
            tk.decode(not_bytes)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.binary(min_size=124, max_size=124),
                 st.binary(min_size=124, max_size=124).map(lambda b: b"\x01" + b[1:])))
def test_decode_arbitrary_bytes_raises_only_invalid_token(data: bytes) -> None:
    try:
        token = tk.decode(data)
    except InvalidToken:
        return
    with pytest.raises(InvalidToken):
        token.verify(PATIENT_PUBLIC)


# -- time and recipient ---------------------------------------------------------------------

def test_check_time() -> None:
    token = tk.decode(signed())
    token.check_time(T0)
    token.check_time(T0 + DAY - 1)
    token.check_time(T0 - 120)  # issued up to `skew` seconds in the future is fine
    with pytest.raises(TokenExpired):
        token.check_time(T0 + DAY)
    with pytest.raises(TokenExpired):
        token.check_time(T0 + 10 * DAY)
    with pytest.raises(InvalidToken):
        token.check_time(T0 - 121)
    token.check_time(T0 - 500, skew=600)
    with pytest.raises(InvalidToken):
        token.check_time(T0 - 1, skew=0)


def test_check_recipient() -> None:
    token = tk.decode(signed())
    token.check_recipient(DOCTOR_PUBLIC)
    with pytest.raises(WrongRecipient):
        token.check_recipient(OTHER_PUBLIC)


# -- text form ------------------------------------------------------------------------------

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_text_round_trip() -> None:
    data = signed()
    text = tk.to_text(data)
    assert text.startswith("HTTPS://CRNT.FR/C/")
    assert set(text) <= QR_ALPHANUMERIC
    assert len(text) == len(tk.URL_PREFIX) + 186
    assert tk.from_text(text) == data
    assert tk.from_text(f"  \n{text}\r\n ") == data
    lowered = "https://crnt.fr/c/" + text[len(tk.URL_PREFIX):]
    assert tk.from_text(lowered) == data
    assert tk.from_text("Https://Crnt.Fr/c/" + text[len(tk.URL_PREFIX):]) == data


@given(st.binary(min_size=1, max_size=200))
def test_text_round_trip_any_bytes(data: bytes) -> None:
    assert tk.from_text(tk.to_text(data)) == data


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "HC1:6BFOXN%TS3DHPVO13J /G-/2YRVA.Q/R8H:I2FCJG9AQL7",
    "shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnL3NobC8iLCJmbGFnIjoiTFAifQ",
    "https://example.org",
    "https://example.org/C/V50336SOJSTDO",
    "HTTPS://CRNT.FR/",
    "HTTPS://CRNT.FR/C",
    "HTTPS://CRNT.FR/X/BB8",
    "HTTP://CRNT.FR/C/BB8",
    "MECARD:N:Sean Owen;;",
    "1234567890",
    "HTTPſ://CRNT.FR/C/BB8",   # long s upper-cases to S: not accepted
    "hello world",
])
def test_not_a_token(text: str) -> None:
    with pytest.raises(NotAToken):
        tk.from_text(text)


@pytest.mark.parametrize("text", [
    "HTTPS://CRNT.FR/C/",
    "HTTPS://CRNT.FR/C/A",
    "HTTPS://CRNT.FR/C/GGW",
    "HTTPS://CRNT.FR/C/bb8",
    "HTTPS://CRNT.FR/C/BB8?x=1",
    "HTTPS://CRNT.FR/C/" + "0" * (tk.MAX_TEXT_CHARS + 3),
])
def test_garbled_token_text(text: str) -> None:
    with pytest.raises(InvalidToken):
        tk.from_text(text)


def test_from_text_not_text() -> None:
    with pytest.raises(NotAToken):
        tk.from_text(b"HTTPS://CRNT.FR/C/BB8")  # type: ignore[arg-type]


@settings(max_examples=300)
@given(st.one_of(
    st.text(max_size=300),
    st.text(max_size=250).map(lambda t: "HTTPS://CRNT.FR/C/" + t),
    st.text(alphabet=base45.ALPHABET, max_size=250).map(lambda t: "https://crnt.fr/c/" + t),
))
def test_from_text_raises_only_token_errors(text: str) -> None:
    try:
        data = tk.from_text(text)
    except (NotAToken, InvalidToken):
        return
    with contextlib.suppress(InvalidToken):
        tk.decode(data)

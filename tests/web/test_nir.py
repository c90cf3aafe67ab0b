"""NIR parsing: the shared vectors, each rule's message, and properties."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web.nir import nir_birth_matches, nir_key, parse_nir
from web.server.errors import status_of
from web.server.services.errors import InvalidNir

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nir_vectors.json"


@pytest.fixture(scope="module")
def nir_vectors() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        message = f"NIR test vectors not found at {VECTORS} (the shared data checkout)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    vectors: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert vectors, "the vector file is empty"
    return vectors


def is_valid(text: str) -> bool:
    try:
        parse_nir(text)
    except InvalidNir:
        return False
    return True


def test_shared_vectors(nir_vectors: list[dict[str, Any]]) -> None:
    wrong = [v for v in nir_vectors if is_valid(v["nir"]) != v["valid"]]
    assert not wrong, f"vectors with the wrong verdict: {wrong}"
    assert any(v["valid"] for v in nir_vectors)
    assert any(not v["valid"] for v in nir_vectors)


def test_valid_vectors_come_back_unchanged(nir_vectors: list[dict[str, Any]]) -> None:
    for vector in nir_vectors:
        if vector["valid"]:
            assert parse_nir(vector["nir"]) == vector["nir"]


@pytest.mark.parametrize("text", ["1 85 05 75 123 456 73", "1.85.05.75.123.456.73",
                                  "1-85-05-75-123-456-73", " 185057512345673\t",
                                  "1 85 05 75 123 456 73".replace(" ", "\u00a0")])
def test_separators_are_ignored(text: str) -> None:
    assert parse_nir(text) == "185057512345673"


def test_corsica_letters_are_upper_cased() -> None:
    assert parse_nir("2 53 07 2a 073 004 43") == "253072A07300443"
    assert parse_nir("253072b07300470") == "253072B07300470"


@pytest.mark.parametrize(("text", "message"), [
    ("", "not 0"),
    ("18505751234567", "not 14"),
    ("1850575123456733", "not 16"),
    ("1850575123456", "key is missing"),
    ("x" * 100, "too long"),
    ("18505751234X673", "only digits"),
    ("1850575123456７3", "only digits"),  # full-width seven: not an ASCII digit
    ("185057512345²73", "only digits"),
    ("585057512345673", "first digit"),
    ("085057512345673", "first digit"),
    ("185007512345673", "month"),
    ("185137512345673", "month"),
    ("185437512345673", "month"),
    ("185050012345673", "department"),
    ("253072C07300443", "department"),
    ("2530720A7300443", "only digits"),
    ("185057512345674", "key"),
    ("295109912611199", "key"),
])
def test_each_rule_has_its_message(text: str, message: str) -> None:
    with pytest.raises(InvalidNir, match=message):
        parse_nir(text)


def test_messages_do_not_echo_the_number() -> None:
    with pytest.raises(InvalidNir) as caught:
        parse_nir("295109912611199")
    assert "2951099126111" not in str(caught.value)
    assert caught.value.code == "invalid_nir"
    assert status_of(caught.value) == 400


@pytest.mark.parametrize("month", ["20", "35", "42", "50", "99"])
def test_fictitious_months_are_allowed(month: str) -> None:
    body = f"185{month}75123456"
    assert len(body) == 13
    assert parse_nir(body + nir_key(body)) == body + nir_key(body)


@pytest.mark.parametrize("sex", "123478")
def test_allowed_sex_digits(sex: str) -> None:
    body = f"{sex}850575123456"
    assert parse_nir(body + nir_key(body))


def test_corsican_key_reads_2a_as_19_and_2b_as_18() -> None:
    assert nir_key("253072A073004") == f"{97 - 2530719073004 % 97:02d}"
    assert nir_key("253072B073004") == f"{97 - 2530718073004 % 97:02d}"


def test_nir_key_rejects_malformed_bodies() -> None:
    for body in ("", "12345", "253072C073004", "25307 A073004"):
        with pytest.raises(InvalidNir):
            nir_key(body)


def test_birth_matches() -> None:
    nir = "185057512345673"  # born May 1985
    assert nir_birth_matches(nir, datetime.date(1985, 5, 17))
    assert nir_birth_matches(nir, datetime.date(2085, 5, 1))  # only two digits of the year
    assert not nir_birth_matches(nir, datetime.date(1985, 6, 17))
    assert not nir_birth_matches(nir, datetime.date(1986, 5, 17))
    assert nir_birth_matches("1 85 05 75 123 456 73", datetime.date(1985, 5, 1))


def test_birth_matches_ignores_fictitious_months() -> None:
    nir = "175357851200129"  # month 35: unknown
    for month in (1, 6, 12):
        assert nir_birth_matches(nir, datetime.date(1975, month, 1))
    assert not nir_birth_matches(nir, datetime.date(1976, 1, 1))


def test_birth_matches_rejects_an_invalid_nir() -> None:
    with pytest.raises(InvalidNir):
        nir_birth_matches("185057512345674", datetime.date(1985, 5, 1))


# -- properties ----------------------------------------------------------------------------

def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


MONTHS = [f"{m:02d}" for m in [*range(1, 13), *range(20, 43), *range(50, 100)]]
DEPARTMENTS = [f"{d:02d}" for d in range(1, 100)] + ["2A", "2B"]
bodies = st.builds(lambda s, y, m, d, c, o: s + y + m + d + c + o,
                   st.sampled_from("123478"), digits(2), st.sampled_from(MONTHS),
                   st.sampled_from(DEPARTMENTS), digits(3), digits(3))


def reference_key(body: str) -> str:
    """The key computed independently of the module under test."""
    number = int(body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:])
    return f"{97 - number % 97:02d}"


@given(bodies)
def test_any_valid_body_with_its_key_parses(body: str) -> None:
    nir = body + reference_key(body)
    assert parse_nir(nir) == nir
    assert nir_key(body) == reference_key(body)


@given(bodies, st.data())
def test_any_single_digit_change_is_rejected(body: str, data: st.DataObject) -> None:
    nir = body + reference_key(body)
    position = data.draw(st.sampled_from([i for i, c in enumerate(nir) if c.isdigit()]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != nir[position]]))
    changed = nir[:position] + digit + nir[position + 1:]
    with pytest.raises(InvalidNir):
        parse_nir(changed)


@given(st.one_of(st.text(), st.text(alphabet="0123456789ABab2 .-", max_size=20)))
def test_arbitrary_text_raises_only_invalid_nir(text: str) -> None:
    try:
        result = parse_nir(text)
    except InvalidNir:
        return
    assert len(result) == 15
    assert parse_nir(result) == result

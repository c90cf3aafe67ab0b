"""Base45 (RFC 9285): the table-driven decoder against the RFC's examples and against a plain
per-group reference decoder on arbitrary text (valid or not)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import base45
from consent.base45 import ALPHABET, Base45Error

RFC = [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"),
       (b"ietf!", "QED8WEX0")]


def reference(text: str) -> bytes | None:
    """The RFC's algorithm one group at a time; None where the text is not canonical."""
    if len(text) % 3 == 1 or any(ch not in ALPHABET for ch in text):
        return None
    values = [ALPHABET.index(ch) for ch in text]
    out = bytearray()
    for i in range(0, len(values) - len(values) % 3, 3):
        n = values[i] + 45 * values[i + 1] + 2025 * values[i + 2]
        if n > 0xFFFF:
            return None
        out += n.to_bytes(2, "big")
    if len(values) % 3:
        n = values[-2] + 45 * values[-1]
        if n > 0xFF:
            return None
        out.append(n)
    return bytes(out)


@pytest.mark.parametrize(("data", "text"), RFC)
def test_rfc_examples(data: bytes, text: str) -> None:
    assert base45.encode(data) == text
    assert base45.decode(text) == data


@pytest.mark.parametrize("text", ["GGW", "00GGW", ":::", "0", "0000", "bb8", "BB8é", "BB\x00",
                                  "AB8" * 5 + ":::"])
def test_non_canonical_text_is_refused(text: str) -> None:
    with pytest.raises(Base45Error):
        base45.decode(text)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_round_trip(data: bytes) -> None:
    assert base45.decode(base45.encode(data)) == data


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET + "a\u00e9\x00", max_size=60))
def test_same_verdict_as_the_reference(text: str) -> None:
    expected = reference(text)
    if expected is None:
        with pytest.raises(Base45Error):
            base45.decode(text)
    else:
        assert base45.decode(text) == expected

"""QR links (consent.link): the deployment's origin, the kind in the path, the payload in
decimal after '#'; every kind reads both its link and its legacy text; tests/vectors/links.json
holds and the QR versions are the measured ones."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent import card, contact, identity, link, qr, token
from consent.errors import InvalidToken, NotACard, NotAContact, NotAnIdentity, NotAToken
from tests.consent import vectors
from vault.errors import InvalidInput

ORIGIN = "https://carnet.example.fr"
LINKS: dict[str, Any] = json.loads(vectors.LINKS_PATH.read_text())
DECODERS: dict[str, Callable[[str], object]] = {
    "C": token.from_text, "E": card.parse_card, "P": identity.decode, "K": contact.decode}


def _payload(kind: str, text: str) -> bytes:
    """The bytes each kind's reader gives back, in the vectors' form (version byte first)."""
    if kind == "C":
        return token.from_text(text)
    if kind == "E":
        card_id, share = card.parse_card(text)
        return bytes([card.VERSION]) + card_id + share
    if kind == "P":
        ps_id, fpr = identity.decode(text)
        return bytes([identity.VERSION, len(ps_id)]) + ps_id.encode() + fpr
    c = contact.decode(text)
    return bytes([contact.VERSION]) + bytes.fromhex(c.dossier_id) + c.sign_public + c.box_public


@pytest.mark.parametrize("code", LINKS["codes"], ids=lambda c: f"{c['kind']}-{c['origin']}")
def test_link_vectors(code: dict[str, Any]) -> None:
    text, payload = code["link"], bytes.fromhex(code["payload"])
    head, fragment = text.split("#")
    assert head == f"{code['origin'].upper()}/{code['kind']}"
    assert fragment == link.to_digits(payload) and fragment.isdigit()
    assert link.from_digits(fragment) == payload
    assert _payload(code["kind"], text) == payload  # the link reads
    assert _payload(code["kind"], code["legacy_text"]) == payload  # and so does the old text
    assert _payload(code["kind"], text.lower()) == payload  # a scanner that lower-cases all
    assert qr.qr_version(text) == code["qr_version_m"]


def test_measured_versions() -> None:
    """A consent token's link fits version 8 at M on a typical origin; the other codes are
    smaller."""
    found = {(c["origin"], c["kind"]): c["qr_version_m"] for c in LINKS["codes"]}
    assert found == {(o, k): v for o in vectors.LINK_ORIGINS
                     for k, v in {"C": 8, "P": 4, "K": 6, "E": 5}.items()}


def test_links_file_regenerates() -> None:
    assert vectors.dumps(vectors.build_links()) == vectors.LINKS_PATH.read_text()


def test_digit_vectors_and_origin_rules() -> None:
    for d in LINKS["digits"]:
        assert link.to_digits(bytes.fromhex(d["payload"])) == d["digits"]
        assert link.from_digits(d["digits"]) == bytes.fromhex(d["payload"])
    for given_url, expected in LINKS["origins"].items():
        if expected is None:
            with pytest.raises(InvalidInput):
                link.normalize_origin(given_url)
        else:
            assert link.normalize_origin(given_url) == expected


@given(st.binary(min_size=1, max_size=300))
def test_digits_round_trip_at_a_fixed_width(payload: bytes) -> None:
    text = link.to_digits(payload)
    assert len(text) == link.digits_for(len(payload)) and text.isdigit()
    assert link.from_digits(text) == payload


@given(st.text(alphabet="0123456789", min_size=1, max_size=400))
def test_from_digits_refuses_what_no_payload_gives(text: str) -> None:
    got = link.from_digits(text)
    assert got is None or link.to_digits(got) == text


def test_from_digits_refusals() -> None:
    widths = {link.digits_for(n) for n in range(1, 200)}
    assert 4 not in widths and link.from_digits("1234") is None  # no payload is 4 digits
    assert link.from_digits("999") is None  # 3 digits is 1 byte, and 999 > 255
    for bad in ("", "12a", "١٢٣", "+12", " 12"):
        assert link.from_digits(bad) is None


def test_origin_length_limit() -> None:
    assert link.normalize_origin("https://" + "a" * 92) == "https://" + "a" * 92
    with pytest.raises(InvalidInput):
        link.normalize_origin("https://" + "a" * 93)


def test_the_secret_is_only_in_the_fragment() -> None:
    """Whatever a browser sends to a server (everything before '#') holds no payload byte."""
    share = bytes(range(32))
    text = card.card_link(b"\x07" * 16, share, ORIGIN)
    before, after = text.split("#")
    assert before == "HTTPS://CARNET.EXAMPLE.FR/E"
    assert re.fullmatch(r"[0-9]+", after)


@pytest.mark.parametrize("kind", sorted(DECODERS))
def test_each_kind_refuses_the_others(kind: str) -> None:
    v = LINKS["codes"]
    for code in v:
        if code["kind"] == kind:
            continue
        with pytest.raises((NotAToken, NotACard, NotAnIdentity, NotAContact)):
            DECODERS[kind](code["link"])


def test_token_link_refusals() -> None:
    good = token.to_link(bytes.fromhex(LINKS["codes"][0]["payload"]), ORIGIN)
    for foreign in ("https://carnet.example.fr/C", "https://carnet.example.fr/#123",
                    "https://carnet.example.fr/X#123", "https://carnet.example.fr/app/C#123",
                    "ftp://carnet.example.fr/C#123", "HTTPS://CARNET.EXAMPLE.FR/C?x#1",
                    good.replace("#", "/#")):
        with pytest.raises(NotAToken):
            token.from_text(foreign)
    for garbled in ("https://carnet.example.fr/C#", "https://carnet.example.fr/C#1234",
                    good + "0", good[:-1], "HTTPS://X.FR/C#" + "9" * 2000):
        with pytest.raises(InvalidToken):
            token.from_text(garbled)
    assert token.from_text(f"  {good}\n") == bytes.fromhex(LINKS["codes"][0]["payload"])
    # a wrong version byte reads as bytes, then decode refuses it
    with pytest.raises(InvalidToken):
        token.decode(token.from_text(token.to_link(b"\x02" + bytes(123), ORIGIN)))


def test_building_refuses_bad_origins() -> None:
    data = bytes.fromhex(LINKS["codes"][0]["payload"])
    for bad in ("carnet.example.fr", "https://carnet.example.fr/app", "javascript:alert(1)",
                "https://carnet.example.fr#x", "https://é.fr"):
        with pytest.raises(InvalidInput):
            token.to_link(data, bad)
    with pytest.raises(InvalidInput):
        link.build(ORIGIN, "Z", data)

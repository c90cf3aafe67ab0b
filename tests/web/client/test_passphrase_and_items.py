"""A new passphrase must resist guessing (item 11); item dates and details as people write
them (item 14): future dates only for appointments, --date optional where it means nothing,
``name=value`` details; the home's recovery copy of a profile."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from vault import InvalidInput, UnlockFailed
from web.client import home
from web.client.item_rules import check_item_date, dated, parse_fields
from web.client.passphrase import (
    FLOOR_GUESSES,
    WeakPassphrase,
    check_new_passphrase,
    example,
    example_bits,
    log10_guesses,
)
from web.i18n import translate
from web.i18n.words import WORDS

TODAY = dt.date(2026, 12, 1)


def counter_rng() -> object:
    state = {"n": 0}

    def rng(size: int) -> bytes:
        state["n"] += 1
        return (state["n"] * 7919).to_bytes(8, "big")[-size:]
    return rng


@pytest.mark.parametrize("weak", ["pharmacist", "motdepasse2024", "azertyuiop123", "x",
                                  "pharmacist secret", "marie1985marie", "Tr0ub4dor&3"])
def test_weak_passphrases_are_refused_with_a_french_example(weak: str) -> None:
    with pytest.raises(WeakPassphrase) as caught:
        check_new_passphrase(weak)
    french = translate(caught.value.args[0], "fr")
    assert french.startswith("cette phrase secrète est trop facile à deviner")
    assert "par exemple « " in french and f"{example_bits()} bits" in french


def test_the_nir_counts_as_known() -> None:
    nir = "185057512345673"
    with pytest.raises(WeakPassphrase):
        check_new_passphrase(f"{nir}!", user_inputs=(nir,))


@pytest.mark.parametrize("strong", ["correct horse battery staple", "une phrase secrète",
                                    "zoe passphrase", "Café au lait, s'il vous plaît"])
def test_passphrases_the_suite_uses_are_accepted(strong: str) -> None:
    check_new_passphrase(strong)


def test_generated_examples_pass_the_floor_and_state_their_entropy() -> None:
    assert len(WORDS) == 512 and len(set(WORDS)) == 512
    assert all(w.isascii() and w.isalpha() and w.islower() for w in WORDS)
    assert example_bits() == 54
    for _ in range(30):
        phrase = example()
        assert len(phrase.split()) == 6
        assert log10_guesses(phrase) >= math.log10(FLOOR_GUESSES)
        check_new_passphrase(phrase)


def test_example_draws_from_the_rng() -> None:
    assert example(counter_rng()) == example(counter_rng())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ dates
def test_future_dates_are_refused_for_past_events_but_not_appointments() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_item_date("allergies", "allergy", "2027-01-01", today=TODAY)
    assert "in the future" in str(caught.value)
    check_item_date("allergies", "allergy", "2026-12-01", today=TODAY)
    check_item_date("care_history", "appointment", "2027-01-01", today=TODAY)


def test_date_is_optional_only_where_it_means_nothing() -> None:
    assert dated("blood_group", None, today=TODAY) == "2026-12-01"
    assert dated("contact", None, today=TODAY) == "2026-12-01"
    assert dated("allergy", "2024-03-01", today=TODAY) == "2024-03-01"
    with pytest.raises(InvalidInput, match="--date"):
        dated("allergy", None, today=TODAY)


def test_fields_as_name_value() -> None:
    assert parse_fields(["reaction=urticaire", "note=a=b", "vide="]) == {
        "reaction": "urticaire", "note": "a=b", "vide": ""}
    for bad in (["reaction"], ["=x"]):
        with pytest.raises(InvalidInput):
            parse_fields(bad)
    with pytest.raises(InvalidInput, match="twice"):
        parse_fields(["a=1", "a=2"])


# ------------------------------------------------------------------------------ home copy
def test_recovery_copy_opens_with_the_code_only(tmp_path: Path) -> None:
    profile = home.Profile(role="pro", server="http://s", login="810000000001",
                           sign_seed=b"s" * 32, box_secret=b"b" * 32, name="Dr A")
    home.save(tmp_path, profile, "first passphrase here")
    code = home.new_recovery_code()
    home.save_recovery(tmp_path, profile, code)
    assert (tmp_path / "pro.recovery.carnet").stat().st_mode & 0o777 == 0o600
    assert home.load_recovery(tmp_path, "pro", code) == profile
    with pytest.raises(UnlockFailed):
        home.load_recovery(tmp_path, "pro", home.new_recovery_code())
    with pytest.raises(UnlockFailed):  # not the patient's copy, even with the right code
        home.unseal_with_code((tmp_path / "pro.recovery.carnet").read_bytes(), "patient", code)
    assert b"810000000001" not in (tmp_path / "pro.recovery.carnet").read_bytes()
    assert home.remove(tmp_path, "pro") and not home.has_recovery(tmp_path, "pro")

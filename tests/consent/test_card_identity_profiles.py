"""Pure parts of emergency cards, identity codes and grant defaults."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent import card, identity
from consent.errors import NotACard, NotAnIdentity, PackageUnreadable
from consent.profiles import default_sections
from tests.support import DeterministicRandom
from vault.keyring import Keyring
from vault.sections import EMERGENCY_SUMMARY, Section

RNG = DeterministicRandom(b"card tests")


def test_card_splits_the_key_and_opens_only_with_both_shares() -> None:
    ring = Keyring.new(RNG)
    made = card.new_card(ring, "ab" * 16, RNG)
    card_id, share = card.parse_card(made.text)
    assert (card_id, share) == (made.card_id, made.card_share)
    keys = card.open_card_package(made.package, share, made.server_share, "ab" * 16, card_id)
    assert set(keys) == set(EMERGENCY_SUMMARY)
    assert all(ring.mask_ref not in ks for ks in keys.values())
    for bad_share, bad_server in ((bytes(32), made.server_share), (share, bytes(32))):
        with pytest.raises(PackageUnreadable):
            card.open_card_package(made.package, bad_share, bad_server, "ab" * 16, card_id)
    with pytest.raises(PackageUnreadable):  # another dossier's card id
        card.open_card_package(made.package, share, made.server_share, "cd" * 16, card_id)


def test_break_glass_package_opens_only_for_the_service() -> None:
    import nacl.public
    ring = Keyring.new(RNG)
    service = nacl.public.PrivateKey.generate()
    sealed, refs = card.seal_for_service(ring, service.public_key.encode(), RNG)
    assert set(card.open_for_service(sealed, service.encode())) == set(EMERGENCY_SUMMARY)
    assert len(refs) == len(EMERGENCY_SUMMARY)
    with pytest.raises(PackageUnreadable):
        card.open_for_service(sealed, nacl.public.PrivateKey.generate().encode())


@given(st.text(max_size=80))
def test_garbage_is_never_a_card_or_identity(text: str) -> None:
    with pytest.raises(NotACard):
        card.parse_card(text)
    with pytest.raises(NotAnIdentity):
        identity.decode(text)


def test_identity_roundtrip_and_refusals() -> None:
    text = identity.encode("810001234567", b"f" * 16)
    assert identity.decode(text) == ("810001234567", b"f" * 16)
    assert identity.decode(text.lower()[:len(identity.PREFIX)] + text[len(identity.PREFIX):])
    with pytest.raises(ValueError):
        identity.encode("12", b"f" * 16)
    with pytest.raises(NotAnIdentity):
        identity.decode(card.card_text(b"1" * 16, b"2" * 32))


def test_profession_defaults() -> None:
    assert default_sections("Pharmacien") == {Section.CURRENT_TREATMENTS, Section.ALLERGIES}
    assert Section.PERSONAL_NOTES not in default_sections("médecin")
    assert default_sections("astronaute") == {Section.ALLERGIES, Section.CURRENT_TREATMENTS}

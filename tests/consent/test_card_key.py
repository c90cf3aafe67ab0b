"""A card's key is derived (``consent.card.card_key``), so the patient's client can re-seal
its package after a rotation; the browser computes the same bytes (the constant below is
``web/browser/test/card.test.ts``'s)."""

from __future__ import annotations

import secrets

from consent import card
from vault.keyring import Keyring
from vault.sections import Section

CARD_KEY_KAT = "b143ae7b7de1d2aeda48baa5332737d99dc92e5f70bdb6e169352136894ef521"


def test_the_card_key_is_the_browsers() -> None:
    assert card.card_key(bytes(range(32)), bytes(range(16))).hex() == CARD_KEY_KAT


def test_a_derived_card_is_resealed_under_its_key_and_a_random_one_is_not() -> None:
    root, dossier = secrets.token_bytes(32), "ab" * 16
    ring = Keyring.new(secrets.token_bytes)
    made = card.new_card(ring, dossier, secrets.token_bytes, cards_root=root)
    key = bytes(a ^ b for a, b in zip(made.card_share, made.server_share, strict=True))
    assert key == card.card_key(root, made.card_id)  # the shares still make the card key
    ring = ring.rotate(Section.ALLERGIES, secrets.token_bytes)
    again = card.reseal_card(ring, dossier, made.card_id, made.package, root,
                             secrets.token_bytes)
    assert again is not None
    package, refs = again
    opened = card.open_card_package(package, made.card_share, made.server_share, dossier,
                                    made.card_id)
    assert ring.current(Section.ALLERGIES).ref in opened[Section.ALLERGIES]
    assert set(made.key_refs) < set(refs)
    legacy = card.new_card(ring, dossier, secrets.token_bytes)
    assert card.reseal_card(ring, dossier, legacy.card_id, legacy.package, root,
                            secrets.token_bytes) is None

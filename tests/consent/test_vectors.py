"""The committed consent vectors still hold, and they open/verify as documented."""

from __future__ import annotations

import json

from consent import audit, card, grant, token
from tests.consent import vectors


def test_consent_vectors_match_committed_file() -> None:
    assert vectors.build() == json.loads(vectors.PATH.read_text())


def test_consent_vectors_verify() -> None:
    v = json.loads(vectors.PATH.read_text())
    patient = bytes.fromhex(v["patient_sign_public"])
    tok = token.decode(token.from_text(v["token"]["text"]))
    tok.verify(patient)
    signed = grant.SignedGrant.decode(bytes.fromhex(v["grant"]["bytes"]))
    grant.verify(signed, patient)
    keys = grant.open_keys(signed, bytes.fromhex(v["recipient_box_secret"]))
    assert set(keys.keys) == tok.claims.sections
    head = audit.SignedHead.decode(bytes.fromhex(v["audit"]["signed_head"]))
    events = [audit.decode_event(bytes.fromhex(v["audit"]["event"]))]
    import nacl.signing
    server = nacl.signing.SigningKey(bytes.fromhex(v["audit"]["server_seed"]))
    audit.verify_chain(events, head, server.verify_key.encode(), last_seen=None)
    card_id, share = card.parse_card(v["card"]["text"])
    assert card.open_card_package(bytes.fromhex(v["card"]["package"]), share,
                                  bytes.fromhex(v["card"]["server_share"]),
                                  vectors.DOSSIER, card_id)

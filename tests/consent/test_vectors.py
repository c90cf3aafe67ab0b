"""The committed consent vectors still hold, and they open/verify as documented."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import nacl.public
import pytest

from consent import audit, card, deposit, grant, request, token
from tests.consent import vectors
from vault import items
from vault.crypto import verify_signature
from vault.sections import Section


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


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("path", list(vectors.FILES))
def test_every_vector_file_regenerates_byte_identical(path: Path) -> None:
    assert vectors.dumps(vectors.FILES[path]()) == path.read_text()


def test_request_vectors_verify() -> None:
    v = _load(vectors.REQUESTS_PATH)
    login = v["login"]
    assert request.login_message(login["challenge"]).hex() == login["message"]
    assert verify_signature(bytes.fromhex(login["public"]), bytes.fromhex(login["message"]),
                            bytes.fromhex(login["signature"]))
    req = v["request"]
    body = bytes.fromhex(req["body"])
    message = request.request_message(req["method"], req["path"], body,
                                      bytes.fromhex(req["nonce"]), req["at"])
    assert message.hex() == req["message"]
    assert message.startswith(b"CARNET-REQUEST\x01")
    assert verify_signature(bytes.fromhex(req["public"]), message,
                            bytes.fromhex(req["signature"]))
    assert base64.b64decode(req["headers"]["x-carnet-signature"]).hex() == req["signature"]
    event = audit.decode_event(bytes.fromhex(v["audit_event"]["event"]))
    assert dict(event.detail) == v["audit_event"]["detail"]
    audit.verify_request(event)  # anyone holding the log re-checks the signature


def test_deposit_vectors_verify_and_open() -> None:
    v = _load(vectors.DEPOSIT_PATH)
    sealed = bytes.fromhex(v["sealed"])
    deposit.verify(v["dossier_id"], v["deposit_id"], sealed, bytes.fromhex(v["signature"]),
                   bytes.fromhex(v["depositor_public"]))
    assert deposit.message(v["dossier_id"], v["deposit_id"], sealed).hex() == v["message"]
    secret = bytes.fromhex(v["patient_box_secret"])
    assert deposit.open_(sealed, secret).hex() == v["plaintext"]
    # The layout is libsodium's sealed box: its own crypto_box_seal_open opens it.
    assert nacl.public.SealedBox(nacl.public.PrivateKey(secret)).decrypt(sealed).hex() == (
        v["plaintext"])
    assert sealed[:32].hex() == v["ephemeral_public"]
    item = items.decode(bytes.fromhex(v["plaintext"]), item_id=v["deposit_id"], revision=1)
    assert item.author.kind == "professional"


def test_card_vectors_open() -> None:
    v = _load(vectors.CARD_PATH)
    keys = {Section(s): {ref: bytes.fromhex(k) for ref, k in ks.items()}
            for s, ks in v["keys"].items()}
    assert card.encode_keys(keys).hex() == v["keys_plaintext"]
    c = v["card"]
    card_id, share = card.parse_card(c["text"])
    assert (card_id.hex(), share.hex()) == (c["card_id"], c["card_share"])
    opened = card.open_card_package(bytes.fromhex(c["package"]), share,
                                    bytes.fromhex(c["server_share"]), v["dossier_id"], card_id)
    assert opened == keys
    assert card.refs_of(keys) == tuple(c["key_refs"])
    bg = v["break_glass"]
    assert card.open_for_service(bytes.fromhex(bg["sealed"]),
                                 bytes.fromhex(bg["service_box_secret"])) == keys

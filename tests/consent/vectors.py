"""Known-answer vectors for the consent formats (docs/formats.md): tokens and their text and QR
form, grants, audit events and heads, directory countersignatures, identity, contact and card
codes. Ed25519 is deterministic and every other random input comes from fixed seeds, so
``build()`` reproduces the committed file exactly. Regenerate: ``python -m tests.consent.vectors``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nacl.signing

from consent import audit, card, contact, directory, grant, identity, token
from tests.support import DeterministicRandom
from vault.crypto import fingerprint
from vault.keyring import Keyring
from vault.sections import Section

PATH = Path(__file__).resolve().parents[1] / "vectors" / "consent.json"
DOSSIER = "0123456789abcdef0123456789abcdef"


def build() -> dict[str, Any]:
    r = DeterministicRandom(b"consent vectors")
    ring = Keyring.new(r)
    patient = ring.signing_key
    pro_sign = nacl.signing.SigningKey(r(32))
    pro_box = nacl.signing.SigningKey(r(32)).to_curve25519_private_key()
    grant_id = r(16)
    claims = token.TokenClaims(
        sections=frozenset({Section.ALLERGIES, Section.CURRENT_TREATMENTS}), write=False,
        emergency=False, grant_id=grant_id,
        patient_fpr=fingerprint(patient.verify_key.encode()),
        recipient_fpr=fingerprint(pro_sign.verify_key.encode()), issued_at=1_790_000_000,
        expires_at=1_790_014_400)
    tok = token.sign(claims, patient)
    signed = grant.issue(ring=ring, dossier_id=DOSSIER, recipient_id="810001234567",
                         recipient_sign_public=pro_sign.verify_key.encode(),
                         recipient_box_public=pro_box.public_key.encode(),
                         sections=claims.sections, write=False, issued_at=claims.issued_at,
                         expires_at=claims.expires_at, grant_id=grant_id, rng=r)
    event = audit.Event(seq=0, at=1_790_000_001, kind="grant_issued", actor="patient",
                        detail={"grant": grant_id.hex(), "write": 0})
    head = audit.append(None, event)
    server = nacl.signing.SigningKey(r(32))
    authority = nacl.signing.SigningKey(r(32))
    entry = directory.Entry(ps_id="810001234567", name="Dr Martin", profession="médecin",
                            specialty="", city="Lyon", roles=("pharmacist",),
                            sign_public=pro_sign.verify_key.encode(),
                            box_public=pro_box.public_key.encode())
    made = card.new_card(ring, DOSSIER, r)
    return {
        "_doc": "docs/formats.md; hex unless said",
        "patient_sign_public": patient.verify_key.encode().hex(),
        "recipient_sign_public": pro_sign.verify_key.encode().hex(),
        "recipient_box_secret": pro_box.encode().hex(),
        "token": {"bytes": tok.hex(), "text": token.to_text(tok)},
        "grant": {"bytes": signed.encode().hex()},
        "audit": {"event": audit.encode_event(event).hex(), "hash": head.hash.hex(),
                  "server_seed": bytes(server).hex(),
                  "signed_head": audit.sign_head(DOSSIER, head, 1_790_000_002,
                                                 server).encode().hex()},
        "directory": {"authority_seed": bytes(authority).hex(),
                      "message": directory.message(entry).hex(),
                      "signature": directory.countersign(entry, authority).hex()},
        "identity": identity.encode("810001234567", fingerprint(pro_sign.verify_key.encode())),
        "contact": contact.encode(contact.Contact(DOSSIER, patient.verify_key.encode(),
                                                  ring.box_key.public_key.encode())),
        "card": {"text": made.text, "server_share": made.server_share.hex(),
                 "package": made.package.hex()},
    }


if __name__ == "__main__":
    PATH.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")

"""Known-answer vectors for the consent formats (docs/formats.md), in five files:

- ``consent.json`` (``build``): tokens and their text, grants, audit events and heads,
  directory countersignatures, identity, contact and card codes;
- ``requests.json`` (``build_requests``): the login message and a professional's signed
  request, with the headers that carry it and the audit event that records it;
- ``deposit.json`` (``build_deposit``): an item sealed to a patient and signed by the depositor;
- ``card.json`` (``build_card``): an emergency card from explicit keys (text, shares, package)
  and the break-glass package sealed to the emergency service;
- ``links.json`` (``build_links``): the QR links (``consent.link``) of ``consent.json``'s
  token, identity, contact and card on two origins, the decimal codec and origin rules.

Ed25519 is deterministic and every other random input comes from fixed seeds (the sealed
boxes' ephemeral keys too, through ``vault.crypto.seal_to``), so each ``build`` reproduces its
committed file exactly. Regenerate with ``scripts/make-vectors`` only when a format changes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import nacl.signing

from consent import (
    audit,
    card,
    contact,
    deposit,
    directory,
    grant,
    identity,
    link,
    request,
    token,
)
from tests.support import DeterministicRandom
from vault import items
from vault.crypto import associated_data, fingerprint
from vault.items import Author
from vault.keyring import Keyring
from vault.sections import Section

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
PATH = VECTORS / "consent.json"
REQUESTS_PATH = VECTORS / "requests.json"
DEPOSIT_PATH = VECTORS / "deposit.json"
CARD_PATH = VECTORS / "card.json"
LINKS_PATH = VECTORS / "links.json"
LINK_ORIGINS = ("https://carnet.example.fr", "http://127.0.0.1:8000")
DOSSIER = "0123456789abcdef0123456789abcdef"
PS_ID = "810001234567"
CHALLENGE = "eyJsIjoiODEwMDAxMjM0NTY3IiwibiI6IjAwMDAifQ.aGVsbG8.c2lnbmF0dXJlLW9mLXRoZS1zZXJ2ZXI"


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


def build_requests() -> dict[str, Any]:
    r = DeterministicRandom(b"request vectors")
    login_key = nacl.signing.SigningKey(r(32))
    login = request.login_message(CHALLENGE)
    pro = nacl.signing.SigningKey(r(32))
    method, path, at = "POST", "/consent/scan", 1_790_000_000
    body = b'{"token":"HTTPS://CRNT.FR/C/EXAMPLE"}'
    nonce = r(16)
    signature = request.sign_request(method, path, body, nonce, at, pro)
    detail = request.request_detail(method, path, body, nonce, at)
    event = audit.Event(seq=3, at=at + 1, kind="token_scanned", actor=f"ps:{PS_ID}",
                        detail={**detail, "grant": "ab" * 16, "items": 2,
                                "sections": "allergies,current_treatments"},
                        request_signature=signature, actor_public=pro.verify_key.encode())
    return {
        "_doc": "docs/formats.md (Login message, Signed professional requests); hex unless said",
        "login": {"challenge": CHALLENGE, "message": login.hex(),
                  "seed": bytes(login_key).hex(),
                  "public": login_key.verify_key.encode().hex(),
                  "signature": login_key.sign(login).signature.hex()},
        "request": {"seed": bytes(pro).hex(), "public": pro.verify_key.encode().hex(),
                    "method": method, "path": path, "body": body.hex(),
                    "body_sha256": hashlib.sha256(body).hexdigest(), "nonce": nonce.hex(),
                    "at": at, "message": request.request_message(method, path, body, nonce,
                                                                 at).hex(),
                    "signature": signature.hex(),
                    "headers": {"x-carnet-nonce": nonce.hex(), "x-carnet-time": str(at),
                                "x-carnet-signature": base64.b64encode(signature).decode()}},
        "audit_event": {"event": audit.encode_event(event).hex(),
                        "detail": dict(sorted(event.detail.items()))},
    }


def build_deposit() -> dict[str, Any]:
    r = DeterministicRandom(b"deposit vectors")
    patient_box = nacl.signing.SigningKey(r(32)).to_curve25519_private_key()
    depositor = nacl.signing.SigningKey(r(32))
    deposit_id = r(16).hex()
    d = items.draft("exam_results", "lab_result", "NFS", "2025-02-03",
                    {"hemoglobin_g_dl": 13.9}, Author.professional(PS_ID, "Dr Martin"))
    plaintext = items.encode(d, created_at=1_790_000_000)
    sealed = deposit.seal(plaintext, patient_box.public_key.encode(), r)
    return {
        "_doc": "docs/formats.md (Deposit); hex unless said",
        "dossier_id": DOSSIER, "deposit_id": deposit_id,
        "patient_box_secret": patient_box.encode().hex(),
        "patient_box_public": patient_box.public_key.encode().hex(),
        "depositor_seed": bytes(depositor).hex(),
        "depositor_public": depositor.verify_key.encode().hex(),
        "plaintext": plaintext.hex(), "ephemeral_public": sealed[:32].hex(),
        "sealed": sealed.hex(),
        "message": deposit.message(DOSSIER, deposit_id, sealed).hex(),
        "signature": deposit.sign(DOSSIER, deposit_id, sealed, depositor).hex(),
    }


def build_card() -> dict[str, Any]:
    r = DeterministicRandom(b"card vectors")
    # Two key versions for allergies, as after a revocation. The vector lists the summary keys
    # explicitly, so the browser rebuilds the package without the keyring.
    ring = Keyring.new(r).rotate(Section.ALLERGIES, r)
    keys = card.summary_keys(ring)
    made = card.new_card(ring, DOSSIER, r)
    service = nacl.signing.SigningKey(r(32)).to_curve25519_private_key()
    sealed, refs = card.seal_for_service(ring, service.public_key.encode(), r)
    key = bytes(a ^ b for a, b in zip(made.card_share, made.server_share, strict=True))
    return {
        "_doc": "docs/formats.md (Emergency card); hex unless said",
        "dossier_id": DOSSIER,
        "keys": {s.value: {ref: k.hex() for ref, k in ks.items()} for s, ks in keys.items()},
        "keys_plaintext": card.encode_keys(keys).hex(),
        "card": {"card_id": made.card_id.hex(), "card_share": made.card_share.hex(),
                 "server_share": made.server_share.hex(), "key": key.hex(),
                 "ad": associated_data("card", DOSSIER, made.card_id).hex(),
                 "package": made.package.hex(), "key_refs": list(made.key_refs),
                 "text": made.text},
        "break_glass": {"service_box_secret": service.encode().hex(),
                        "service_box_public": service.public_key.encode().hex(),
                        "ephemeral_public": sealed[:32].hex(), "sealed": sealed.hex(),
                        "key_refs": list(refs)},
    }


def build_links() -> dict[str, Any]:
    import consent.qr  # the measured versions (qrcode's choice at error correction M)

    v = build()
    tok = bytes.fromhex(v["token"]["bytes"])
    ps_id, fpr = identity.decode(v["identity"])
    who = contact.decode(v["contact"])
    card_id, share = card.parse_card(v["card"]["text"])
    codes: list[dict[str, Any]] = []
    for origin in LINK_ORIGINS:
        made = {"C": (token.to_link(tok, origin), v["token"]["text"], tok),
                "P": (identity.link(ps_id, fpr, origin), v["identity"],
                      bytes([identity.VERSION, len(ps_id)]) + ps_id.encode() + fpr),
                "K": (contact.link(who, origin), v["contact"],
                      bytes([contact.VERSION]) + bytes.fromhex(who.dossier_id)
                      + who.sign_public + who.box_public),
                "E": (card.card_link(card_id, share, origin), v["card"]["text"],
                      bytes([card.VERSION]) + card_id + share)}
        codes += [{"origin": origin, "kind": kind, "payload": payload.hex(), "link": text,
                   "legacy_text": legacy, "qr_version_m": consent.qr.qr_version(text)}
                  for kind, (text, legacy, payload) in made.items()]
    digits = [{"payload": p.hex(), "digits": link.to_digits(p)}
              for p in (b"\x00", b"\xff", b"\x01\x00", b"\xff" * 3, bytes(range(1, 11)))]
    origins = {text: _normalized(text) for text in (
        "https://Carnet.Example.FR", "https://carnet.example.fr/", "http://127.0.0.1:8000",
        "https://carnet.example.fr:8443", "https://carnet.example.fr/app",
        "https://user@carnet.example.fr", "ftp://carnet.example.fr", "https://[::1]:8000",
        "https://carnet.example.fr/?x=1", "https://carnet_example.fr")}
    return {"_doc": "docs/formats.md (QR links); payload hex = the bytes after '#', decoded",
            "codes": codes, "digits": digits, "origins": origins}


def _normalized(text: str) -> str | None:
    try:
        return link.normalize_origin(text)
    except ValueError:
        return None


FILES: dict[Path, Any] = {PATH: build, REQUESTS_PATH: build_requests,
                          DEPOSIT_PATH: build_deposit, CARD_PATH: build_card,
                          LINKS_PATH: build_links}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def write() -> None:
    for path, builder in FILES.items():
        path.write_text(dumps(builder()))


if __name__ == "__main__":
    write()

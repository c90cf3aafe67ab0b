"""Known-answer vectors for the vault's byte formats (docs/formats.md).

``build()`` recomputes every deterministic vector from fixed seeds; ``tests/vectors/vault.json``
holds the committed output plus "open" vectors (attachment, archive) whose creation uses
libsodium's internal randomness. The browser client must pass the same file.
Regenerate with ``scripts/make-vectors`` only when a format version changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nacl.signing

from tests.support import DeterministicRandom
from vault import archive, attachments, envelope, items, keyring, keys, recovery, tombstone
from vault.crypto import KdfParams, associated_data, derive
from vault.itembox import item_ad, seal_item
from vault.items import Author
from vault.keyring import EmergencyRecord, KeyLookup, Keyring
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY
from vault.sections import Section

PATH = Path(__file__).resolve().parents[1] / "vectors" / "vault.json"
PASSPHRASE = "Cafe\u0301 au lait, s'il vous pla\u00eet"
DOSSIER = "0123456789abcdef0123456789abcdef"
ITEM = "fedcba9876543210fedcba9876543210"


def _h(b: bytes) -> str:
    return b.hex()


def build() -> dict[str, Any]:
    out: dict[str, Any] = {"_doc": "docs/formats.md; hex unless said; text is UTF-8"}
    root = bytes(range(32))
    out["derive"] = {"root": _h(root), "cases": [
        {"purpose": p, "key": _h(derive(root, p))} for p in ("carnet.wrap", "carnet.login")]}
    out["associated_data"] = [
        {"purpose": "item", "fields": [DOSSIER, "allergies", ITEM, 3],
         "ad": _h(associated_data("item", DOSSIER, "allergies", ITEM, 3))},
        {"purpose": "master", "fields": [DOSSIER, "passphrase"],
         "ad": _h(associated_data("master", DOSSIER, "passphrase"))},
    ]
    r = DeterministicRandom(b"envelope")
    key, ad, pt = r(32), b"carnet vector ad", "Allergie: pénicilline".encode()
    out["envelope"] = {"key": _h(key), "ad": _h(ad), "plaintext": _h(pt),
                       "blob": _h(envelope.seal(key, pt, ad, r))}

    r = DeterministicRandom(b"slot")
    master = r(32)
    params = KdfParams.new(r)
    slot = keys.make_slot(SLOT_PASSPHRASE, PASSPHRASE, master, DOSSIER, params, r)
    secrets = keys.stretch_secret(SLOT_PASSPHRASE, PASSPHRASE, params)
    out["passphrase_slot"] = {
        "passphrase": PASSPHRASE, "nfkc_utf8": _h(keys.secret_bytes(SLOT_PASSPHRASE, PASSPHRASE)),
        "dossier_id": DOSSIER, "salt": _h(params.salt), "opslimit": params.opslimit,
        "memlimit": params.memlimit, "master": _h(master), "wrap_key": _h(secrets.wrap_key),
        "login_public": _h(slot.login_public), "wrapped": _h(slot.wrapped)}

    r = DeterministicRandom(b"recovery")
    code = recovery.generate(r)
    params = KdfParams.new(r)
    rslot = keys.make_slot(SLOT_RECOVERY, code, master, DOSSIER, params, r)
    out["recovery_slot"] = {"code": code, "secret": _h(recovery.parse(code)),
                            "salt": _h(params.salt), "opslimit": params.opslimit,
                            "memlimit": params.memlimit, "master": _h(master),
                            "wrapped": _h(rslot.wrapped)}

    r = DeterministicRandom(b"keyring")
    ring = Keyring.new(r).with_masked(Section.PERSONAL_NOTES, True)
    out["keyring"] = {"master": _h(master), "dossier_id": DOSSIER, "version": 1,
                      "plaintext": _h(keyring.encode(ring)),
                      "blob": _h(keyring.seal(ring, master, DOSSIER, 1, r)),
                      "sign_public": _h(ring.signing_key.verify_key.encode()),
                      "box_public": _h(ring.box_key.public_key.encode())}

    # The emergency record (a card issued, break-glass on): the same bytes from both clients.
    r = DeterministicRandom(b"keyring-emergency")
    record = EmergencyRecord().with_card(r(16).hex(), 1_790_000_000).with_card(
        r(16).hex(), 1_800_000_000).with_break_glass(r(32))
    ring = Keyring.new(r).with_emergency(record)
    out["keyring_emergency"] = {
        "plaintext": _h(keyring.encode(ring)), "break_glass": _h(record.break_glass or b""),
        "cards": dict(sorted(record.cards.items()))}

    r = DeterministicRandom(b"item")
    section_key = KeyLookup(ref=r(16).hex(), key=r(32), section=Section.ALLERGIES)
    mask_key = KeyLookup(ref=r(16).hex(), key=r(32), section=None)
    d = items.draft("allergies", "allergy", "Pénicilline", "2024-03-01",
                    {"substance": "penicillin", "severity": "high"}, Author.patient())
    plaintext = items.encode(d, created_at=1_790_000_000)
    record = seal_item(plaintext, dossier_id=DOSSIER, item_id=ITEM, revision=2,
                       created_at=1_790_000_000, wrapping=section_key,
                       section=Section.ALLERGIES, rng=r)
    masked = seal_item(plaintext, dossier_id=DOSSIER, item_id=ITEM, revision=2,
                       created_at=1_790_000_000, wrapping=mask_key,
                       section=Section.ALLERGIES, rng=r)
    out["item"] = {
        "dossier_id": DOSSIER, "item_id": ITEM, "revision": 2, "section": "allergies",
        "section_key_ref": section_key.ref, "section_key": _h(section_key.key),
        "mask_key": _h(mask_key.key),
        "plaintext": _h(items.encode(d, created_at=1_790_000_000)),
        "item_key_ad": _h(item_ad("item-key", DOSSIER, Section.ALLERGIES, ITEM, 2)),
        "item_ad": _h(item_ad("item", DOSSIER, Section.ALLERGIES, ITEM, 2)),
        "wrapped_key": _h(record.wrapped_key), "ciphertext": _h(record.ciphertext),
        "masked_wrapped_key": _h(masked.wrapped_key), "masked_ciphertext": _h(masked.ciphertext)}

    stone = tombstone.sign(DOSSIER, 1_800_000_000, nacl.signing.SigningKey(b"\x07" * 32))
    out["tombstone"] = {"seed": _h(b"\x07" * 32), "dossier_id": DOSSIER,
                        "closed_at": 1_800_000_000, "blob": _h(tombstone.encode(stone))}
    return out


def build_open_vectors() -> dict[str, Any]:
    """Vectors whose creation is not reproducible (secretstream's random header)."""
    r = DeterministicRandom(b"attachment")
    data = bytes(i % 256 for i in range(66_000))
    ref, blobs = attachments.seal(data, dossier_id=DOSSIER, attachment_id=ITEM, name="a.pdf",
                                  media_type="application/pdf", rng=r)
    att = {"dossier_id": DOSSIER, "attachment_id": ITEM, "key": _h(ref.key),
           "header": _h(ref.header), "size": ref.size, "plaintext_pattern": "byte i = i mod 256",
           "chunks": [_h(b) for b in blobs]}
    r = DeterministicRandom(b"archive")
    master = r(32)
    slot = keys.make_slot(SLOT_PASSPHRASE, PASSPHRASE, master, DOSSIER, KdfParams.new(r), r)
    d = items.draft("blood_group", "blood_group", "O+", "2020-01-01", {"abo": "O"})
    item = items.decode(items.encode(d, created_at=1), item_id=ITEM, revision=1)
    blob = archive.write(DOSSIER, master, [slot], [archive.Entry(item)], exported_at=5, rng=r)
    return {"attachment": att, "archive": {"passphrase": PASSPHRASE, "blob": _h(blob),
                                           "titles": ["O+"]}}


def write(*, new_open: bool = False) -> None:
    """Rewrite the file. The "open" vectors are not reproducible, so the committed ones are
    kept unless ``new_open`` (or the file has none yet): regenerating leaves it byte-identical
    while no format changed."""
    PATH.parent.mkdir(parents=True, exist_ok=True)
    committed = json.loads(PATH.read_text()) if PATH.exists() else {}
    opened = build_open_vectors() if new_open or "open" not in committed else committed["open"]
    PATH.write_text(json.dumps({**build(), "open": opened}, indent=1, ensure_ascii=False)
                    + "\n")


if __name__ == "__main__":
    import sys

    write(new_open="--new-open" in sys.argv[1:])

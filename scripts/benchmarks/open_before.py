"""scripts/bench open's baseline: the per-item recipe as it was before the batch path (sealing
and opening through PyNaCl's wrappers, associated data built per item, a listing that looks
up keys per item), kept to be timed in the same run as today's code."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping

import nacl.bindings as sodium
import nacl.signing
import nacl.utils

from scripts.benchmarks.serverproc import REPO
from vault import Item, items
from vault.errors import DecryptionFailed, FormatError, NotFound
from vault.keyring import KeyLookup
from vault.records import ItemRecord
from vault.sections import Section
from web import schemas

SYNTHEA = REPO.parent / "shared" / "data" / "fhir" / "synthea"
PASSPHRASE = "bench passphrase 2026"  # noqa: S105 (benchmark data)
DOSSIER = "ab" * 16



def _old_ad(purpose: str, *fields: str | int | bytes) -> bytes:
    parts: list[bytes] = [b"CARNET1", purpose.encode("ascii")]
    for field in fields:
        if isinstance(field, int):
            parts.append(field.to_bytes(8, "big"))
        elif isinstance(field, str):
            parts.append(field.encode("utf-8"))
        else:
            parts.append(bytes(field))
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def _old_seal(key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    nonce = nacl.utils.random(24)
    return bytes([1]) + nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, ad, nonce, key)


def _old_open(key: bytes, blob: bytes, ad: bytes) -> bytes:
    view = memoryview(blob)
    if len(blob) < 41 or view[0] != 1:
        raise DecryptionFailed()
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(bytes(view[25:]), ad,
                                                                 bytes(view[1:25]), key)
    except Exception as exc:
        raise DecryptionFailed() from exc


def _old_seal_item(plaintext: bytes, key: KeyLookup, section: Section) -> tuple[bytes, bytes]:
    item_key = nacl.utils.random(32)
    where = (DOSSIER, section.value, "ef" * 16, 1)
    return (_old_seal(key.key, item_key, _old_ad("item-key", *where)),
            _old_seal(item_key, plaintext, _old_ad("item", *where)))


def _old_decode(data: bytes, record: ItemRecord) -> Item:
    wire = items._decoder.decode(memoryview(data)[1:])
    d = items.draft(wire.section, wire.type, wire.title, wire.date, wire.body, wire.author)
    return Item(item_id=record.item_id, revision=record.revision, section=d.section,
                item_type=d.item_type, title=d.title, date=d.date, body=d.body,
                author=d.author, created_at=wire.created_at, attachment=wire.attachment)


def _old_open_record(record: ItemRecord, found: KeyLookup) -> Item:
    if found.section is None:
        raise DecryptionFailed()  # masked items: none in these dossiers
    where = (record.dossier_id, found.section.value, record.item_id, record.revision)
    item_key = _old_open(found.key, record.wrapped_key, _old_ad("item-key", *where))
    item = _old_decode(_old_open(item_key, record.ciphertext, _old_ad("item", *where)), record)
    if item.section != found.section:
        raise DecryptionFailed()
    return item


def _old_list(records: Iterable[ItemRecord], lookup: Callable[[str], KeyLookup]) -> list[Item]:
    found: list[Item] = []
    for record in records:
        with contextlib.suppress(DecryptionFailed, FormatError, NotFound):
            found.append(_old_open_record(record, lookup(record.key_ref)))
    return sorted(found, key=lambda i: (i.date, i.created_at), reverse=True)


def _old_decrypt(dossier_id: str, bodies: Iterable[schemas.ItemBody],
                 keys: Mapping[Section, Mapping[str, bytes]]) -> list[Item]:
    by_ref = {ref: (section, key) for section, ks in keys.items() for ref, key in ks.items()}
    found: list[Item] = []
    for body in bodies:
        record = body.record(dossier_id)
        hit = by_ref.get(record.key_ref)
        if hit is not None:
            found.append(_old_open_record(record, KeyLookup(record.key_ref, hit[1], hit[0])))
    return found



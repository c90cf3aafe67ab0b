"""The item-sealing recipe: one item revision under a fresh item key, wrapped by a section key
or the mask key (``docs/formats.md``, "Item revision").

    item key    = 32 random bytes, fresh for every revision
    wrapped_key = envelope(wrapping key, item key,
                           AD("item-key" or "item-key-masked", dossier, section, item, revision))
    ciphertext  = envelope(item key, plaintext, AD("item", dossier, section, item, revision))

Pure: randomness comes from the caller. Used by the patient's ``Dossier`` and by a
professional's client writing through a grant or opening what a grant, a card or break-glass
gives; every failure to open is ``DecryptionFailed``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from vault import envelope, items
from vault.crypto import KEY_BYTES, Random, ad_fields, associated_data
from vault.errors import DecryptionFailed, FormatError
from vault.items import Item
from vault.keyring import KeyLookup
from vault.records import ItemRecord
from vault.sections import Section

__all__ = ["item_ad", "open_item_with_key", "open_record", "open_records", "reseal_item",
           "seal_item", "unwrap_item_key", "wrap_item_key"]


def item_ad(purpose: str, dossier_id: str, section: Section, item_id: str, revision: int) -> bytes:
    """Associated data binding an item's wrap or ciphertext to where it belongs."""
    return _ad_head(purpose, dossier_id, section) + ad_fields(item_id, revision)


@functools.lru_cache(maxsize=256)
def _ad_head(purpose: str, dossier_id: str, section: Section) -> bytes:
    """The start of ``item_ad`` (purpose, dossier, section), the same for every item of a
    section: computed once per listing, not once per item."""
    return associated_data(purpose, dossier_id, section.value)


def _wrap_purpose(wrapping: KeyLookup) -> str:
    return "item-key-masked" if wrapping.is_mask else "item-key"


def seal_item(plaintext: bytes, *, dossier_id: str, item_id: str, revision: int,
              created_at: int, wrapping: KeyLookup, section: Section,
              rng: Random) -> ItemRecord:
    """Encrypt one item revision (``items.encode`` output) under a fresh item key wrapped by
    ``wrapping``."""
    item_key = rng(KEY_BYTES)
    where = ad_fields(item_id, revision)  # the associated data's tail, shared by both
    wrapped = envelope.seal(wrapping.key, item_key,
                            _ad_head(_wrap_purpose(wrapping), dossier_id, section) + where, rng)
    return ItemRecord(
        dossier_id=dossier_id, item_id=item_id, revision=revision, key_ref=wrapping.ref,
        wrapped_key=wrapped,
        ciphertext=envelope.seal(item_key, plaintext,
                                 _ad_head("item", dossier_id, section) + where, rng),
        created_at=created_at)


def reseal_item(record: ItemRecord, item_key: bytes, section: Section, wrapping: KeyLookup,
                rng: Random) -> ItemRecord:
    """``record`` re-encrypted under a fresh item key wrapped by ``wrapping`` (masking: no
    earlier wrap of the old item key opens the new ciphertext). ``DecryptionFailed`` if
    ``item_key`` or ``section`` is not the revision's."""
    plaintext = envelope.open_(item_key, record.ciphertext,
                               item_ad("item", record.dossier_id, section, record.item_id,
                                       record.revision))
    return seal_item(plaintext, dossier_id=record.dossier_id, item_id=record.item_id,
                     revision=record.revision, created_at=record.created_at,
                     wrapping=wrapping, section=section, rng=rng)


def wrap_item_key(item_key: bytes, wrapping: KeyLookup, dossier_id: str,
                  section: Section, item_id: str, revision: int, rng: Random) -> bytes:
    """The item key wrapped by a section key (or the mask key, with its own purpose)."""
    return envelope.seal(wrapping.key, item_key,
                         item_ad(_wrap_purpose(wrapping), dossier_id, section, item_id,
                                 revision), rng)


def unwrap_item_key(record: ItemRecord, wrapping: KeyLookup, section: Section) -> bytes:
    """The item key of ``record``; ``DecryptionFailed`` if ``wrapping`` or ``section`` is not
    the one it was wrapped for."""
    return envelope.open_(wrapping.key, record.wrapped_key,
                          item_ad(_wrap_purpose(wrapping), record.dossier_id, section,
                                  record.item_id, record.revision))


def open_item_with_key(record: ItemRecord, item_key: bytes, section: Section,
                       masked: bool = False) -> Item:
    """Decrypt an item revision given its key; the plaintext must name the same section."""
    return _open_with_key(record, item_key, section, masked,
                          ad_fields(record.item_id, record.revision))


def _open_with_key(record: ItemRecord, item_key: bytes, section: Section, masked: bool,
                   where: bytes) -> Item:
    plaintext = envelope.open_(item_key, record.ciphertext,
                               _ad_head("item", record.dossier_id, section) + where)
    item = items.decode(plaintext, item_id=record.item_id, revision=record.revision,
                        masked=masked)
    if item.section != section:
        raise DecryptionFailed()
    return item


def open_record(record: ItemRecord, wrapping: KeyLookup) -> Item:
    """Unwrap and decrypt one revision with the key its ``key_ref`` names. A section key
    opens its own section's wraps; the mask key, whose wraps bind a section the server must
    not learn, is tried against each section in turn (ten at most). ``DecryptionFailed`` or
    ``FormatError`` if it does not open or decode."""
    where = ad_fields(record.item_id, record.revision)  # shared by the wrap's and item's ad
    home = wrapping.section
    if home is not None:
        item_key = envelope.open_(wrapping.key, record.wrapped_key,
                                  _ad_head("item-key", record.dossier_id, home) + where)
        return _open_with_key(record, item_key, home, False, where)
    for section in Section:
        try:
            item_key = envelope.open_(
                wrapping.key, record.wrapped_key,
                _ad_head("item-key-masked", record.dossier_id, section) + where)
        except DecryptionFailed:
            continue
        return _open_with_key(record, item_key, section, True, where)
    raise DecryptionFailed()


def open_records(records: Iterable[ItemRecord], resolve: Callable[[str], KeyLookup | None],
                 *, unknown_unreadable: bool = False) -> tuple[list[Item], list[str]]:
    """The batch path of a listing or a scan: every revision whose ``key_ref`` ``resolve``
    knows, opened (``open_record``); those it does not know are left out (counted unreadable
    with ``unknown_unreadable``: the patient's keyring knows every key). Returns the items
    and the ids of those that did not open or decode: one bad item (written by a faulty or
    hostile client) never hides the others. Each wrapping key is resolved once per
    reference; the associated data's head (purpose, dossier, section) is built once per
    section, not per item. Item keys are fresh for every revision (``formats.md``), so each
    is unwrapped once, used for its one ciphertext and dropped."""
    found: list[Item] = []
    unreadable: list[str] = []
    known: dict[str, KeyLookup | None] = {}
    for record in records:
        ref = record.key_ref
        wrapping = known[ref] if ref in known else known.setdefault(ref, resolve(ref))
        if wrapping is None:
            if unknown_unreadable:
                unreadable.append(record.item_id)
            continue
        try:
            found.append(open_record(record, wrapping))
        except (DecryptionFailed, FormatError):
            unreadable.append(record.item_id)
    known.clear()
    return found, unreadable

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

from vault import envelope, items
from vault.crypto import KEY_BYTES, Random, associated_data
from vault.errors import DecryptionFailed
from vault.items import Item
from vault.keyring import KeyLookup
from vault.records import ItemRecord
from vault.sections import Section

__all__ = ["item_ad", "open_item_with_key", "reseal_item", "seal_item", "unwrap_item_key",
           "wrap_item_key"]


def item_ad(purpose: str, dossier_id: str, section: Section, item_id: str, revision: int) -> bytes:
    """Associated data binding an item's wrap or ciphertext to where it belongs."""
    return associated_data(purpose, dossier_id, section.value, item_id, revision)


def _wrap_purpose(wrapping: KeyLookup) -> str:
    return "item-key-masked" if wrapping.is_mask else "item-key"


def seal_item(plaintext: bytes, *, dossier_id: str, item_id: str, revision: int,
              created_at: int, wrapping: KeyLookup, section: Section,
              rng: Random) -> ItemRecord:
    """Encrypt one item revision (``items.encode`` output) under a fresh item key wrapped by
    ``wrapping``."""
    item_key = rng(KEY_BYTES)
    return ItemRecord(
        dossier_id=dossier_id, item_id=item_id, revision=revision, key_ref=wrapping.ref,
        wrapped_key=wrap_item_key(item_key, wrapping, dossier_id, section, item_id, revision, rng),
        ciphertext=envelope.seal(item_key, plaintext,
                                 item_ad("item", dossier_id, section, item_id, revision), rng),
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
    plaintext = envelope.open_(item_key, record.ciphertext,
                               item_ad("item", record.dossier_id, section, record.item_id,
                                       record.revision))
    item = items.decode(plaintext, item_id=record.item_id, revision=record.revision,
                        masked=masked)
    if item.section != section:
        raise DecryptionFailed()
    return item

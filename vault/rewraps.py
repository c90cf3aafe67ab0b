"""The rewraps of masking, unmasking and rotation (P2, P5), computed from the keyring: pure
(randomness from the caller), no I/O; ``vault.dossier.Dossier`` applies each list in one
atomic ``DossierStore.rewrap`` call, so a list covers every revision of one item.

- :func:`to_mask`: each revision not under the mask key is re-encrypted under a fresh item
  key wrapped by the mask key (``itembox.reseal_item``): no earlier wrap of the old item key,
  which a WAL or a dead row may keep, opens the new ciphertext.
- :func:`to_current`: each masked revision (``masked=True``) or each revision under a retired
  version of its section key (``masked=False``) is rewrapped under the section's current key,
  same item key.
"""

from __future__ import annotations

from collections.abc import Sequence

from vault.crypto import Random
from vault.errors import DecryptionFailed
from vault.itembox import open_item_with_key, reseal_item, unwrap_item_key, wrap_item_key
from vault.keyring import KeyLookup, Keyring
from vault.records import ItemRecord, Rewrap
from vault.sections import Section

__all__ = ["to_current", "to_mask"]


def to_mask(ring: Keyring, revs: Sequence[ItemRecord], rng: Random) -> list[Rewrap]:
    mask = ring.lookup(ring.mask_ref)
    changes = []
    for record in revs:
        found = ring.lookup(record.key_ref)
        if found.section is None:  # already under the mask key
            continue
        item_key = unwrap_item_key(record, found, found.section)
        new = reseal_item(record, item_key, found.section, mask, rng)
        changes.append(Rewrap(record.item_id, record.revision, new.key_ref, new.wrapped_key,
                              new.ciphertext))
    return changes


def _masked_section(record: ItemRecord, mask: KeyLookup) -> tuple[Section, bytes]:
    """A masked revision's section (bound in its associated data; ten tries at most)."""
    for section in Section:
        try:
            item_key = unwrap_item_key(record, mask, section)
        except DecryptionFailed:
            continue
        open_item_with_key(record, item_key, section, masked=True)  # the plaintext agrees
        return section, item_key
    raise DecryptionFailed()


def to_current(ring: Keyring, revs: Sequence[ItemRecord], rng: Random, *,
               masked: bool) -> list[Rewrap]:
    changes = []
    for record in revs:
        found = ring.lookup(record.key_ref)
        if masked != found.is_mask:
            continue
        if found.section is None:
            section, item_key = _masked_section(record, found)
        elif record.key_ref in ring.retired(found.section):
            section = found.section
            item_key = unwrap_item_key(record, found, section)
        else:
            continue
        target = ring.current(section)
        changes.append(Rewrap(record.item_id, record.revision, target.ref,
                              wrap_item_key(item_key, target, record.dossier_id, section,
                                            record.item_id, record.revision, rng)))
    return changes

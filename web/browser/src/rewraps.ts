/** The rewraps of masking, unmasking and rotation (vault/rewraps.py), pure: computed from the
 * keyring, applied by the session in one atomic rewrap call per item. */

import { DecryptionFailed, type Random } from "./bytes.js";
import { KEY_BYTES, open, seal, systemRandom } from "./crypto.js";
import { type ItemRecord, itemAd, openItemWithKey, sealItem, unwrapItemKey } from "./item.js";
import { current, type KeyLookup, type Keyring, lookup } from "./keyring.js";
import { type Section, SECTIONS } from "./sections.js";

export interface Rewrap {
  itemId: string;
  revision: number;
  keyRef: string;
  wrappedKey: Uint8Array;
  ciphertext: Uint8Array | null; // masking re-encrypts the revision under a fresh key
}

export function maskLookup(ring: Keyring): KeyLookup {
  return { ref: ring.maskRef, key: ring.maskKey, section: null };
}

/** Each revision not under the mask key, re-encrypted under a fresh item key wrapped by the
 * mask key: no earlier wrap of the old item key opens the new ciphertext. */
export function toMask(ring: Keyring, revs: ItemRecord[], rng: Random = systemRandom): Rewrap[] {
  const out: Rewrap[] = [];
  for (const r of revs) {
    const found = lookup(ring, r.keyRef);
    if (found.section === null) continue;
    const section = found.section;
    const plaintext = open(unwrapItemKey(r, found, section), r.ciphertext,
      itemAd("item", r.dossierId, section, r.itemId, r.revision));
    const fresh = sealItem(plaintext, { dossierId: r.dossierId, itemId: r.itemId,
      revision: r.revision, createdAt: r.createdAt, wrapping: maskLookup(ring), section }, rng);
    out.push({ itemId: r.itemId, revision: r.revision, keyRef: fresh.keyRef,
      wrappedKey: fresh.wrappedKey, ciphertext: fresh.ciphertext });
  }
  return out;
}

/** A masked revision's section (bound in its associated data) and its item key. */
export function maskedSection(ring: Keyring, r: ItemRecord): [Section, Uint8Array] {
  const mask = maskLookup(ring);
  for (const s of SECTIONS) {
    let key: Uint8Array;
    try {
      key = unwrapItemKey(r, mask, s);
    } catch {
      continue;
    }
    openItemWithKey(r, key, s, true);
    return [s, key];
  }
  throw new DecryptionFailed();
}

/** Masked revisions (``masked``) or revisions under a retired version (not ``masked``),
 * rewrapped under the section's current key, same item key. */
export function toCurrent(ring: Keyring, revs: ItemRecord[], masked: boolean,
  rng: Random = systemRandom): Rewrap[] {
  const out: Rewrap[] = [];
  for (const r of revs) {
    const found = lookup(ring, r.keyRef);
    if (masked !== (found.section === null)) continue;
    let section: Section;
    let itemKey: Uint8Array;
    if (found.section === null) {
      [section, itemKey] = maskedSection(ring, r);
    } else if (ring.sections.get(found.section)?.retired.has(r.keyRef)) {
      section = found.section;
      itemKey = unwrapItemKey(r, found, section);
    } else continue;
    const target = current(ring, section);
    if (itemKey.length !== KEY_BYTES) throw new DecryptionFailed();
    out.push({ itemId: r.itemId, revision: r.revision, keyRef: target.ref, ciphertext: null,
      wrappedKey: seal(target.key, itemKey, itemAd("item-key", r.dossierId, section, r.itemId,
        r.revision), rng) });
  }
  return out;
}

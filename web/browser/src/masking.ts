/** Masking in the browser (vault/_masking.py): item and section masks, independent of each
 * other (the keyring's ``masked_items``), each change one keyring CAS then atomic rewraps. */

import { ApiError } from "./api.js";
import { SessionCore } from "./core.js";
import { lookup, maskedItems, rotate, withItemsMasked, withMasked } from "./keyring.js";
import { maskedSection, toCurrent, toMask } from "./rewraps.js";
import type { Section } from "./sections.js";

export class MaskingSession extends SessionCore {
  protected async maskedIn(section: Section): Promise<Set<string>> {
    const out = new Set<string>();
    for (const r of await this.recordsUnder([this.ring.maskRef])) {
      try {
        if (maskedSection(this.ring, r)[0] === section) out.add(r.itemId);
      } catch { /* an unreadable item stays masked */ }
    }
    return out;
  }

  protected async offRetired(section: Section): Promise<void> {
    const refs = [...(this.ring.sections.get(section)?.keys.keys() ?? [])];
    for (const r of await this.recordsUnder(refs)) {
      await this.apply(toCurrent(this.ring, await this.revisions(r.itemId), false, this.rng));
    }
  }

  /** Hide an item from every professional (P2, vault Dossier.mask): the keyring records the
   * mask and rotates the section retiring older versions (one CAS), then every revision is
   * re-encrypted under the mask key and the section's other items leave retired versions. */
  async mask(itemId: string): Promise<void> {
    await this.retrying(async () => {
      let revs = await this.revisions(itemId);
      const last = revs[revs.length - 1];
      if (!last) throw new ApiError(404, "not_found", "no such item");
      const pending = revs.some((r) => lookup(this.ring, r.keyRef).section !== null);
      const recorded = maskedItems(this.ring).has(itemId);
      if (!pending && recorded) return;
      const section = this.sectionOf(last);
      if (!recorded) {
        let ring = withItemsMasked(this.ring, [itemId], true);
        if (pending) ring = rotate(ring, section, this.rng, true);
        await this.saveRing(ring);
        revs = await this.revisions(itemId);
      }
      await this.apply(toMask(this.ring, revs, this.rng));
      await this.offRetired(section);
    });
  }

  async unmask(itemId: string): Promise<void> {
    await this.retrying(async () => {
      const revs = await this.revisions(itemId);
      const last = revs[revs.length - 1];
      if (!last) throw new ApiError(404, "not_found", "no such item");
      if (this.ring.maskedSections.has(this.sectionOf(last))) {
        throw new ApiError(409, "section_masked", "the whole section is masked; unmask the section instead");
      }
      if (maskedItems(this.ring).has(itemId)) await this.saveRing(withItemsMasked(this.ring, [itemId], false));
      await this.apply(toCurrent(this.ring, revs, true, this.rng));
    });
  }

  /** Mask a section, its items now and later; items masked on their own stay recorded so
   * that unmasking the section leaves them masked (issue 10). */
  async maskSection(section: Section): Promise<void> {
    await this.retrying(async () => {
      if (!this.ring.maskedSections.has(section)) {
        const own = await this.maskedIn(section);
        const ring = withMasked(withItemsMasked(this.ring, own, true), section, true);
        await this.saveRing(rotate(ring, section, this.rng, true));
      }
      const refs = [...(this.ring.sections.get(section)?.keys.keys() ?? [])];
      for (const r of await this.recordsUnder(refs)) {
        await this.apply(toMask(this.ring, await this.revisions(r.itemId), this.rng));
      }
    });
  }

  async unmaskSection(section: Section): Promise<void> {
    await this.retrying(async () => {
      if (this.ring.maskedSections.has(section)) await this.saveRing(withMasked(this.ring, section, false));
      const keep = maskedItems(this.ring);
      for (const id of await this.maskedIn(section)) {
        if (!keep.has(id)) await this.apply(toCurrent(this.ring, await this.revisions(id), true, this.rng));
      }
    });
  }

  /** A new current key for each of ``sections``, in one keyring write (after an expiry or a
   * revocation); against another device's change, only the sections it did not rotate. */
  async rotateNow(sections: Iterable<Section>): Promise<void> {
    const seen = new Map([...sections].map((s) => [s, this.ring.sections.get(s)?.current]));
    if (!seen.size) return;
    await this.retrying(async () => {
      let ring = this.ring;
      for (const [s, ref] of seen) if (ring.sections.get(s)?.current === ref) ring = rotate(ring, s, this.rng);
      if (ring !== this.ring) await this.saveRing(ring);
    });
  }

  /** Rewrap every item still under a retired version (an interrupted masking, or a
   * professional's write under a version masking retired): masked if it should be. */
  async finishRotations(): Promise<void> {
    await this.retrying(async () => {
      const retired = [...this.ring.sections.values()].flatMap((k) => [...k.retired]);
      for (const r of await this.recordsUnder(retired)) {
        const revs = await this.revisions(r.itemId);
        const section = lookup(this.ring, r.keyRef).section;
        if (maskedItems(this.ring).has(r.itemId) || (section && this.ring.maskedSections.has(section))) {
          await this.apply(toMask(this.ring, revs, this.rng));
        } else {
          await this.apply(toCurrent(this.ring, revs, false, this.rng));
        }
      }
    });
  }
}

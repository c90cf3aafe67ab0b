/** The patient's session core in the browser: the keys (memory only), the keyring and its
 * compare-and-swap, reading items, the stale-keyring retry (P16) and the rotation a
 * revocation asks for before a write (P5). ``masking.ts`` and ``patient.ts`` build on it. */

import { Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { openAttachment } from "./attachment.js";
import type { Random } from "./bytes.js";
import { derive } from "./crypto.js";
import { type Item, type ItemRecord, openItemWithKey, unwrapItemKey } from "./item.js";
import { current, type EmergencyRecord, emergencyRecord, type KeyLookup, type Keyring, lookup,
  openKeyring, rotate, sameRecord, sealKeyring, withEmergency } from "./keyring.js";
import { maskedSection, type Rewrap } from "./rewraps.js";
import type { KeySlot, SlotName } from "./slots.js";
import type { Section } from "./sections.js";

export class UnreadableItem {
  constructor(readonly itemId: string, readonly revision: number) {}
}

export function slotOf(body: Json): KeySlot {
  return { name: body["name"] as SlotName, salt: unb64(body["salt"]),
    opslimit: Number(body["opslimit"]), memlimit: Number(body["memlimit"]),
    wrapped: unb64(body["wrapped"]), loginPublic: unb64(body["login_public"]) };
}

export function recordOf(dossierId: string, b: Json): ItemRecord {
  return { dossierId, itemId: String(b["item_id"]), revision: Number(b["revision"]),
    keyRef: String(b["key_ref"]), wrappedKey: unb64(b["wrapped_key"]),
    ciphertext: unb64(b["ciphertext"]), createdAt: Number(b["created_at"]) };
}

export function itemBody(r: ItemRecord): Json {
  return { item_id: r.itemId, revision: r.revision, key_ref: r.keyRef,
    wrapped_key: b64(r.wrappedKey), ciphertext: b64(r.ciphertext), created_at: r.createdAt };
}

export function slotBody(s: KeySlot): Json {
  return { name: s.name, salt: b64(s.salt), opslimit: s.opslimit, memlimit: s.memlimit,
    wrapped: b64(s.wrapped), login_public: b64(s.loginPublic) };
}

export interface NewFile {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

export const ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;
export const ATTACHMENT_TYPES = ["application/pdf", "image/png", "image/jpeg", "image/webp",
  "text/plain"];
export const STALE_ATTEMPTS = 3;

/** The keyring version each dossier had when this device last used it (vault/_keeping.py,
 * web/client/pins.py): a server that answers an older one rolled it back (a restored
 * backup, or an operator who wants a revoked card back in the emergency record). Kept in
 * localStorage (no secret); where there is none, only within the session. */
export const keyringFloors = {
  get(dossierId: string): number {
    try {
      return Number(globalThis.localStorage?.getItem(`carnet.keyring.${dossierId}`) ?? 0) || 0;
    } catch {
      return 0;
    }
  },
  set(dossierId: string, version: number): void {
    try {
      if (version > keyringFloors.get(dossierId))
        globalThis.localStorage?.setItem(`carnet.keyring.${dossierId}`, String(version));
    } catch { /* storage refused: checked within this session only */ }
  },
};

export class SessionCore {
  protected constructor(readonly api: Api, readonly dossierId: string, protected master: Uint8Array | null,
    protected ring: Keyring, protected ringVersion: number, protected readonly rng: Random) {}

  protected get key(): Uint8Array {
    if (!this.master) throw new ApiError(0, "locked", "the dossier is locked");
    return this.master;
  }

  get keyring(): Keyring {
    return this.ring;
  }

  /** A key derived from the master key for one purpose (vault Dossier.subkey). */
  subkey(purpose: string): Uint8Array {
    return derive(this.key, purpose);
  }

  /** Run once an operation that rotated a section key is done (vault Dossier.after_rotation):
   * the emergency cards and break-glass package are sealed again there. */
  afterRotation: (() => Promise<void>) | null = null;

  private currentRefs(): string {
    return [...this.ring.sections.values()].map((k) => k.current).join(",");
  }

  get keyringVersion(): number {
    return this.ringVersion;
  }

  /** Reload the keyring; never one older than this session or this device has seen. */
  async refresh(): Promise<void> {
    const k = await this.api.json("GET", `/dossiers/${this.dossierId}/keyring`);
    const version = Number(k["version"]);
    if (version < Math.max(this.ringVersion, keyringFloors.get(this.dossierId)))
      throw new ApiError(409, "keyring_rolled_back", "the server answered an older version of "
        + "this record's keys than this device has seen: nothing was changed");
    this.ring = openKeyring(unb64(k["blob"]), this.key, this.dossierId, version);
    this.ringVersion = version;
    keyringFloors.set(this.dossierId, version);
  }

  async records(): Promise<ItemRecord[]> {
    const out: ItemRecord[] = [];
    let after: string | null = null;
    for (;;) {
      const params: Record<string, string | number> = { limit: 1000 };
      if (after) params["after"] = after;
      const page = await this.api.json("GET", `/dossiers/${this.dossierId}/items`, undefined, { params });
      const items = page["items"] as Json[];
      out.push(...items.map((b) => recordOf(this.dossierId, b)));
      after = typeof page["next_after"] === "string" ? page["next_after"] : null;
      if (!after) return out;
    }
  }

  /** One record opened with this keyring; every failure is reported, never thrown. */
  open(r: ItemRecord): Item | UnreadableItem {
    try {
      const w = lookup(this.ring, r.keyRef);
      const masked = w.section === null;
      // A masked item's section is inside its plaintext: try each section's AD.
      const sections: Section[] = w.section ? [w.section] : [...this.ring.sections.keys()];
      for (const s of sections) {
        try {
          return openItemWithKey(r, unwrapItemKey(r, w, s), s, masked);
        } catch { /* next section */ }
      }
    } catch { /* unknown key */ }
    return new UnreadableItem(r.itemId, r.revision);
  }

  async list(): Promise<(Item | UnreadableItem)[]> {
    return (await this.records()).map((r) => this.open(r));
  }

  /** Replace the keyring if no other device changed it meanwhile (one CAS). */
  protected async saveRing(ring: Keyring): Promise<void> {
    const version = this.ringVersion + 1;
    const out = await this.api.json("PUT", `/dossiers/${this.dossierId}/keyring`, {
      blob: b64(sealKeyring(ring, this.key, this.dossierId, version, this.rng)),
      expected_version: this.ringVersion });
    if (Number(out["version"]) !== version) throw new ApiError(409, "conflict", "the keyring moved");
    this.ring = ring;
    this.ringVersion = version;
    keyringFloors.set(this.dossierId, version);
  }

  /** Run a change again, from a reloaded keyring, when another device moved the keyring
   * meanwhile (the server's 409 stale_keyring); never merges a stale revision (P16). */
  protected async retrying<T>(change: () => Promise<T>): Promise<T> {
    const before = this.currentRefs();
    for (let attempt = 1; ; attempt++) {
      let done: T;
      try {
        done = await change();
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "stale_keyring") || attempt >= STALE_ATTEMPTS) throw e;
        await this.refresh();
        continue;
      }
      if (this.afterRotation && this.currentRefs() !== before) await this.afterRotation();
      return done;
    }
  }

  /** Apply ``change`` to the keyring's emergency record (null: a keyring from before it) in
   * one CAS, again on the reloaded keyring after another device's change (vault
   * ``Dossier.keep_emergency``); ``rotate``: sections marked to rotate in the same CAS (a
   * card revoked, break-glass off), which the next grant sync rotates, else their next write. */
  async keepEmergency(change: (r: EmergencyRecord | null) => EmergencyRecord,
    rotate: readonly Section[] = []): Promise<EmergencyRecord> {
    return this.retrying(async () => {
      const before = emergencyRecord(this.ring);
      const after = change(before);
      const pending = rotate.some((s) => !this.ring.rotatePending.has(s));
      if (!before || !sameRecord(before, after) || pending) {
        const ring = withEmergency(this.ring, after);
        await this.saveRing({ ...ring, rotatePending: new Set([...ring.rotatePending, ...rotate]) });
      }
      return after;
    });
  }

  /** The key new items of ``section`` are wrapped under: the mask key when masked; else the
   * section's current key, rotated first if a revocation asked for it (P5). */
  protected async writeKey(section: Section, masked: boolean): Promise<KeyLookup> {
    if (masked || this.ring.maskedSections.has(section)) {
      return { ref: this.ring.maskRef, key: this.ring.maskKey, section: null };
    }
    if (this.ring.rotatePending.has(section)) await this.saveRing(rotate(this.ring, section, this.rng));
    return current(this.ring, section);
  }

  async revisions(itemId: string): Promise<ItemRecord[]> {
    const page = await this.api.json("GET", `/dossiers/${this.dossierId}/items/${itemId}/revisions`);
    return (page["items"] as Json[]).map((b) => recordOf(this.dossierId, b));
  }

  protected async recordsUnder(refs: string[]): Promise<ItemRecord[]> {
    if (!refs.length) return [];
    const page = await this.api.json("GET", `/dossiers/${this.dossierId}/items`, undefined,
      { params: { limit: 1000, key_ref: refs } });
    return (page["items"] as Json[]).map((b) => recordOf(this.dossierId, b));
  }

  /** One atomic rewrap call, computed from the keyring at ``keyring_version`` (P16). */
  protected async apply(changes: Rewrap[]): Promise<void> {
    if (!changes.length) return;
    await this.api.call("POST", `/dossiers/${this.dossierId}/rewrap`, {
      changes: changes.map((c) => ({ item_id: c.itemId, revision: c.revision, key_ref: c.keyRef,
        wrapped_key: b64(c.wrappedKey), ciphertext: c.ciphertext ? b64(c.ciphertext) : null })),
      keyring_version: this.ringVersion });
  }

  protected sectionOf(r: ItemRecord): Section {
    const found = lookup(this.ring, r.keyRef);
    return found.section ?? maskedSection(this.ring, r)[0];
  }

  /** An item's file, decrypted here. */
  async attachment(item: Item): Promise<Uint8Array> {
    if (!item.attachment) throw new ApiError(404, "not_found", "this item has no file");
    const body = await this.api.json("GET", `/dossiers/${this.dossierId}/attachments/${item.attachment.id}`);
    const chunks = (body["chunks"] as unknown[]).map(unb64);
    return openAttachment(item.attachment, chunks, this.dossierId);
  }

  /** Drop the keys from memory and end the session on the server. */
  async lock(): Promise<void> {
    this.master?.fill(0);
    this.master = null;
    this.ring.signSeed.fill(0);
    this.ring.boxSecret.fill(0);
    this.ring.maskKey.fill(0);
    for (const s of this.ring.sections.values()) for (const k of s.keys.values()) k.fill(0);
    if (this.api.session) {
      try {
        await this.api.call("POST", "/auth/logout");
      } finally {
        this.api.session = null;
      }
    }
  }
}

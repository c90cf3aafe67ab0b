/** The patient's session in the browser: log in without sending the passphrase (P15), unwrap
 * the keyring, read and write items, as web/client/patient.py and vault.Dossier do. Keys stay
 * in this object (memory) and are dropped by ``lock``. */

import { Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { type Random, toHex } from "./bytes.js";
import { systemRandom } from "./crypto.js";
import { decodeItem, encodeItem, type Item, type ItemContent, type ItemRecord, openItemWithKey,
  sealItem, unwrapItemKey } from "./item.js";
import { current, type Keyring, lookup, openKeyring } from "./keyring.js";
import { loginMessage } from "./request.js";
import { sign } from "./crypto.js";
import { type KeySlot, openSlotWith, SLOT_PASSPHRASE, type SlotName, stretchSecret } from "./slots.js";
import { parseSection, type Section } from "./sections.js";

export class UnreadableItem {
  constructor(readonly itemId: string, readonly revision: number) {}
}

function slotOf(body: Json): KeySlot {
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

export class PatientSession {
  private constructor(readonly api: Api, readonly dossierId: string, private master: Uint8Array | null,
    private ring: Keyring, private ringVersion: number, private readonly rng: Random) {}

  /** Argon2id on this device, then the login challenge signed with the derived key. */
  static async login(api: Api, nir: string, secret: string, o: { slot?: SlotName; rng?: Random } = {}):
    Promise<PatientSession> {
    const slotName = o.slot ?? SLOT_PASSPHRASE;
    const params = await api.json("POST", "/auth/params", { login: nir }, { auth: false });
    const kdf = params[slotName] as Json;
    const stretched = stretchSecret(slotName, secret, { salt: unb64(kdf["salt"]),
      opslimit: Number(kdf["opslimit"]), memlimit: Number(kdf["memlimit"]) });
    const challenge = await api.json("POST", "/auth/challenge",
      { login: nir, kind: "patient", slot: slotName }, { auth: false });
    const text = String(challenge["challenge"]);
    const session = await api.json("POST", "/auth/login",
      { challenge: text, signature: b64(sign(stretched.loginSeed, loginMessage(text))) },
      { auth: false });
    api.session = String(session["session"]);
    const dossierId = String(session["subject"]);
    const slot = slotOf(await api.json("GET", `/dossiers/${dossierId}/slots/${slotName}`));
    const master = openSlotWith(stretched, slot, dossierId);
    const s = new PatientSession(api, dossierId, master, undefined as unknown as Keyring, 0,
      o.rng ?? systemRandom);
    await s.refresh();
    return s;
  }

  private get key(): Uint8Array {
    if (!this.master) throw new ApiError(0, "locked", "the dossier is locked");
    return this.master;
  }

  get keyring(): Keyring {
    return this.ring;
  }

  get keyringVersion(): number {
    return this.ringVersion;
  }

  async refresh(): Promise<void> {
    const k = await this.api.json("GET", `/dossiers/${this.dossierId}/keyring`);
    this.ringVersion = Number(k["version"]);
    this.ring = openKeyring(unb64(k["blob"]), this.key, this.dossierId, this.ringVersion);
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

  /** Add an item as the patient (masked if its section is masked), based on this keyring. */
  async add(c: Omit<ItemContent, "author" | "createdAt" | "attachment">, now: number): Promise<Item> {
    const section = parseSection(c.section);
    const itemId = toHex(this.rng(16));
    const content: ItemContent = { ...c, section, author: { kind: "patient", id: null, name: null },
      createdAt: now, attachment: null };
    const plaintext = encodeItem(content);
    const wrapping = this.ring.maskedSections.has(section)
      ? { ref: this.ring.maskRef, key: this.ring.maskKey, section: null } : current(this.ring, section);
    const record = sealItem(plaintext, { dossierId: this.dossierId, itemId, revision: 1,
      createdAt: now, wrapping, section }, this.rng);
    await this.api.call("POST", `/dossiers/${this.dossierId}/items`, { item: itemBody(record),
      chunks: [], keyring_version: this.ringVersion, base_revision: null });
    return decodeItem(plaintext, itemId, 1, wrapping.section === null);
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

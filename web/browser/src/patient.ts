/** The patient's session in the browser: activate, log in without sending the passphrase
 * (P15), recover, change the passphrase, add items, as web/client/patient.py and
 * vault.Dossier do. Keys stay in memory (``core.ts``) and are dropped by ``lock``. */

import { Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { sealAttachment } from "./attachment.js";
import { type Random, toHex } from "./bytes.js";
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, itemBody, keyringFloors, type NewFile, slotBody,
  slotOf } from "./core.js";
import { KEY_BYTES, MEMLIMIT_FLOOR, OPSLIMIT_FLOOR, sign, systemRandom } from "./crypto.js";
import { type AttachmentRef, decodeItem, encodeItem, type Item, type ItemContent,
  sealItem } from "./item.js";
import { boxPublicKey, emptyRecord, type Keyring, maskedItems, newKeyring, sealKeyring,
  signPublic, withEmergency } from "./keyring.js";
import { ConsentSession } from "./consenting.js";
import { type ItemChanges, revised, sealFile } from "./editing.js";
import { UnreadableItem } from "./core.js";
import { type ArchiveEntry, writeArchive } from "./archive.js";
import { generate as newRecoveryCode } from "./recovery.js";
import { encodeTombstone, tombstoneMessage } from "./tombstone.js";
import { loginMessage } from "./request.js";
import { parseSection, SECTIONS } from "./sections.js";
import { makeSlot, openSlotWith, SLOT_PASSPHRASE, SLOT_RECOVERY, type SlotName,
  stretchSecret } from "./slots.js";

export { itemBody, type NewFile, recordOf, UnreadableItem } from "./core.js";


export interface Activated {
  session: PatientSession;
  recoveryCode: string; // show once; the server never sees it
}

export class PatientSession extends ConsentSession {
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
    await s.syncGrants(Math.floor(Date.now() / 1000)); // a grant that ended since (P5)
    await s.watchEmergency();
    return s;
  }

  /** Make the dossier's keys on this device and send them wrapped, with the activation code
   * (vault.Dossier.create + web.client.patient.activate). Two Argon2id runs. */
  static async activate(api: Api, nir: string, code: string, passphrase: string, now: number,
    o: { rng?: Random } = {}): Promise<Activated> {
    const rng = o.rng ?? systemRandom;
    const dossierId = toHex(rng(16));
    const master = rng(KEY_BYTES);
    const ring = withEmergency(newKeyring(rng), emptyRecord()); // recorded from the start
    const recoveryCode = newRecoveryCode(rng);
    const params = () => ({ salt: rng(16), opslimit: OPSLIMIT_FLOOR, memlimit: MEMLIMIT_FLOOR });
    const slots = [makeSlot(SLOT_PASSPHRASE, passphrase, master, dossierId, params(), rng),
      makeSlot(SLOT_RECOVERY, recoveryCode, master, dossierId, params(), rng)];
    const session = await api.json("POST", "/activation/complete", {
      nir, code, create: {
        dossier: { dossier_id: dossierId, created_at: now, sign_public: b64(signPublic(ring)),
          box_public: b64(boxPublicKey(ring)) },
        slots: slots.map(slotBody),
        keyring: b64(sealKeyring(ring, master, dossierId, 1, rng)),
      },
    });
    api.session = String(session["session"]);
    const made = new PatientSession(api, dossierId, master, ring, 1, rng);
    keyringFloors.set(dossierId, 1);
    made.afterRotation = () => made.syncEmergencyNow();
    return { session: made, recoveryCode };
  }

  /** Re-seal the emergency packages now, and after every rotation from then on (a printed
   * card keeps opening the current summary; web.client.rotation.watch_grants). */
  async watchEmergency(): Promise<void> {
    this.afterRotation = () => this.syncEmergencyNow();
    await this.syncEmergencyNow();
  }

  private emergencyOwed = false; // a re-seal that failed: tried again before the next write

  /** The rotation itself is done and stands whatever happens here. */
  private async syncEmergencyNow(): Promise<void> {
    try {
      await this.syncEmergency(Math.floor(Date.now() / 1000));
      this.emergencyOwed = false;
    } catch {
      this.emergencyOwed = true;
    }
  }

  /** Add an item as the patient, with an optional file (masked if its section is). */
  async add(c: Omit<ItemContent, "author" | "createdAt" | "attachment">, now: number,
    file?: NewFile): Promise<Item> {
    const section = parseSection(c.section);
    const itemId = toHex(this.rng(16));
    let attachment: AttachmentRef | null = null;
    let chunks: Json[] = [];
    if (file) {
      if (!ATTACHMENT_TYPES.includes(file.mediaType)) throw new ApiError(400, "invalid_input", "unsupported file type");
      if (file.data.length > ATTACHMENT_MAX_BYTES) throw new ApiError(413, "too_large", "the file is larger than 25 MiB");
      const attachmentId = toHex(this.rng(16));
      const sealed = sealAttachment(file.data, { dossierId: this.dossierId, attachmentId,
        name: file.name, mediaType: file.mediaType }, this.rng);
      attachment = sealed.ref;
      chunks = sealed.chunks.map((blob, index) => ({ attachment_id: attachmentId, index, blob: b64(blob) }));
    }
    const content: ItemContent = { ...c, section, author: { kind: "patient", id: null, name: null },
      createdAt: now, attachment };
    const plaintext = encodeItem(content);
    await this.syncGrants(now); // before every write: no ex-grantee's key (P5)
    if (this.emergencyOwed) await this.syncEmergencyNow();
    return this.retrying(async () => {
      const wrapping = await this.writeKey(section, maskedItems(this.ring).has(itemId));
      const record = sealItem(plaintext, { dossierId: this.dossierId, itemId, revision: 1,
        createdAt: now, wrapping, section }, this.rng);
      await this.api.call("POST", `/dossiers/${this.dossierId}/items`, { item: itemBody(record),
        chunks, keyring_version: this.ringVersion, base_revision: null });
      return decodeItem(plaintext, itemId, 1, wrapping.section === null);
    });
  }

  /** A new revision of one of the patient's own items (vault.Dossier.edit), based on the
   * revision they saw: if another device changed it since, ApiError ``stale_revision``; if it
   * deleted it, ``item_gone`` (the server checks too). Nothing is merged: show it again.
   * Masked stays masked; the file is kept unless ``changes.file`` says otherwise. */
  async editItem(seen: Item, changes: ItemChanges, now: number): Promise<Item> {
    let attachment = seen.attachment;
    let chunks: Json[] = [];
    if (changes.file === null) attachment = null;
    else if (changes.file) ({ ref: attachment, chunks } = sealFile(changes.file, this.dossierId, this.rng));
    const plaintext = encodeItem(revised(seen, changes, now, attachment));
    await this.syncGrants(now); // before every write: no ex-grantee's key (P5)
    if (this.emergencyOwed) await this.syncEmergencyNow();
    return this.retrying(async () => {
      const current = await this.latest(seen);
      const wrapping = await this.writeKey(seen.section, current.masked
        || maskedItems(this.ring).has(seen.itemId));
      const revision = seen.revision + 1;
      const record = sealItem(plaintext, { dossierId: this.dossierId, itemId: seen.itemId,
        revision, createdAt: now, wrapping, section: seen.section }, this.rng);
      await this.api.call("POST", `/dossiers/${this.dossierId}/items`, { item: itemBody(record),
        chunks, keyring_version: this.ringVersion, base_revision: seen.revision });
      return decodeItem(plaintext, seen.itemId, revision, wrapping.section === null);
    });
  }

  /** Delete an item, every revision and its files, based on the revision the patient saw
   * (``stale_revision`` / ``item_gone`` as for an edit). */
  async deleteItem(seen: Item): Promise<void> {
    await this.retrying(async () => {
      await this.latest(seen);
      await this.api.call("DELETE", `/dossiers/${this.dossierId}/items/${seen.itemId}`, undefined,
        { params: { keyring_version: this.ringVersion, base_revision: seen.revision } });
    });
  }

  /** The item's latest revision, if it is still the one the patient saw. */
  private async latest(seen: Item): Promise<Item> {
    let revs;
    try {
      revs = await this.revisions(seen.itemId);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new ApiError(409, "item_gone", "this item was deleted on another device");
      throw e;
    }
    const last = revs[revs.length - 1];
    if (!last) throw new ApiError(409, "item_gone", "this item was deleted on another device");
    if (last.revision !== seen.revision) {
      throw new ApiError(409, "stale_revision", "this item was changed on another device; show it again and redo the edit");
    }
    const opened = this.open(last);
    if (opened instanceof UnreadableItem) throw new ApiError(0, "unreadable", "this item does not open");
    return opened;
  }

  /** Rewrap the master key under a new secret for one slot (fresh salt, parameters never
   * lowered): a new passphrase, or a new recovery code (returned, to show once). */
  private async replaceSlot(name: SlotName, secret: string): Promise<void> {
    const old = slotOf(await this.api.json("GET", `/dossiers/${this.dossierId}/slots/${name}`));
    const params = { salt: this.rng(16), opslimit: Math.max(old.opslimit, OPSLIMIT_FLOOR),
      memlimit: Math.max(old.memlimit, MEMLIMIT_FLOOR) };
    const slot = makeSlot(name, secret, this.key, this.dossierId, params, this.rng);
    await this.api.call("PUT", `/dossiers/${this.dossierId}/slots`, { slots: [slotBody(slot)] });
  }

  async changePassphrase(passphrase: string): Promise<void> {
    await this.replaceSlot(SLOT_PASSPHRASE, passphrase);
  }

  async newRecoveryCode(): Promise<string> {
    const code = newRecoveryCode(this.rng);
    await this.replaceSlot(SLOT_RECOVERY, code);
    return code;
  }

  /** Lost passphrase: open with the recovery code, then set a new passphrase. */
  static async recover(api: Api, nir: string, code: string, passphrase: string,
    o: { rng?: Random } = {}): Promise<PatientSession> {
    const s = await PatientSession.login(api, nir, code, { slot: SLOT_RECOVERY, ...o });
    await s.changePassphrase(passphrase);
    return s;
  }

  /** An archive of every item and revision, openable offline with the passphrase or the
   * recovery code, even after the dossier is closed (a revision that does not open is left
   * out, as the Python client does). */
  async exportArchive(now: number): Promise<Uint8Array> {
    const entries: ArchiveEntry[] = [];
    for (const r of await this.records()) {
      for (const rev of await this.revisions(r.itemId)) {
        const item = this.open(rev);
        if (item instanceof UnreadableItem) continue;
        entries.push({ item, attachment: item.attachment ? await this.attachment(item) : null });
      }
    }
    const slots = [];
    for (const name of [SLOT_PASSPHRASE, SLOT_RECOVERY] as const) {
      slots.push(slotOf(await this.api.json("GET", `/dossiers/${this.dossierId}/slots/${name}`)));
    }
    return writeArchive(this.dossierId, this.key, slots, entries, now, this.ring.maskedSections,
      this.rng);
  }

  /** Close the dossier for ever: the server shreds its keys and keeps a tombstone signed
   * here. Export first if a copy is wanted. The session is locked afterwards. */
  async close(now: number): Promise<void> {
    const signature = sign(this.ring.signSeed, tombstoneMessage(this.dossierId, now));
    const blob = encodeTombstone({ dossierId: this.dossierId, closedAt: now,
      signPublic: signPublic(this.ring), signature });
    await this.api.call("POST", `/dossiers/${this.dossierId}/close`, { blob: b64(blob) });
    await this.lock().catch(() => undefined);
  }

  /** Whose dossier it is (web/client/identity.py): an ``identity`` item in every section,
   * so whatever a reader is given says it; a section already saying it is left alone. */
  async setIdentity(name: string, birthDate: string, now: number): Promise<void> {
    const clean = name.split(/\s+/).filter(Boolean).join(" ");
    if (!clean || clean.length > 120 || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) {
      throw new ApiError(400, "invalid_input", "the name must be 1 to 120 characters and the birth date a date");
    }
    const have = new Set((await this.list()).filter((i): i is Item => !(i instanceof UnreadableItem)
      && i.type === "identity" && i.author.kind === "patient" && i.body["name"] === clean
      && i.body["birth_date"] === birthDate).map((i) => i.section));
    const today = new Date(now * 1000).toISOString().slice(0, 10);
    for (const section of SECTIONS) {
      if (!have.has(section)) {
        await this.add({ section, type: "identity", title: "Identity", date: today,
          body: { name: clean, birth_date: birthDate } }, now);
      }
    }
  }
}

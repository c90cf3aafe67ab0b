/** A professional's writes from the browser (web/client/writes.py, consent/deposit.py):
 * an item added to a patient's dossier through a read+write consent (sealed here under the
 * grant's current key for its section, sent with the token and a signed request), and a
 * deposit for a patient known by NIR (sealed to their public key, signed with the
 * professional's own key: nothing of the dossier is read); the acknowledged alerts a
 * confirmed prescription records; the IPS export of what a consent opens (the Python
 * client's bytes). Written against a ``ProWriter`` (the signed request and the signature):
 * ``ProSession`` is one, ``keysWriter`` makes one from bare keys (Node tools, tests). */

import { type Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { sealAttachment } from "./attachment.js";
import { concat, FormatError, fromHex, type Random, toHex, utf8 } from "./bytes.js";
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, itemBody, type NewFile } from "./core.js";
import { sealTo, sign, signingKeypair, systemRandom, verify } from "./crypto.js";
import type { GrantKeys } from "./grant.js";
import { type Alert, alertJson } from "./clinical/items.js";
import { type AttachmentRef, decodeItem, encodeItem, type Item, type ItemContent,
  type ItemRecord, sealItem } from "./item.js";
import { build as ipsBuild, instant, ipsText } from "./fhir/ips.js";
import { openScan, precheck, type ScannedDossier } from "./proscan.js";
import { sha256, signedHeaders } from "./request.js";
import { ITEM_TYPES, parseSection, type Section } from "./sections.js";

export const STALE_KEY = "stale_key"; // the server's code for a write under a replaced key
const TITLE_MAX_CHARS = 200;
const PS_ID = /^(8\d{11}|0\d{9})$/; // vault/items.py

/** Who writes: an idNat_PS, a name, and the two things done with the signing key (a signed
 * request, a deposit's signature). ``ProSession`` is one; ``keysWriter`` makes one from keys. */
export interface ProWriter {
  readonly api: Api;
  readonly psId: string;
  readonly name: string | null;
  /** A request signed with the professional's key (consent/request.py headers). */
  signed(method: string, path: string, body: Json, now: number): Promise<Json>;
  /** An Ed25519 signature with the professional's key. */
  sign(message: Uint8Array): Uint8Array;
}

/** What a professional signs and opens with: their idNat_PS and their two secret keys. */
export interface ProKeys {
  psId: string;
  signSeed: Uint8Array;
  boxSecret: Uint8Array;
  name?: string | null;
}

/** A ProWriter (and the scan it needs) straight from keys: the Node tools and the tests. */
export function keysWriter(api: Api, keys: ProKeys, rng: Random = systemRandom): ProWriter & {
  scan(text: string, now: number): Promise<ScannedDossier> } {
  const signPublic = signingKeypair(keys.signSeed).publicKey;
  const w = {
    api, psId: keys.psId, name: keys.name ?? null,
    signed: async (method: string, path: string, body: Json, now: number): Promise<Json> => {
      const text = JSON.stringify(body);
      const headers = signedHeaders(keys.signSeed, method, path, utf8(text), rng(16), now);
      return api.json(method, path, JSON.parse(text) as Json, { headers });
    },
    sign: (message: Uint8Array): Uint8Array => sign(keys.signSeed, message),
    scan: async (text: string, now: number): Promise<ScannedDossier> => {
      const t = text.trim();
      const tok = precheck(t, signPublic, now);
      const body = await w.signed("POST", "/consent/scan", { token: t }, now);
      return openScan(t, tok, body, { signPublic, boxSecret: keys.boxSecret, psId: keys.psId });
    },
  };
  return w;
}

/** An item before it is sealed (section, type, title, date, body). */
export interface Draft {
  section: Section | string;
  type: string;
  title: string;
  date: string;
  body?: Record<string, unknown>;
}

/** What a write needs of an opened consent (a ``ScannedDossier`` is one): the token as
 * presented, the dossier, whether it allows writing, and the grant's keys. */
export interface Granted {
  readonly text: string;
  readonly dossierId: string;
  readonly write: boolean;
  readonly keys: GrantKeys;
}

/** vault.items.draft's checks (section, type, title, date, body an object). */
export function checkDraft(d: Draft): { section: Section; type: string; title: string; date: string;
  body: Record<string, unknown> } {
  let section: Section;
  try {
    section = parseSection(String(d.section));
  } catch {
    throw new FormatError("unknown section");
  }
  if (!ITEM_TYPES[section].includes(d.type)) throw new FormatError(`the section ${section} takes no ${d.type}`);
  const title = d.title.trim();
  if (!title || [...title].length > TITLE_MAX_CHARS) throw new FormatError("the title must be 1 to 200 characters");
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(title)) throw new FormatError("the title holds control characters");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.date) || Number.isNaN(Date.parse(`${d.date}T00:00:00Z`)))
    throw new FormatError("the date must be YYYY-MM-DD");
  const body = d.body ?? {};
  if (typeof body !== "object" || Array.isArray(body)) throw new FormatError("body must be a JSON object");
  return { section, type: d.type, title, date: d.date, body };
}

function authorOf(w: { psId: string; name: string | null }): ItemContent["author"] {
  if (!PS_ID.test(w.psId)) throw new FormatError("a professional author needs an idNat_PS");
  return { kind: "professional", id: w.psId, name: w.name || null };
}

/** A new item (revision 1) wrapped under the grant's current key for its section. */
export function sealForGrant(opened: Granted, plaintext: Uint8Array, section: Section,
  o: { itemId: string; createdAt: number }, rng: Random = systemRandom): ItemRecord {
  const ref = opened.keys.current.get(section);
  const key = ref === undefined ? undefined : opened.keys.keys.get(section)?.get(ref);
  if (ref === undefined || key === undefined)
    throw new ApiError(403, "not_allowed", `this consent does not open the section ${section}`);
  return sealItem(plaintext, { dossierId: opened.dossierId, itemId: o.itemId, revision: 1,
    createdAt: o.createdAt, wrapping: { ref, key, section }, section }, rng);
}

/** POST /consent/items: the token, the sealed record (and chunks) with a signed request. */
export async function sendItem(w: ProWriter, text: string, record: ItemRecord, chunks: Json[],
  now: number): Promise<Json> {
  return w.signed("POST", "/consent/items", { token: text, item: itemBody(record), chunks }, now);
}

/** Add an item authored by this professional through a read+write consent already opened,
 * with an optional file. On ``stale_key`` (the patient rotated the section's key and
 * re-sealed the grant) the consent is opened again with ``reopen`` (given) and the item
 * sealed and sent once more, as web.client.writes.write_item does. */
export async function writeItem(w: ProWriter, opened: Granted, d: Draft, now: number,
  o: { file?: NewFile; reopen?: () => Promise<Granted>; rng?: Random } = {}): Promise<{
  opened: Granted; item: Item }> {
  const rng = o.rng ?? systemRandom;
  const c = checkDraft(d);
  if (!opened.write) throw new ApiError(403, "not_allowed", "this consent is read-only");
  const itemId = toHex(rng(16));
  let attachment: AttachmentRef | null = null;
  let chunks: Json[] = [];
  if (o.file) {
    if (!ATTACHMENT_TYPES.includes(o.file.mediaType)) throw new ApiError(400, "invalid_input", "unsupported file type");
    if (o.file.data.length > ATTACHMENT_MAX_BYTES) throw new ApiError(413, "too_large", "the file is larger than 25 MiB");
    const attachmentId = toHex(rng(16));
    const sealed = sealAttachment(o.file.data, { dossierId: opened.dossierId, attachmentId,
      name: o.file.name, mediaType: o.file.mediaType }, rng);
    attachment = sealed.ref;
    chunks = sealed.chunks.map((blob, index) => ({ attachment_id: attachmentId, index, blob: b64(blob) }));
  }
  const plaintext = encodeItem({ ...c, author: authorOf(w), createdAt: now, attachment });
  let record = sealForGrant(opened, plaintext, c.section, { itemId, createdAt: now }, rng);
  try {
    await sendItem(w, opened.text, record, chunks, now);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== STALE_KEY || !o.reopen) throw e;
    opened = await o.reopen();
    record = sealForGrant(opened, plaintext, c.section, { itemId, createdAt: now }, rng);
    await sendItem(w, opened.text, record, chunks, now);
  }
  return { opened, item: decodeItem(plaintext, itemId, 1) };
}

/** The alerts that stop a prescription until the professional confirms (web/cli/_alerts.py
 * ``prescription_gate``): interactions and allergies, not the notices. */
export function seriousAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts.filter((a) => a.kind === "interaction" || a.kind === "allergy");
}

/** The prescription's body once its alerts are confirmed: the serious ones recorded as
 * ``acknowledged_alerts`` (each as the CLI's ``--json`` prints it), as the Python client
 * does; the body unchanged when there is none. */
export function acknowledged(body: Record<string, unknown>, alerts: readonly Alert[]):
  Record<string, unknown> {
  const serious = seriousAlerts(alerts);
  return serious.length ? { ...body, acknowledged_alerts: serious.map(alertJson) } : body;
}

// ------------------------------------------------------------------------------ deposits
const DEPOSIT_CONTEXT = concat(utf8("CARNET-DEPOSIT"), new Uint8Array([0x01]));

function depositId(value: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(value)) throw new FormatError("ids are 32 lowercase hex digits");
  return fromHex(value);
}

/** What the depositor signs: "CARNET-DEPOSIT" | 0x01 | dossier id | deposit id | SHA-256(sealed). */
export function depositMessage(dossierId: string, id: string, sealed: Uint8Array): Uint8Array {
  return concat(DEPOSIT_CONTEXT, depositId(dossierId), depositId(id), sha256(sealed));
}

export function signDeposit(dossierId: string, id: string, sealed: Uint8Array, seed: Uint8Array): Uint8Array {
  return sign(seed, depositMessage(dossierId, id, sealed));
}

export function verifyDeposit(dossierId: string, id: string, sealed: Uint8Array,
  signature: Uint8Array, signPublic: Uint8Array): boolean {
  return verify(signPublic, depositMessage(dossierId, id, sealed), signature);
}

/** The item's plaintext sealed to the patient (``rng`` draws the ephemeral key). */
export function sealDeposit(plaintext: Uint8Array, patientBoxPublic: Uint8Array,
  rng: Random = systemRandom): Uint8Array {
  return sealTo(patientBoxPublic, plaintext, rng);
}

/** A NIR as the server expects it: separators dropped, upper case, 15 characters and the
 * key checked (web/nir.py); FormatError otherwise (the message never repeats the digits). */
export function normaliseNir(text: string): string {
  const nir = [...text.slice(0, 64)].filter((c) => !" .-\t\u00a0\u202f".includes(c)).join("").toUpperCase();
  if (nir.length !== 15 || !/^\d{5}(\d{2}|2A|2B)\d{8}$/.test(nir)) throw new FormatError("a NIR has 15 characters (13 + a 2-digit key)");
  const dept = nir.slice(5, 7);
  const digits = nir.slice(0, 5) + (dept === "2A" ? "19" : dept === "2B" ? "18" : dept) + nir.slice(7, 13);
  const key = String(97 - (Number(digits) % 97)).padStart(2, "0");
  if (key !== nir.slice(13)) throw new FormatError("the key (last 2 digits) does not match");
  return nir;
}

export interface Deposited {
  depositId: string;
  dossierId: string;
  at: number;
}

/** Leave an item for the patient with this NIR, sealed to their public key and signed with
 * ours (web.client.writes.deposit). Nothing of the dossier is read. */
export async function deposit(w: ProWriter, nir: string, d: Draft, now: number,
  rng: Random = systemRandom): Promise<Deposited> {
  const c = checkDraft(d);
  const plaintext = encodeItem({ ...c, author: authorOf(w), createdAt: now, attachment: null });
  const where = await w.api.json("POST", "/deposits/recipient", { nir: normaliseNir(nir) });
  const dossierId = String(where["dossier_id"]);
  const sealed = sealDeposit(plaintext, unb64(where["box_public"]), rng);
  const id = toHex(rng(16));
  const signature = w.sign(depositMessage(dossierId, id, sealed));
  const receipt = await w.signed("POST", "/deposits", { dossier_id: dossierId, deposit_id: id,
    sealed: b64(sealed), signature: b64(signature) }, now);
  return { depositId: String(receipt["deposit_id"]), dossierId, at: Number(receipt["at"]) };
}

// ------------------------------------------------------------------------------ IPS export
/** What the consent opens as an IPS document bundle, the bytes the Python client writes
 * (web.client.fhir.ips_bundle, ``carnet pro export-ips``): never a masked item or a personal
 * note; the sections the grant does not carry marked withheld. */
export function ipsExport(items: readonly Item[], o: { dossierId: string; sections: Iterable<Section>;
  psId: string; name: string | null; now: number }): Uint8Array {
  const visible = items.filter((i) => !i.masked && i.section !== "personal_notes")
    .map((i) => ({ itemId: i.itemId, section: i.section, type: i.type, title: i.title, date: i.date,
      body: i.body }));
  const bundle = ipsBuild(visible, { dossierId: o.dossierId, shown: [...o.sections],
    author: { kind: "professional", psId: o.psId, name: o.name ?? "" }, now: instant(o.now) });
  return utf8(ipsText(bundle));
}

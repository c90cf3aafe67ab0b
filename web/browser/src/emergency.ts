/** The reading side of emergency access (consent/card.py, consent/note.py,
 * web/client/emergency.py): open an emergency card with its passcode, break the glass as an
 * emergency professional, and read the standing summary a patient granted their emergency
 * contact. Every key stays in this page; the server sees the passcode (it checks it and
 * counts the wrong ones) and sealed notes only. Randomness comes from the caller.
 *
 *   card link = ORIGIN | "/E#" | decimal(0x01 | card id (16) | card share (32))
 *   card text = "HTTPS://CRNT.FR/E/" | base45(the same 49 bytes)      (legacy, still read)
 *   K         = card share XOR server share
 *   package   = envelope(K, 0x01 | MessagePack {section: {ref: key}}, AD("card", dossier id, card id))
 */

import { Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { concat, DecryptionFailed, equal, FormatError, fromHex, type Random, toHex,
  utf8 } from "./bytes.js";
import { recordOf } from "./core.js";
import { associatedData, boxPublic, fingerprint, KEY_BYTES, open, openSealed, sealTo,
  signingKeypair, systemRandom } from "./crypto.js";
import { decodeGrant, openGrantKeys, verifyGrant } from "./grant.js";
import { type Item, type ItemRecord, openItemWithKey, unwrapItemKey } from "./item.js";
import { buildLink, fromDigits, parseLink } from "./link.js";
import { decode as mpDecode } from "./msgpack.js";
import { signedHeaders } from "./request.js";
import { isSection, type Section } from "./sections.js";
import { decodeToken, TokenError, tokenFromLink, verifyToken } from "./token.js";

export const CARD_PREFIX = "HTTPS://CRNT.FR/E/";
export const CONTACT_PREFIX = "HTTPS://CRNT.FR/K/";
const VERSION = 0x01;
const CARD_BODY = 16 + KEY_BYTES;
const CONTACT_BODY = 16 + 32 + 32;
const PACKAGE_MAX_BYTES = 1024 * 1024;
const TEXT_MAX_CHARS = 1024;
export const WHO_MAX = 100;
export const REASON_MIN = 10;
export const REASON_MAX = 500;
export const NOTE_TEXT_MAX = 1024;
export const NOTE_PURPOSES = { who: "card-who", reason: "break-glass-reason" } as const;

export class CardError extends Error {
  override name = "CardError";
  constructor(readonly code: "not_an_emergency_card" | "emergency_package_unreadable" | "reason_length",
    message: string) {
    super(message);
  }
}

const notACard = (): never => { throw new CardError("not_an_emergency_card", "not a Carnet emergency card"); };

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/** Strict base45 (RFC 9285, consent/base45.py): null for anything not canonical. */
export function base45Decode(text: string): Uint8Array | null {
  if (text.length % 3 === 1) return null;
  const values: number[] = [];
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    values.push(v);
  }
  const out: number[] = [];
  const full = values.length - (values.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (values[i] as number) + (values[i + 1] as number) * 45 + (values[i + 2] as number) * 2025;
    if (n > 0xffff) return null;
    out.push(n >> 8, n & 0xff);
  }
  if (values.length % 3) {
    const n = (values[values.length - 2] as number) + (values[values.length - 1] as number) * 45;
    if (n > 0xff) return null;
    out.push(n);
  }
  return Uint8Array.from(out);
}

/** ``version | body`` of one kind of Carnet QR text (link or legacy), as consent/_qrtext.py
 * reads it; null when the text is of neither form or of another kind. */
function qrPayload(text: string, kind: "E" | "K", prefix: string): Uint8Array | null | "garbled" {
  const clean = text.trim();
  const found = parseLink(clean);
  if (found) {
    if (found.kind !== kind) return null;
    return (found.digits.length <= TEXT_MAX_CHARS && fromDigits(found.digits)) || "garbled";
  }
  const head = clean.slice(0, prefix.length);
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(head) || head.toUpperCase() !== prefix) return null;
  const payload = clean.slice(prefix.length);
  if (!payload || payload.length > TEXT_MAX_CHARS) return "garbled";
  return base45Decode(payload) ?? "garbled";
}

export interface CardCode {
  cardId: Uint8Array;
  share: Uint8Array;
}

/** (card id, card share) from a card's link or legacy text; CardError for anything else. */
export function parseCard(text: string): CardCode {
  const raw = qrPayload(text, "E", CARD_PREFIX);
  if (raw === null || raw === "garbled" || raw[0] !== VERSION || raw.length !== 1 + CARD_BODY)
    return notACard();
  return { cardId: raw.slice(1, 17), share: raw.slice(17) };
}

/** Whether a scanned text is a Carnet emergency card (to tell it from another QR). */
export function isCard(text: string): boolean {
  try {
    parseCard(text);
    return true;
  } catch {
    return false;
  }
}

export type SummaryKeys = Map<Section, Map<string, Uint8Array>>;

const unreadable = (): never => {
  throw new CardError("emergency_package_unreadable", "this emergency package does not open");
};

/** ``0x01 | MessagePack {section: {ref: key}}`` (bounded as consent/card.py does). */
export function decodeSummaryKeys(data: Uint8Array): SummaryKeys {
  if (!data.length || data[0] !== VERSION) return unreadable();
  const out: SummaryKeys = new Map();
  let top;
  try {
    top = mpDecode(data.subarray(1), { maxSize: PACKAGE_MAX_BYTES, maxDepth: 8,
      what: "emergency package" });
  } catch {
    return unreadable();
  }
  if (!(top instanceof Map)) return unreadable();
  for (const [name, ks] of top) {
    if (!isSection(name) || !(ks instanceof Map)) return unreadable();
    const m = new Map<string, Uint8Array>();
    for (const [ref, key] of ks) {
      if (!(key instanceof Uint8Array)) return unreadable();
      m.set(ref, key);
    }
    out.set(name, m);
  }
  return out;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ (b[i] as number));
}

export function cardAd(dossierId: string, cardId: Uint8Array): Uint8Array {
  return associatedData("card", dossierId, cardId);
}

export function openCardPackage(pkg: Uint8Array, cardShare: Uint8Array, serverShare: Uint8Array,
  dossierId: string, cardId: Uint8Array): SummaryKeys {
  if (cardShare.length !== KEY_BYTES || serverShare.length !== KEY_BYTES) return unreadable();
  let data: Uint8Array;
  try {
    data = open(xor(cardShare, serverShare), pkg, cardAd(dossierId, cardId));
  } catch {
    return unreadable();
  }
  return decodeSummaryKeys(data);
}

export function openForService(pkg: Uint8Array, serviceBoxSecret: Uint8Array): SummaryKeys {
  let data: Uint8Array;
  try {
    data = openSealed(serviceBoxSecret, pkg);
  } catch {
    return unreadable();
  }
  return decodeSummaryKeys(data);
}

/** A sealed note (consent/note.py): free text only the patient's client opens. */
export function sealNote(patientBoxPublic: Uint8Array, purpose: string, text: string,
  rng: Random = systemRandom): Uint8Array {
  const raw = utf8(text);
  const tag = utf8(purpose);
  // eslint-disable-next-line no-control-regex
  if (raw.length > NOTE_TEXT_MAX || /[\x00-\x1f\x7f]/.test(text)) throw new FormatError("a note is at most 1024 bytes of text");
  return sealTo(patientBoxPublic, concat(new Uint8Array([VERSION, tag.length]), tag, raw), rng);
}

export interface Summary {
  dossierId: string;
  items: Item[];
  unreadable: string[]; // ids of items that did not open (they hide no other)
}

/** The items wrapped under one of ``keys`` (never a masked one: its key is not there). */
export function decryptSummary(dossierId: string, records: ItemRecord[], keys: SummaryKeys): Summary {
  const byRef = new Map<string, { section: Section; key: Uint8Array }>();
  for (const [section, ks] of keys) for (const [ref, key] of ks) byRef.set(ref, { section, key });
  const items: Item[] = [];
  const bad: string[] = [];
  for (const r of records) {
    const hit = byRef.get(r.keyRef);
    if (!hit) continue;
    try {
      const itemKey = unwrapItemKey(r, { ref: r.keyRef, key: hit.key, section: hit.section }, hit.section);
      items.push(openItemWithKey(r, itemKey, hit.section));
    } catch (e) {
      if (!(e instanceof DecryptionFailed || e instanceof FormatError)) throw e;
      bad.push(r.itemId);
    }
  }
  return { dossierId, items, unreadable: bad };
}

function opened(body: Json, keysOf: (dossierId: string) => SummaryKeys): Summary {
  const dossier = body["dossier"] as Json;
  const dossierId = String(dossier["dossier_id"]);
  const records = (body["items"] as Json[]).map((b) => recordOf(dossierId, b));
  return decryptSummary(dossierId, records, keysOf(dossierId));
}

/** Whoever holds the card and its passcode: the emergency summary, decrypted here. ``who``
 * (at most 100 characters) is sealed to the patient before it is sent. ApiError from the
 * server: ``wrong_passcode`` (see ``attemptsLeft``), ``card_locked``, ``card_expired``. */
export async function openCard(api: Api, text: string, passcode: string, who = "",
  rng: Random = systemRandom): Promise<Summary> {
  const card = parseCard(text);
  const cardId = toHex(card.cardId);
  const name = who.trim().slice(0, WHO_MAX);
  let sealed: Uint8Array = new Uint8Array(0);
  if (name) {
    const recipient = await api.json("GET", `/emergency/cards/${cardId}/recipient`, undefined, { auth: false });
    sealed = sealNote(unb64(recipient["box_public"]), NOTE_PURPOSES.who, name, rng);
  }
  const body = await api.json("POST", `/emergency/cards/${cardId}/open`,
    { passcode: passcode.trim(), who_sealed: b64(sealed) }, { auth: false });
  return opened(body, (dossierId) => openCardPackage(unb64(body["package"]), card.share,
    unb64(body["server_share"]), dossierId, card.cardId));
}

/** The attempts left the server's ``wrong_passcode`` detail states, else null. */
export function attemptsLeft(e: unknown): number | null {
  if (!(e instanceof ApiError) || e.code !== "wrong_passcode") return null;
  const m = /\((\d+) attempts? left/.exec(e.message);
  return m ? Number(m[1]) : null;
}

/** Who signs the break-glass request: a signed-in professional (``ProSession`` of
 * ``pro.ts`` has this shape). */
export interface RequestSigner {
  readonly api: Api;
  signed(method: string, path: string, body: Json, now: number): Promise<Json>;
}

/** Check a stated reason as the Python client does (10 to 500 characters). */
export function checkReason(reason: string): string {
  const clean = reason.trim();
  if (clean.length < REASON_MIN || clean.length > REASON_MAX || utf8(clean).length > NOTE_TEXT_MAX)
    throw new CardError("reason_length", "state the reason (10 to 500 characters): it is logged and sent to the patient");
  return clean;
}

/** One signed JSON POST (consent/request.py headers over the exact body sent). */
async function signedPost(api: Api, path: string, body: Json, seed: Uint8Array, now: number,
  rng: Random): Promise<Json> {
  // Api.call sends JSON.stringify(body): the very bytes signed here.
  const headers = signedHeaders(seed, "POST", path, utf8(JSON.stringify(body)), rng(16), now);
  return api.json("POST", path, body, { headers });
}

/** As an emergency professional (signed in, holding the emergency service's key): the
 * summary of the patient with this NIR (the server normalises it). The reason is sealed to the patient first. ApiError
 * ``break_glass_off`` when the patient refused it, 403 without the emergency role. */
export async function breakGlass(pro: RequestSigner, serviceSecret: Uint8Array, nir: string,
  reason: string, now: number, rng: Random = systemRandom): Promise<Summary> {
  const why = checkReason(reason);
  if (serviceSecret.length !== KEY_BYTES) throw new FormatError("the emergency service's key is 32 bytes");
  const recipient = await pro.api.json("POST", "/deposits/recipient", { nir });
  const sealed = sealNote(unb64(recipient["box_public"]), NOTE_PURPOSES.reason, why, rng);
  const body = await pro.signed("POST", "/emergency/break-glass", { nir, reason_sealed: b64(sealed) }, now);
  return opened(body, () => openForService(unb64(body["package"]), serviceSecret));
}

/** The emergency service's key from a key file's text (64 hex digits, as
 * ``carnet emergency init-service`` or the dev keys write it). */
export function serviceKeyFromText(text: string): Uint8Array {
  const clean = text.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(clean)) throw new FormatError("an emergency service key is 64 hex digits");
  return fromHex(clean);
}

// ------------------------------------------------------------------ emergency contact

/** The holder of a dossier, acting as someone's emergency contact: that dossier's own keys. */
export interface ContactKeys {
  dossierId: string;
  signSeed: Uint8Array;
  boxSecret: Uint8Array;
}

/** This dossier holder's emergency-contact code (consent/contact.py), shown in person to the
 * patient who names them. */
export function contactCode(me: ContactKeys, origin: string): string {
  const body = concat(new Uint8Array([VERSION]), fromHex(me.dossierId),
    signingKeypair(me.signSeed).publicKey, boxPublic(me.boxSecret));
  if (body.length !== 1 + CONTACT_BODY) throw new FormatError("not a contact");
  return buildLink(origin, "K", body);
}

/** Whether a text is an emergency-contact code (to tell it from a consent). */
export function isContactCode(text: string): boolean {
  const raw = qrPayload(text, "K", CONTACT_PREFIX);
  return raw !== null && raw !== "garbled" && raw[0] === VERSION && raw.length === 1 + CONTACT_BODY;
}

/** As an emergency contact signed in to their own dossier: present the token the patient
 * gave them and open the summary it grants (web/client/consent.py ``contact_scan``): the
 * patient's signature on the token and the grant, the grant naming this contact, the keys
 * opened with this dossier's own key. TokenError / InvalidGrant / ApiError otherwise. */
export async function readAsContact(api: Api, me: ContactKeys, text: string, now: number,
  rng: Random = systemRandom): Promise<Summary & { expiresAt: number; sections: Set<Section> }> {
  const tok = decodeToken(tokenFromLink(text));
  const mySign = signingKeypair(me.signSeed).publicKey;
  const body = await signedPost(api, "/consent/scan", { token: text.trim() }, me.signSeed, now, rng);
  const dossier = body["dossier"] as Json;
  const patientSign = unb64(dossier["sign_public"]);
  verifyToken(tok, patientSign);
  const g = decodeGrant(unb64(body["grant"]));
  verifyGrant(g, patientSign);
  const core = g.core;
  const sameSections = core.sections.size === tok.sections.size &&
    [...core.sections].every((s) => tok.sections.has(s));
  // consent/policy.py: the token says what the grant says, and both name this contact.
  if (core.grantId !== tok.grantId || !sameSections || core.write !== tok.write ||
      core.emergency !== tok.emergency || tok.expiresAt > core.expiresAt ||
      !equal(fingerprint(core.recipientSignPublic), tok.recipientFpr) ||
      core.dossierId !== String(dossier["dossier_id"]))
    throw new TokenError("invalid_token", "this consent token is not valid");
  if (core.recipientId !== `contact:${me.dossierId}` || !equal(core.recipientSignPublic, mySign))
    throw new TokenError("wrong_recipient", "this consent was issued to someone else");
  const keys = openGrantKeys(g, me.boxSecret);
  const summary = opened(body, () => keys.keys);
  return { ...summary, expiresAt: Math.min(core.expiresAt, tok.expiresAt), sections: core.sections };
}

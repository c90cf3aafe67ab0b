/** Emergency cards in the browser (consent/card.py, web/client/emergency.py): the same bytes.
 *
 *   card link = ORIGIN | "/E#" | decimal(0x01 | card id (16) | card share (32))
 *   K         = card share XOR server share
 *   package   = envelope(K, 0x01 | MessagePack {section: {ref: key}}, AD("card", dossier id, card id))
 *
 * The card share is only in the link (after ``#``: sent to no server); the server keeps the
 * other share and releases it only after the passcode, which is printed on a separate slip.
 * Opening a card is the reading side's (``emergency.ts``). Also here: break-glass's state, and a standing grant to an emergency contact who has an
 * account (web/client/consent.py ``issue_contact_grant``). Randomness comes from the caller. */

import { type Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { concat, equal, FormatError, fromHex, type Random, toHex, utf8 } from "./bytes.js";
import { blake2bRaw } from "./blake2b.js";
import { associatedData, KEY_BYTES, open, seal, systemRandom } from "./crypto.js";
import { issueGrant } from "./grant.js";
import { type EmergencyRecord, grantKeys, type Keyring } from "./keyring.js";
import { buildLink, fromDigits, parseLink } from "./link.js";
import { encode as mpEncode, type MsgMap, type Value } from "./msgpack.js";
import { EMERGENCY_SUMMARY, type Section } from "./sections.js";
import { signToken, tokenLink } from "./token.js";

export const CARD_VERSION = 0x01;
export const CARD_BYTES = 1 + 16 + KEY_BYTES;
export const PASSCODE_DIGITS = 8;
export const CARD_DAYS = 365;

export type SummaryKeys = Map<Section, Map<string, Uint8Array>>;

/** ``digits`` uniformly random decimal digits: bytes of 250 and above are dropped (250 = 25
 * x 10, no modulo bias), as web.client.emergency.new_passcode does. */
export function newPasscode(rng: Random = systemRandom, digits = PASSCODE_DIGITS): string {
  const out: string[] = [];
  while (out.length < digits) {
    for (const byte of rng(digits)) {
      if (byte < 250 && out.length < digits) out.push(String(byte % 10));
    }
  }
  return out.join("");
}

/** Every version of each summary section's key a grant may carry (never the mask key), the
 * sections in sorted order (a stable byte encoding). */
export function summaryKeys(ring: Keyring): SummaryKeys {
  const out: SummaryKeys = new Map();
  for (const s of [...EMERGENCY_SUMMARY].sort()) {
    const ks = grantKeys(ring, s);
    for (const [ref, key] of ks) {
      if (ref === ring.maskRef || equal(key, ring.maskKey)) {
        throw new Error("the mask key must never leave the keyring");
      }
    }
    out.set(s, ks);
  }
  return out;
}

/** ``0x01 | MessagePack {section: {ref: key}}`` (consent.card.encode_keys). */
export function encodeKeys(keys: SummaryKeys): Uint8Array {
  const map: MsgMap = new Map();
  for (const [s, ks] of keys) map.set(s, new Map<string, Value>([...ks]));
  return concat(new Uint8Array([CARD_VERSION]), mpEncode(map));
}

export function refsOf(keys: SummaryKeys): string[] {
  return [...keys.values()].flatMap((ks) => [...ks.keys()]).sort();
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError("shares of different lengths");
  return a.map((x, i) => x ^ (b[i] as number));
}

function cardAd(dossierId: string, cardId: Uint8Array): Uint8Array {
  return associatedData("card", dossierId, cardId);
}

export interface NewCard {
  cardId: Uint8Array;
  cardShare: Uint8Array;
  serverShare: Uint8Array;
  package: Uint8Array;
  keyRefs: string[];
}

/** A card's key material (consent.card.new_card): the random bytes are drawn in the same
 * order as Python's (card id, card key, card share, then the envelope's nonce). */
export function newCard(keys: SummaryKeys, dossierId: string, rng: Random = systemRandom,
  cardsRoot?: Uint8Array): NewCard {
  const cardId = rng(16);
  const key = cardsRoot === undefined ? rng(KEY_BYTES) : cardKey(cardsRoot, cardId);
  const cardShare = rng(KEY_BYTES);
  const pkg = seal(key, encodeKeys(keys), cardAd(dossierId, cardId), rng);
  const serverShare = xor(key, cardShare);
  key.fill(0);
  return { cardId, cardShare, serverShare, package: pkg, keyRefs: refsOf(keys) };
}

/** The card's link on the deployment at ``origin`` (what its QR code carries). */
export function cardLink(cardId: Uint8Array, cardShare: Uint8Array, origin: string): string {
  if (cardId.length !== 16 || cardShare.length !== KEY_BYTES) {
    throw new FormatError("a card needs a 16-byte id and a 32-byte share");
  }
  return buildLink(origin, "E", concat(new Uint8Array([CARD_VERSION]), cardId, cardShare));
}

// ---------------------------------------------------------------- with the server

/** What a patient's session gives these functions (a PatientSession does). */
export interface CardOwner {
  readonly api: Api;
  readonly dossierId: string;
  readonly keyring: Keyring;
  /** A key derived from the master key (vault Dossier.subkey). */
  subkey(purpose: string): Uint8Array;
  /** The keyring's emergency record after ``change`` (web/client/emergency_sync.py
   * ``recorded``): only the cards listed there are ever re-sealed. */
  recorded(change?: (r: EmergencyRecord) => EmergencyRecord, withdrawn?: boolean): Promise<EmergencyRecord>;
  /** The summary's keys rotated now, grants and cards re-sealed (after a card is revoked);
   * false if that could not finish (made at the next sign-in or write). */
  rotatedAfterWithdrawal(): Promise<boolean>;
}

export const CARDS_PURPOSE = "carnet.cards";

/** The key K of a card (consent.card.card_key): keyed BLAKE2b-256 of the card id under the
 * dossier's ``carnet.cards`` subkey, personal "carnet.card". The patient's client makes K
 * again to re-seal the package after a rotation; the server cannot. */
export function cardKey(cardsRoot: Uint8Array, cardId: Uint8Array): Uint8Array {
  if (cardsRoot.length !== KEY_BYTES || cardId.length !== 16) {
    throw new FormatError("a card key needs a 32-byte root and a 16-byte card id");
  }
  return blake2bRaw(cardId, KEY_BYTES, { key: cardsRoot, salt: new Uint8Array(16),
    personal: utf8("carnet.card".padEnd(16, "\0")) });
}

/** The card's package sealed again under its key with the summary's keys now, or null when
 * it does not open with ``cardKey`` (a random-key card: renew it). */
/** Whether a card's package opens under its derived key (consent/card.py ``follows_keys``). */
export function followsKeys(dossierId: string, cardId: string, pkgB64: string,
  cardsRoot: Uint8Array): boolean {
  try {
    const id = fromHex(cardId);
    open(cardKey(cardsRoot, id), unb64(pkgB64), cardAd(dossierId, id));
    return true;
  } catch {
    return false;
  }
}

export function resealCard(keys: SummaryKeys, dossierId: string, cardId: Uint8Array,
  pkg: Uint8Array, cardsRoot: Uint8Array, rng: Random = systemRandom): { package: Uint8Array;
  keyRefs: string[] } | null {
  const key = cardKey(cardsRoot, cardId);
  try {
    open(key, pkg, cardAd(dossierId, cardId));
  } catch {
    return null;
  }
  return { package: seal(key, encodeKeys(keys), cardAd(dossierId, cardId), rng),
    keyRefs: refsOf(keys) };
}

/** A card just made: its link and passcode exist only here (and on paper). */
export interface Card {
  cardId: string;
  link: string;
  passcode: string;
  createdAt: number;
  expiresAt: number;
}

/** One of the dossier's cards as the server keeps it (never its share or passcode). */
export interface CardState {
  cardId: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
  attempts: number; // wrong passcodes so far (the card locks at the server's limit)
  /** Its package opens under the card key this client derives, so it is re-sealed after key
   * rotations; false: made before, with a random key (renew it). */
  followsKeys: boolean;
}

/** The deployment's origin for links: what the server publishes, else ``fallback``. */
export async function publicOrigin(api: Api, fallback: string): Promise<string> {
  try {
    const published = (await api.json("GET", "/links", undefined, { auth: false }))["origin"];
    return typeof published === "string" && published ? published : fallback;
  } catch {
    return fallback;
  }
}

/** Register a new card for the emergency summary (web.client.emergency.issue_card). */
export async function issueCard(s: CardOwner, origin: string, o: { days?: number; passcode?: string;
  rng?: Random; now?: number } = {}): Promise<Card> {
  const rng = o.rng ?? systemRandom;
  const passcode = o.passcode ?? newPasscode(rng);
  const made = newCard(summaryKeys(s.keyring), s.dossierId, rng, s.subkey(CARDS_PURPOSE));
  const days = o.days ?? CARD_DAYS;
  const now = o.now ?? Math.floor(Date.now() / 1000);
  // Recorded first, in the keyring: a card the record lacks is never re-sealed.
  await s.recorded((r) => ({ breakGlass: r.breakGlass,
    cards: new Map([...r.cards].filter(([, until]) => until > now)).set(toHex(made.cardId),
      now + days * 86400) }));
  const info = await s.api.json("POST", `/dossiers/${s.dossierId}/cards`, {
    card_id: toHex(made.cardId), server_share: b64(made.serverShare), passcode,
    package: b64(made.package), key_refs: made.keyRefs, days });
  return { cardId: String(info["card_id"]), link: cardLink(made.cardId, made.cardShare, origin),
    passcode, createdAt: Number(info["created_at"]), expiresAt: Number(info["expires_at"]) };
}

/** The dossier's cards, newest first. */
export async function listCards(s: CardOwner): Promise<CardState[]> {
  const body = await s.api.json("GET", `/dossiers/${s.dossierId}/cards`);
  const root = s.subkey(CARDS_PURPOSE);
  const found = (body["cards"] as Json[]).map((c) => ({ cardId: String(c["card_id"]),
    createdAt: Number(c["created_at"]), expiresAt: Number(c["expires_at"]),
    revoked: Boolean(c["revoked"]), attempts: Number(c["attempts"]),
    followsKeys: followsKeys(s.dossierId, String(c["card_id"]), String(c["package"] ?? ""), root) }));
  return found.sort((a, b) => b.createdAt - a.createdAt || a.cardId.localeCompare(b.cardId));
}

export function isActive(c: CardState, now: number): boolean {
  return !c.revoked && c.expiresAt > now;
}

/** A new card, then every other card revoked (a lost or reprinted card stops opening the
 * summary): those the record lists too, not only the server's. */
export async function renewCard(s: CardOwner, origin: string, now: number,
  o: { days?: number; rng?: Random } = {}): Promise<Card> {
  const made = await issueCard(s, origin, { ...o, now });
  await revokeCards(s, now, made.cardId);
  return made;
}

/** Every card active in the patient's record or on the server's list, but ``keep``: struck
 * from the record in one keyring write (a card the server hides now is struck too, so it is
 * never re-sealed when it is listed again), revoked on the server (one it does not know:
 * nothing to do there), then the summary's keys rotate (``rotatedAfterWithdrawal``). */
export async function revokeCards(s: CardOwner, now: number, keep = ""): Promise<string[]> {
  const listed = (await listCards(s)).filter((c) => isActive(c, now)).map((c) => c.cardId);
  let ids: string[] = [];
  await s.recorded((r) => {
    const ours = [...r.cards].filter(([, until]) => until > now).map(([id]) => id);
    ids = [...new Set([...listed, ...ours])].filter((id) => id !== keep).sort();
    return { cards: new Map([...r.cards].filter(([id]) => !ids.includes(id))), breakGlass: r.breakGlass };
  }, true);
  for (const id of ids) {
    try {
      await s.api.call("DELETE", `/dossiers/${s.dossierId}/cards/${id}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  if (ids.length) await s.rotatedAfterWithdrawal();
  return ids;
}

/** Whether break-glass is allowed now (the server holds a package for the service). */
export async function breakGlassAllowed(s: CardOwner): Promise<boolean> {
  return Boolean((await s.api.json("GET", `/dossiers/${s.dossierId}/break-glass`))["allowed"]);
}

// ---------------------------------------------------------------- emergency contacts

export interface Contact {
  dossierId: string;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
}

export const CONTACT_BYTES = 1 + 16 + 32 + 32;

/** The contact a code names (consent/contact.py, the link form). */
export function parseContact(text: string): Contact {
  const found = parseLink(text);
  const data = found && found.kind === "K" ? fromDigits(found.digits) : null;
  if (!data || data.length !== CONTACT_BYTES || data[0] !== CARD_VERSION) {
    throw new FormatError("this is not a Carnet emergency-contact code");
  }
  return { dossierId: toHex(data.subarray(1, 17)), signPublic: data.slice(17, 49),
    boxPublic: data.slice(49, 81) };
}

export function contactId(dossierId: string): string {
  return `contact:${dossierId}`;
}

/** A standing grant on the emergency summary to an emergency contact who has an account;
 * returns its id and the token's link, to give to the contact. The caller finishes any
 * interrupted masking first (``PatientSession.finishRotations``). */
export async function issueContactGrant(s: CardOwner, code: string, seconds: number, now: number,
  origin: string, rng: Random = systemRandom): Promise<{ grantId: string; link: string }> {
  const contact = parseContact(code);
  const grantId = toHex(rng(16));
  const terms = { grantId, dossierId: s.dossierId, recipientId: contactId(contact.dossierId),
    recipientSignPublic: contact.signPublic, recipientBoxPublic: contact.boxPublic,
    sections: new Set<Section>(EMERGENCY_SUMMARY), write: false, emergency: true, issuedAt: now,
    expiresAt: now + seconds };
  const { bytes } = issueGrant(s.keyring, terms, { rng });
  await s.api.json("POST", `/dossiers/${s.dossierId}/grants`, { grant: b64(bytes) });
  return { grantId, link: tokenLink(signToken(s.keyring.signSeed, terms), origin) };
}

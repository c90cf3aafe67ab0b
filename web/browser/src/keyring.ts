/** The keyring (vault/keyring.py): every key below the master key, one sealed blob. */

import { concat, equal, FormatError, type Random, toHex } from "./bytes.js";
import { associatedData, boxPublic, KEY_BYTES, open, seal, signingKeypair,
  systemRandom } from "./crypto.js";
import { decode as mpDecode, encode as mpEncode, Fields, type MsgMap, type Value } from "./msgpack.js";
import { isSection, type Section, SECTIONS } from "./sections.js";

const VERSION = 0x01;
const MAX_BYTES = 1024 * 1024;

export interface SectionKeys {
  current: string;
  keys: Map<string, Uint8Array>;
  retired: Set<string>;
}

export interface KeyLookup {
  ref: string;
  key: Uint8Array;
  section: Section | null; // null: the mask key
}

export interface Keyring {
  signSeed: Uint8Array;
  boxSecret: Uint8Array;
  maskRef: string;
  maskKey: Uint8Array;
  sections: Map<Section, SectionKeys>;
  maskedSections: Set<Section>;
  rotatePending: Set<Section>;
  /** Fields this client does not know, kept as they were so a rewrite loses nothing. */
  extra: Map<string, Value>;
}

export function newRef(rng: Random): string {
  return toHex(rng(16));
}

export function newKeyring(rng: Random = systemRandom): Keyring {
  const sections = new Map<Section, SectionKeys>();
  for (const s of SECTIONS) {
    const ref = newRef(rng);
    sections.set(s, { current: ref, keys: new Map([[ref, rng(KEY_BYTES)]]), retired: new Set() });
  }
  return { signSeed: rng(32), boxSecret: rng(32), maskRef: newRef(rng), maskKey: rng(KEY_BYTES),
    sections, maskedSections: new Set(), rotatePending: new Set(), extra: new Map() };
}

export function lookup(ring: Keyring, ref: string): KeyLookup {
  if (ref === ring.maskRef) return { ref, key: ring.maskKey, section: null };
  for (const [section, keys] of ring.sections) {
    const key = keys.keys.get(ref);
    if (key) return { ref, key, section };
  }
  throw new FormatError("no key with that reference");
}

export function current(ring: Keyring, section: Section): KeyLookup {
  const keys = ring.sections.get(section);
  if (!keys) throw new FormatError("keyring is incomplete");
  return { ref: keys.current, key: keys.keys.get(keys.current) as Uint8Array, section };
}

/** The versions a grant on ``section`` carries: all but the retired ones. */
export function grantKeys(ring: Keyring, section: Section): Map<string, Uint8Array> {
  const keys = ring.sections.get(section);
  if (!keys) throw new FormatError("keyring is incomplete");
  return new Map([...keys.keys].filter(([ref]) => !keys.retired.has(ref)));
}

export function signPublic(ring: Keyring): Uint8Array {
  return signingKeypair(ring.signSeed).publicKey;
}

export function boxPublicKey(ring: Keyring): Uint8Array {
  return boxPublic(ring.boxSecret);
}

/** A new current key for ``section`` (old versions stay to open older items); with
 * ``retire`` every older version is retired (masking). Clears a pending rotation. */
export function rotate(ring: Keyring, section: Section, rng: Random = systemRandom,
  retire = false): Keyring {
  const old = ring.sections.get(section);
  if (!old) throw new FormatError("keyring is incomplete");
  const ref = newRef(rng);
  const sections = new Map(ring.sections);
  sections.set(section, { current: ref, keys: new Map([...old.keys, [ref, rng(KEY_BYTES)]]),
    retired: retire ? new Set([...old.retired, ...old.keys.keys()]) : new Set(old.retired) });
  const pending = new Set(ring.rotatePending);
  pending.delete(section);
  return { ...ring, sections, rotatePending: pending };
}

/** The items masked one by one (the keyring's ``masked_items``, absent while empty). */
export function maskedItems(ring: Keyring): Set<string> {
  const raw = ring.extra.get("masked_items");
  return new Set(Array.isArray(raw) ? raw.filter((x): x is string => typeof x === "string") : []);
}

export function withItemsMasked(ring: Keyring, ids: Iterable<string>, masked: boolean): Keyring {
  const set = maskedItems(ring);
  for (const id of ids) {
    if (masked) set.add(id);
    else set.delete(id);
  }
  const extra = new Map(ring.extra);
  if (set.size) extra.set("masked_items", [...set].sort());
  else extra.delete("masked_items");
  return { ...ring, extra };
}

/** The patient's own record of emergency access (vault/keyring.py ``EmergencyRecord``): the
 * cards issued and not revoked (card id -> the expiry asked for) and, while break-glass is on,
 * the service key it was turned on with. A re-seal after a rotation follows it, never the
 * server's word alone. null: a keyring from before the record (adopted once). */
export interface EmergencyRecord {
  cards: Map<string, number>;
  breakGlass: Uint8Array | null;
}

export function emptyRecord(): EmergencyRecord {
  return { cards: new Map(), breakGlass: null };
}

const isCardId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id);

export function emergencyRecord(ring: Keyring): EmergencyRecord | null {
  const raw = ring.extra.get("emergency");
  if (raw === undefined) return null;
  const bad = (): never => { throw new FormatError("emergency record is malformed"); };
  if (!(raw instanceof Map)) return bad();
  const cards = new Map<string, number>();
  const listed = raw.get("cards");
  if (!(listed instanceof Map)) return bad();
  for (const [id, until] of listed) {
    if (!isCardId(id) || typeof until !== "number" || !Number.isSafeInteger(until) || until < 0)
      return bad();
    cards.set(id, until);
  }
  const glass = raw.get("break_glass");
  if (glass !== undefined && !(glass instanceof Uint8Array && glass.length === 32)) return bad();
  return { cards, breakGlass: glass ?? null };
}

export function withEmergency(ring: Keyring, record: EmergencyRecord): Keyring {
  const wire: MsgMap = new Map<string, Value>([
    ["cards", new Map<string, Value>([...record.cards].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))]]);
  if (record.breakGlass) wire.set("break_glass", record.breakGlass);
  const extra = new Map(ring.extra);
  extra.set("emergency", wire);
  return { ...ring, extra };
}

export function sameRecord(a: EmergencyRecord, b: EmergencyRecord): boolean {
  const glass = a.breakGlass && b.breakGlass ? equal(a.breakGlass, b.breakGlass)
    : a.breakGlass === b.breakGlass;
  return glass && a.cards.size === b.cards.size && [...a.cards].every(([id, e]) => b.cards.get(id) === e);
}

export function withMasked(ring: Keyring, section: Section, masked: boolean): Keyring {
  const set = new Set(ring.maskedSections);
  if (masked) set.add(section);
  else set.delete(section);
  return { ...ring, maskedSections: set };
}

const sorted = (values: Iterable<string>): string[] => [...values].sort();

export function encode(ring: Keyring): Uint8Array {
  const sections: MsgMap = new Map();
  for (const [name, k] of ring.sections) {
    const wire: MsgMap = new Map<string, Value>([["current", k.current],
      ["keys", new Map([...k.keys])]]);
    if (k.retired.size) wire.set("retired", sorted(k.retired));
    sections.set(name, wire);
  }
  const map: MsgMap = new Map<string, Value>([
    ["sign_seed", ring.signSeed], ["box_secret", ring.boxSecret],
    ["mask", new Map<string, Value>([["ref", ring.maskRef], ["key", ring.maskKey]])],
    ["sections", sections],
    ["masked_sections", sorted(ring.maskedSections)],
    ["rotate_pending", sorted(ring.rotatePending)],
  ]);
  for (const [k, v] of ring.extra) map.set(k, v);
  return concat(new Uint8Array([VERSION]), mpEncode(map));
}

const KNOWN = new Set(["sign_seed", "box_secret", "mask", "sections", "masked_sections",
  "rotate_pending"]);

function sectionList(values: string[]): Set<Section> {
  const out = new Set<Section>();
  for (const v of values) {
    if (!isSection(v)) throw new FormatError("keyring is malformed");
    out.add(v);
  }
  return out;
}

export function decode(data: Uint8Array): Keyring {
  if (data.length < 2 || data[0] !== VERSION) throw new FormatError("not a version-1 keyring");
  const top = mpDecode(data.subarray(1), { maxSize: MAX_BYTES, maxDepth: 8, what: "keyring" });
  const f = new Fields(top, "keyring");
  const mask = new Fields(f.map_("mask"), "keyring mask");
  const sections = new Map<Section, SectionKeys>();
  for (const [name, raw] of f.map_("sections")) {
    if (!isSection(name)) throw new FormatError("keyring is malformed");
    const s = new Fields(raw, "keyring section");
    const keys = new Map<string, Uint8Array>();
    for (const [ref, key] of s.map_("keys")) {
      if (!(key instanceof Uint8Array)) throw new FormatError("keyring is malformed");
      keys.set(ref, key);
    }
    const retired = new Set(s.strList("retired", []));
    const cur = s.str("current");
    if (!keys.has(cur) || retired.has(cur) || [...retired].some((r) => !keys.has(r)))
      throw new FormatError("keyring is incomplete");
    sections.set(name, { current: cur, keys, retired });
  }
  if (sections.size !== SECTIONS.length) throw new FormatError("keyring is incomplete");
  const extra = new Map<string, Value>();
  for (const [k, v] of top as MsgMap) if (!KNOWN.has(k)) extra.set(k, v);
  const ring: Keyring = { signSeed: f.bin("sign_seed"), boxSecret: f.bin("box_secret"),
    maskRef: mask.str("ref"), maskKey: mask.bin("key"), sections,
    maskedSections: sectionList(f.strList("masked_sections", [])),
    rotatePending: sectionList(f.strList("rotate_pending", [])), extra };
  emergencyRecord(ring); // refused here when malformed, as vault/keyring.py does
  return ring;
}

function ad(dossierId: string, version: number): Uint8Array {
  return associatedData("keyring", dossierId, version);
}

export function sealKeyring(ring: Keyring, master: Uint8Array, dossierId: string, version: number,
  rng: Random = systemRandom): Uint8Array {
  return seal(master, encode(ring), ad(dossierId, version), rng);
}

export function openKeyring(blob: Uint8Array, master: Uint8Array, dossierId: string,
  version: number): Keyring {
  return decode(open(master, blob, ad(dossierId, version)));
}


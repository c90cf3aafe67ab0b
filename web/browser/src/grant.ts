/** Grants (consent/grant.py, consent/_grant_core.py): versions 1 and 2 (re-sealed), the
 * patient's signature, and the sealed keys opened by the recipient. */

import { concat, equal, FormatError, fromHex, type Random, toHex, u16, u32, u64,
  utf8 } from "./bytes.js";
import { flagsOf, Reader, sectionsMask, sectionsOf } from "./codec.js";
import { blake2b, KEY_BYTES, openSealed, sealTo, sign, systemRandom, verify } from "./crypto.js";
import { current, grantKeys, type Keyring } from "./keyring.js";
import { decode as mpDecode, encode as mpEncode, Fields, type MsgMap, type Value } from "./msgpack.js";
import { EMERGENCY_SUMMARY, isSection, type Section } from "./sections.js";

const CONTEXT = utf8("CARNET-GRANT");
const MAX_SEALED = 1024 * 1024;
const MAX_KEY_REFS = 4096;

export class InvalidGrant extends Error {
  override name = "InvalidGrant";
  constructor() {
    super("this grant is not valid");
  }
}

export interface GrantCore {
  version: 1 | 2;
  grantId: string;
  dossierId: string;
  recipientId: string;
  recipientSignPublic: Uint8Array;
  recipientBoxPublic: Uint8Array;
  sections: Set<Section>;
  write: boolean;
  emergency: boolean;
  issuedAt: number;
  expiresAt: number;
  keyRefs: string[];
  sealedKeysHash: Uint8Array;
  generation: number;
  currentRefs: string[];
  bytes: Uint8Array; // the core as signed
}

export interface SignedGrant {
  core: GrantCore;
  sealed: Uint8Array;
  signature: Uint8Array;
}

export interface GrantKeys {
  keys: Map<Section, Map<string, Uint8Array>>;
  current: Map<Section, string>;
}

const ascending = (refs: string[]): boolean => refs.every((r, i) => i === 0 || (refs[i - 1] as string) < r);

export function decodeGrant(data: Uint8Array): SignedGrant {
  const r = new Reader(data, "grant");
  const version = r.u8();
  if (version !== 1 && version !== 2) throw new FormatError("unknown grant version");
  const coreStart = r.at;
  const grantId = r.hex(16);
  const dossierId = r.hex(16);
  const n = r.u8();
  const rid = r.take(n);
  if (n < 1 || n > 128 || !rid.every((b) => b >= 0x21 && b <= 0x7e)) r.fail();
  const recipientSignPublic = r.take(32);
  const recipientBoxPublic = r.take(32);
  const sections = sectionsOf(r.u16(), "grant");
  const { write, emergency } = flagsOf(r.u8(), "grant");
  const issuedAt = r.u64();
  const expiresAt = r.u64();
  const count = r.u16();
  const keyRefs = Array.from({ length: count }, () => r.hex(16));
  const sealedKeysHash = r.take(32);
  let generation = 0;
  let currentRefs: string[] = [];
  if (version === 2) {
    generation = r.u32();
    currentRefs = Array.from({ length: r.u16() }, () => r.hex(16));
    if (currentRefs.length !== sections.size || !ascending(currentRefs) ||
        !currentRefs.every((c) => keyRefs.includes(c))) r.fail();
  }
  const coreEnd = r.at;
  const sealedLen = r.u32();
  if (sealedLen > MAX_SEALED) r.fail();
  const sealed = r.take(sealedLen);
  const signature = r.take(64);
  r.end();
  if (expiresAt <= issuedAt || count < sections.size || count > MAX_KEY_REFS || !ascending(keyRefs) ||
      (emergency && ![...sections].every((s) => EMERGENCY_SUMMARY.includes(s)))) r.fail();
  return {
    core: { version, grantId, dossierId, recipientId: String.fromCharCode(...rid),
      recipientSignPublic, recipientBoxPublic, sections, write, emergency, issuedAt, expiresAt,
      keyRefs, sealedKeysHash, generation, currentRefs, bytes: data.slice(coreStart, coreEnd) },
    sealed, signature,
  };
}

export function signedMessage(core: GrantCore): Uint8Array {
  return concat(CONTEXT, new Uint8Array([core.version]), core.bytes);
}

export function sealedKeysHash(sealed: Uint8Array): Uint8Array {
  return blake2b(sealed, 32, "carnet.grantkeys");
}

export function verifyGrant(g: SignedGrant, patientSignPublic: Uint8Array): void {
  if (!verify(patientSignPublic, signedMessage(g.core), g.signature) ||
      !equal(sealedKeysHash(g.sealed), g.core.sealedKeysHash)) throw new InvalidGrant();
}

/** Unseal the keys and check they are exactly those the core lists. Call verifyGrant first. */
export function openGrantKeys(g: SignedGrant, recipientBoxSecret: Uint8Array): GrantKeys {
  const core = g.core;
  if (!equal(sealedKeysHash(g.sealed), core.sealedKeysHash)) throw new InvalidGrant();
  let plaintext: Uint8Array;
  try {
    plaintext = openSealed(recipientBoxSecret, g.sealed);
  } catch {
    throw new InvalidGrant();
  }
  if (plaintext[0] !== 0x01) throw new InvalidGrant();
  const keys = new Map<Section, Map<string, Uint8Array>>();
  const current = new Map<Section, string>();
  try {
    const f = new Fields(mpDecode(plaintext.subarray(1), { maxSize: MAX_SEALED, maxDepth: 8,
      what: "grant keys" }), "grant keys");
    if (toHex(f.bin("grant_id")) !== core.grantId) throw new InvalidGrant();
    for (const [name, ks] of f.map_("keys")) {
      if (!isSection(name) || !(ks instanceof Map)) throw new InvalidGrant();
      const m = new Map<string, Uint8Array>();
      for (const [ref, key] of ks) {
        if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new InvalidGrant();
        fromHex(ref);
        m.set(ref, key);
      }
      keys.set(name, m);
    }
    for (const [name, ref] of f.map_("current")) {
      if (!isSection(name) || typeof ref !== "string") throw new InvalidGrant();
      current.set(name, ref);
    }
  } catch {
    throw new InvalidGrant();
  }
  const refs = [...keys.values()].flatMap((m) => [...m.keys()]).sort();
  const same = (a: Iterable<Section>): boolean => {
    const s = new Set(a);
    return s.size === core.sections.size && [...core.sections].every((x) => s.has(x));
  };
  if (!same(keys.keys()) || !same(current.keys()) ||
      [...current].some(([s, ref]) => !keys.get(s)?.has(ref)) ||
      refs.join() !== core.keyRefs.join() || new Set(refs).size !== refs.length ||
      (core.version === 2 && [...current.values()].sort().join() !== core.currentRefs.join()))
    throw new InvalidGrant();
  return { keys, current };
}

export interface GrantTerms {
  grantId: string;
  dossierId: string;
  recipientId: string;
  recipientSignPublic: Uint8Array;
  recipientBoxPublic: Uint8Array;
  sections: Set<Section>;
  write: boolean;
  emergency: boolean;
  issuedAt: number;
  expiresAt: number;
}

function coreBytes(t: GrantTerms, keyRefs: string[], hash: Uint8Array, version: 1 | 2,
  generation: number, currentRefs: string[]): Uint8Array {
  const rid = utf8(t.recipientId);
  const parts = [fromHex(t.grantId), fromHex(t.dossierId), new Uint8Array([rid.length]), rid,
    t.recipientSignPublic, t.recipientBoxPublic, u16(sectionsMask(t.sections)),
    new Uint8Array([(t.write ? 1 : 0) | (t.emergency ? 2 : 0)]), u64(t.issuedAt), u64(t.expiresAt),
    u16(keyRefs.length), ...keyRefs.map(fromHex), hash];
  if (version === 2) parts.push(u32(generation), u16(currentRefs.length), ...currentRefs.map(fromHex));
  return concat(...parts);
}

/** Seal every version of each chosen section's key a grant may carry (never the mask key,
 * never a retired version) to the recipient and sign the grant with the patient's key
 * (consent.grant.issue; ``version`` 2 with a ``generation`` is a re-seal). */
export function issueGrant(ring: Keyring, t: GrantTerms, o: { version?: 1 | 2; generation?: number;
  rng?: Random } = {}): { grant: SignedGrant; bytes: Uint8Array } {
  const version = o.version ?? 1;
  const generation = o.generation ?? 0;
  if (!t.sections.size || t.expiresAt <= t.issuedAt) throw new FormatError("a grant names sections and expires after it starts");
  if (t.emergency && ![...t.sections].every((s) => EMERGENCY_SUMMARY.includes(s))) {
    throw new FormatError("an emergency grant covers only the emergency summary");
  }
  const keys: MsgMap = new Map();
  const cur: MsgMap = new Map();
  const refs: string[] = [];
  for (const s of [...t.sections].sort()) {
    const ks = grantKeys(ring, s);
    for (const [ref, key] of ks) {
      if (ref === ring.maskRef || equal(key, ring.maskKey)) throw new FormatError("unsafe grant");
      refs.push(ref);
    }
    keys.set(s, new Map<string, Value>([...ks]));
    cur.set(s, current(ring, s).ref);
  }
  refs.sort();
  const currentRefs = version === 2 ? [...cur.values()].map(String).sort() : [];
  const payload = concat(new Uint8Array([0x01]), mpEncode(new Map<string, Value>([
    ["grant_id", fromHex(t.grantId)], ["keys", keys], ["current", cur]])));
  const sealed = sealTo(t.recipientBoxPublic, payload, o.rng ?? systemRandom);
  if (sealed.length > MAX_SEALED) throw new FormatError("too many keys for one grant");
  const hash = sealedKeysHash(sealed);
  const bytes = coreBytes(t, refs, hash, version, generation, currentRefs);
  const core: GrantCore = { ...t, version, keyRefs: refs, sealedKeysHash: hash, generation,
    currentRefs, bytes };
  const signature = sign(ring.signSeed, signedMessage(core));
  const grant = { core, sealed, signature };
  return { grant, bytes: concat(new Uint8Array([version]), bytes, u32(sealed.length), sealed, signature) };
}

/** The same grant sealed again with the keys the keyring gives now (after a rotation). */
export function resealGrant(ring: Keyring, core: GrantCore, rng: Random = systemRandom):
  { grant: SignedGrant; bytes: Uint8Array } {
  return issueGrant(ring, core, { version: 2, generation: core.generation + 1, rng });
}

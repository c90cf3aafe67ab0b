/** The access history's format and checks (P6), as consent/audit.py and consent/_chain.py
 * do them: the events' canonical bytes (consent/_chain.py), the hash chain to the
 * server-signed head, what this page saw last, every professional's request signature, that
 * the key that signed is the one the countersigned directory (or the patient's own grant)
 * gives for them, and that no request appears twice. Then the sealed notes the patient may
 * read are opened with the dossier's key. Pure but for ``loadHistory`` (the lookups).
 *
 *   event = 0x01 | u64 seq | u64 at | P(kind) | P(actor) | u16 n
 *           | n × (P(key) | 0x01 P(text) or 0x02 u64)  (keys ascending) | P(signature) | P(public)
 *   h_n   = BLAKE2b-256(h_{n-1} | event_n, personal "carnet.audit"), h_-1 = 32 zero bytes
 *   head  = "CARNET-AUDIT-HEAD" | 0x01 | dossier id (16) | u64 seq | h_seq | u64 at, Ed25519
 *
 * Known limit: integers above 2^53 (seq, at, a detail value) are refused as malformed. */

import { concat, equal, FormatError, fromUtf8, toHex, u16, u64, utf8 } from "./bytes.js";
import { Reader } from "./codec.js";
import { blake2b, verify } from "./crypto.js";

export const KINDS: ReadonlySet<string> = new Set([
  "grant_issued", "token_scanned", "section_read", "item_written", "item_deposited",
  "grant_revoked", "professional_blocked", "mask_changed", "emergency_access", "login",
  "export", "closure", "card_issued", "card_used", "break_glass_changed", "token_refused",
  "item_added", "item_edited", "item_deleted", "keys_changed", "deposit_filed", "import",
  "item_masked", "item_unmasked", "section_masked", "section_unmasked", "recovery_used",
]);
/** Kinds only a professional's (or contact's) signed request produces. */
export const SIGNED_KINDS: ReadonlySet<string> = new Set(["token_scanned", "section_read",
  "item_written", "item_deposited", "emergency_access", "token_refused"]);
const REQUEST_FIELDS = ["method", "path", "body_hash", "nonce", "request_at"];
const VERSION = 0x01;
const HEAD_CONTEXT = utf8("CARNET-AUDIT-HEAD");
const REQUEST_CONTEXT = concat(utf8("CARNET-REQUEST"), new Uint8Array([0x01]));
const GENESIS = new Uint8Array(32);
const HEAD_SIZE = 129;
const ACTOR_MAX = 128;
const DETAIL_MAX_ENTRIES = 32;
const DETAIL_KEY_MAX = 64;
const DETAIL_TEXT_MAX = 2048;

export type Reason = "dropped" | "reordered" | "rewritten" | "shrunk" | "bad_signature" |
  "unknown_actor" | "replayed" | "malformed";

/** The history does not verify (``consent.errors.ChainBroken``; ``malformed`` is
 * ``MalformedAudit``: bytes that are no event or head at all). */
export class ChainBroken extends Error {
  override name = "ChainBroken";
  constructor(readonly reason: Reason, detail?: string) {
    super(detail ?? `the access history does not verify: ${reason}`);
  }
}

export type DetailValue = string | number;
export type Detail = ReadonlyMap<string, DetailValue>;

export interface AuditEvent {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  detail: Detail;
  requestSignature: Uint8Array;
  actorPublic: Uint8Array;
}

export interface ChainHead {
  seq: number;
  hash: Uint8Array;
}

export interface SignedHead extends ChainHead {
  dossierId: string;
  at: number;
  signature: Uint8Array;
}

const malformed = (what: string): ChainBroken => new ChainBroken("malformed", `this access-history entry is malformed: ${what}`);

/** ``consent._codec.text_ok``: 0..max UTF-8 bytes (``min`` at least), no control character. */
function textOk(text: string, max: number, min = 0): boolean {
  const size = utf8(text).length;
  return size >= min && size <= max && !/[\x00-\x1f\x7f]/.test(text);
}

function text(raw: Uint8Array, ascii = false): string {
  if (ascii && raw.some((b) => b > 0x7f)) throw malformed("text is not ASCII");
  try {
    return fromUtf8(raw);
  } catch {
    throw malformed("text is not valid UTF-8");
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  return a.length - b.length;
}

/** The checks of ``consent._chain.Event.__post_init__``. */
function checkEvent(e: AuditEvent): void {
  if (!KINDS.has(e.kind)) throw malformed("unknown event kind");
  if (!textOk(e.actor, ACTOR_MAX, 1)) throw malformed("the actor is 1 to 128 bytes of text");
  if (e.detail.size > DETAIL_MAX_ENTRIES) throw malformed("the detail is a small map");
  for (const [key, value] of e.detail) {
    if (!textOk(key, DETAIL_KEY_MAX, 1)) throw malformed("a detail key is 1 to 64 bytes of text");
    if (typeof value === "string" && !textOk(value, DETAIL_TEXT_MAX)) throw malformed("a detail value is short text");
  }
  if (e.requestSignature.length || e.actorPublic.length) {
    if (e.requestSignature.length !== 64 || e.actorPublic.length !== 32) throw malformed("a signed request has a 64-byte signature and 32-byte key");
    if (!REQUEST_FIELDS.every((k) => e.detail.has(k))) throw malformed("a signed request's event records the request fields");
  }
}

/** Parse canonical event bytes; anything else (a non-canonical key order too) is malformed. */
export function decodeEvent(data: Uint8Array): AuditEvent {
  const r = new Reader(data, "event");
  const p = (): Uint8Array => r.take(r.u16());
  try {
    if (r.u8() !== VERSION) throw malformed("unknown event version");
    const seq = r.u64();
    const at = r.u64();
    const kind = text(p(), true);
    const actor = text(p());
    const detail = new Map<string, DetailValue>();
    let previous: Uint8Array | null = null;
    for (let i = r.u16(); i > 0; i--) {
      const rawKey = p();
      if (previous !== null && compareBytes(rawKey, previous) <= 0) throw malformed("detail keys must be distinct and ascending");
      previous = rawKey;
      const tag = r.u8();
      const key = text(rawKey);
      if (tag === 0x01) detail.set(key, text(p()));
      else if (tag === 0x02) detail.set(key, r.u64());
      else throw malformed("unknown detail value type");
    }
    const requestSignature = p();
    const actorPublic = p();
    r.end();
    const event = { seq, at, kind, actor, detail, requestSignature, actorPublic };
    checkEvent(event);
    return event;
  } catch (e) {
    if (e instanceof FormatError) throw malformed("truncated or trailing bytes");
    throw e;
  }
}

const pf = (x: Uint8Array): Uint8Array => concat(u16(x.length), x);

/** The canonical bytes of an event (``consent._chain.encode_event``). */
export function encodeEvent(e: AuditEvent): Uint8Array {
  checkEvent(e);
  const parts = [new Uint8Array([VERSION]), u64(e.seq), u64(e.at), pf(utf8(e.kind)), pf(utf8(e.actor)),
    u16(e.detail.size)];
  const keys = [...e.detail.keys()].map((k) => [k, utf8(k)] as const).sort((a, b) => compareBytes(a[1], b[1]));
  for (const [key, raw] of keys) {
    const value = e.detail.get(key) as DetailValue;
    parts.push(pf(raw), typeof value === "string" ? concat(new Uint8Array([0x01]), pf(utf8(value)))
      : concat(new Uint8Array([0x02]), u64(value)));
  }
  parts.push(pf(e.requestSignature), pf(e.actorPublic));
  return concat(...parts);
}

/** ``BLAKE2b-256(previous | encode_event(event), personal "carnet.audit")``. */
export function chainHash(previous: Uint8Array, e: AuditEvent): Uint8Array {
  return blake2b(concat(previous, encodeEvent(e)), 32, "carnet.audit");
}

export function decodeHead(data: Uint8Array): SignedHead {
  if (data.length !== HEAD_SIZE || data[0] !== VERSION) throw malformed("not a version-1 signed head");
  const r = new Reader(data.subarray(1), "head");
  try {
    return { dossierId: r.hex(16), seq: r.u64(), hash: r.take(32), at: r.u64(), signature: r.take(64) };
  } catch {
    throw malformed("not a version-1 signed head");
  }
}

export function headMessage(h: SignedHead): Uint8Array {
  return concat(HEAD_CONTEXT, new Uint8Array([VERSION]), hexBytes(h.dossierId) ?? new Uint8Array(),
    u64(h.seq), h.hash, u64(h.at));
}

export function verifyHead(h: SignedHead, serverPublic: Uint8Array): void {
  if (!verify(serverPublic, headMessage(h), h.signature)) throw new ChainBroken("bad_signature");
}

/** Python's ``bytes.fromhex``: either case, whitespace allowed between bytes; null if not hex. */
export function hexBytes(value: string): Uint8Array | null {
  const out: number[] = [];
  let i = 0;
  while (i < value.length) {
    if (/[ \t\n\v\f\r]/.test(value[i] as string)) { i++; continue; }
    const pair = value.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return null;
    out.push(parseInt(pair, 16));
    i += 2;
  }
  return new Uint8Array(out);
}

/** The request message from the recorded body hash (``consent.request.message_with_hash``);
 * null for a value outside the format. */
function requestMessage(d: Detail): Uint8Array | null {
  const [method, path, bodyHash, nonceHex, at] = REQUEST_FIELDS.map((k) => d.get(k));
  if (typeof method !== "string" || typeof path !== "string" || typeof bodyHash !== "string" ||
      typeof nonceHex !== "string" || typeof at !== "number") return null;
  const digest = hexBytes(bodyHash);
  const nonce = hexBytes(nonceHex);
  if (!digest || digest.length !== 32 || !nonce || nonce.length < 16 || nonce.length > 64) return null;
  if (!/^[A-Z]{1,16}$/.test(method) || !textOk(path, 2048, 1) || !path.startsWith("/")) return null;
  return concat(REQUEST_CONTEXT, pf(utf8(method)), pf(utf8(path)), digest, pf(nonce), u64(at));
}

/** Re-check a professional's request signature recorded in ``e`` (``verify_request``). */
export function verifyRequest(e: AuditEvent): void {
  const message = requestMessage(e.detail);
  if (!message || !verify(e.actorPublic, message, e.requestSignature)) throw new ChainBroken("bad_signature");
}

function sequenceProblem(seqs: number[], headSeq: number): Reason | null {
  const count = headSeq + 1;
  if (seqs.length === count && seqs.every((s, i) => s === i)) return null;
  const distinct = new Set(seqs).size === seqs.length;
  const inRange = seqs.every((s) => s >= 0 && s < count);
  if (distinct && inRange) return seqs.length === count ? "reordered" : "dropped";
  return "rewritten";
}

/** ``consent.audit.verify_chain``: the head's signature and dossier, ``lastSeen`` not beyond
 * it, sequence numbers 0..head.seq, the recomputed hash at ``lastSeen`` and at the end, every
 * request signature, time never going back. Returns the head to remember. */
export function verifyChain(events: readonly AuditEvent[], head: SignedHead, serverPublic: Uint8Array,
  o: { lastSeen: ChainHead | null; dossierId?: string }): ChainHead {
  verifyHead(head, serverPublic);
  if (o.dossierId !== undefined && o.dossierId !== head.dossierId) {
    throw new ChainBroken("rewritten", "the history belongs to another dossier");
  }
  if (o.lastSeen && o.lastSeen.seq > head.seq) throw new ChainBroken("shrunk");
  const problem = sequenceProblem(events.map((e) => e.seq), head.seq);
  if (problem) throw new ChainBroken(problem);
  let current: Uint8Array = GENESIS;
  for (const e of events) {
    current = chainHash(current, e);
    if (o.lastSeen && e.seq === o.lastSeen.seq && !equal(current, o.lastSeen.hash)) {
      throw new ChainBroken("rewritten", "the history changed since it was last verified");
    }
  }
  if (!equal(current, head.hash)) throw new ChainBroken("rewritten");
  for (const e of events) if (e.requestSignature.length) verifyRequest(e);
  for (let i = 1; i < events.length; i++) {
    if ((events[i] as AuditEvent).at < (events[i - 1] as AuditEvent).at) throw new ChainBroken("reordered");
  }
  return { seq: head.seq, hash: head.hash };
}

/** A professional (``ps:``) or an emergency contact (``contact:``): their every event is
 * their own signed request. */
export function isSigningActor(actor: string): boolean {
  return (actor.startsWith("ps:") || actor.startsWith("contact:")) && actor.length > actor.indexOf(":") + 1;
}

function broken(reason: Reason, what: string): ChainBroken {
  return new ChainBroken(reason, `the access history does not verify: ${reason}: ${what}`);
}

/** ``consent.audit.verify_actors``: each signing actor's event signed by a key ``actorKeys``
 * gives for them; signed kinds only by them; no nonce twice. */
export function verifyActors(events: readonly AuditEvent[], actorKeys: ReadonlyMap<string, readonly Uint8Array[]>): void {
  const seen = new Set<string>();
  for (const e of events) {
    const where = `event ${e.seq} (${e.kind} by ${e.actor})`;
    const signer = isSigningActor(e.actor);
    if (SIGNED_KINDS.has(e.kind) && !signer) throw broken("unknown_actor", `${where}: only a professional makes this event`);
    if (signer) {
      if (!e.requestSignature.length) throw broken("bad_signature", `${where}: no request signature`);
      if (!(actorKeys.get(e.actor) ?? []).some((k) => equal(k, e.actorPublic))) {
        throw broken("unknown_actor", `${where}: signed by a key the countersigned directory does not give for them`);
      }
      try {
        verifyRequest(e);
      } catch {
        throw broken("bad_signature", `${where}: the request signature does not check`);
      }
    }
    if (e.requestSignature.length) {
      const value = e.detail.get("nonce");
      const nonce = toHex((typeof value === "string" ? hexBytes(value) : null) ?? new Uint8Array());
      if (seen.has(nonce)) throw broken("replayed", `${where}: the same request appears twice`);
      seen.add(nonce);
    }
  }
}

/** ``consent.audit.verify_history``: the chain, then who signed. */
export function verifyHistory(events: readonly AuditEvent[], head: SignedHead, serverPublic: Uint8Array,
  o: { lastSeen: ChainHead | null; dossierId: string; actorKeys: ReadonlyMap<string, readonly Uint8Array[]> }): ChainHead {
  const verified = verifyChain(events, head, serverPublic, o);
  verifyActors(events, o.actorKeys);
  return verified;
}

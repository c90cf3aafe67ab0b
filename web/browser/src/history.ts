/** The patient's history in the browser (P6), as web/client/history.py reads it: the chain
 * checked by ``audit.ts`` (re-exported here), the sealed notes the patient may read opened
 * with the dossier's key, and ``loadHistory`` (the lookups: events, head, professionals'
 * keys from the countersigned directory or the patient's own grants). */

import { type Api, ApiError, type Json, unb64 } from "./api.js";
import { DecryptionFailed, equal, fromUtf8, utf8 } from "./bytes.js";
import { openSealed } from "./crypto.js";
import { entryOf, verifyEntry } from "./directory.js";
import { decodeGrant, verifyGrant } from "./grant.js";
import type { Keyring } from "./keyring.js";
import { signPublic } from "./keyring.js";

export * from "./audit.js";
import { type AuditEvent, type ChainHead, ChainBroken, type DetailValue, decodeEvent, decodeHead,
  isSigningActor, type Reason, verifyChain, verifyHistory } from "./audit.js";

// --- what the patient reads ----------------------------------------------------------------

const SEALED_NOTES: ReadonlyMap<string, readonly [string, string]> = new Map([
  ["by_sealed", ["card-who", "by"]], ["reason_sealed", ["break-glass-reason", "reason"]]]);
export const DECLARED_NOTE = ["what_sealed", "patient-action"] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** ``consent.note.open_note``: a note sealed to the patient for ``purpose``. */
export function openNote(value: string, purpose: string, boxSecret: Uint8Array): string {
  if (!BASE64.test(value)) throw new DecryptionFailed();
  const plain = openSealed(boxSecret, Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  const tag = utf8(purpose);
  if (plain[0] !== 0x01 || plain[1] !== tag.length || !equal(plain.subarray(2, 2 + tag.length), tag)) {
    throw new DecryptionFailed();
  }
  try {
    return fromUtf8(plain.subarray(2 + tag.length));
  } catch {
    throw new DecryptionFailed();
  }
}

/** ``web.client.history.shown_detail``: the detail with every sealed note opened (a card
 * holder's name, a break-glass reason, what the patient masked); one that does not open
 * reads "(unreadable)". */
export function shownDetail(e: AuditEvent, boxSecret: Uint8Array): Map<string, DetailValue> {
  const out = new Map<string, DetailValue>();
  const tryOpen = (value: string, purpose: string): string => {
    try {
      return openNote(value, purpose, boxSecret);
    } catch {
      return "(unreadable)";
    }
  };
  for (const [key, value] of e.detail) {
    const sealed = SEALED_NOTES.get(key);
    if (!sealed || typeof value !== "string") {
      if (!out.has(key)) out.set(key, value);
      continue;
    }
    out.set(sealed[1], tryOpen(value, sealed[0]));
  }
  const declared = out.get(DECLARED_NOTE[0]);
  out.delete(DECLARED_NOTE[0]);
  if (typeof declared === "string") out.set("what", tryOpen(declared, DECLARED_NOTE[1]));
  return out;
}

// --- the lookups (web/client/history.py) ----------------------------------------------------

export interface Person {
  name: string;
  profession: string;
  city: string;
}

export interface History {
  events: AuditEvent[];
  details: Map<string, DetailValue>[];
  head: ChainHead;
  serverPublic: Uint8Array;
  people: Map<string, Person>;
}

/** Verified, or failed with the reason (and no events: nothing unverified is handed on). */
export type Verdict = { ok: true; history: History } | { ok: false; reason: Reason; detail: string };

const PS_ID = /^(?:8\d{11}|0\d{9})$/;

/** What ``loadHistory`` needs of the session: its API, dossier and (unlocked) keyring. */
export interface HistoryOwner {
  readonly api: Api;
  readonly dossierId: string;
  readonly keyring: Keyring;
}

function recipientActor(id: string): string {
  return id.startsWith("contact:") ? id : `ps:${id}`;
}

/** actor -> the recipient keys of the grants this patient signed (checked with the
 * patient's own key from the keyring: the server cannot add one). */
async function grantedKeys(owner: HistoryOwner): Promise<Map<string, Uint8Array[]>> {
  const body = await owner.api.json("GET", `/dossiers/${owner.dossierId}/grants`);
  const own = signPublic(owner.keyring);
  const found = new Map<string, Uint8Array[]>();
  for (const info of (body["grants"] ?? []) as Json[]) {
    try {
      const g = decodeGrant(unb64(info["grant"]));
      verifyGrant(g, own);
      if (g.core.dossierId !== owner.dossierId) continue;
      const actor = recipientActor(g.core.recipientId);
      found.set(actor, [...(found.get(actor) ?? []), g.core.recipientSignPublic]);
    } catch {
      continue;
    }
  }
  return found;
}

/** ``ps_id``'s directory entry if the pinned authority countersigned it, else null. */
async function trustedEntry(api: Api, psId: string, authority: Uint8Array):
  Promise<{ person: Person; signPublic: Uint8Array } | null> {
  if (!PS_ID.test(psId)) return null;
  try {
    const { entry, signature } = entryOf(await api.json("GET", `/professionals/${psId}`, undefined, { auth: false }));
    if (entry.psId !== psId) return null; // another professional's genuine entry is not this one's
    verifyEntry(entry, signature, authority);
    return { person: { name: entry.name, profession: entry.profession, city: entry.city },
      signPublic: entry.signPublic };
  } catch (e) {
    if (e instanceof ApiError && e.status === 0 && e.code === "unreachable") throw e;
    return null;
  }
}

/** Professionals the patient granted or blocked are named too, not only those who acted. */
function namedActors(events: readonly AuditEvent[]): Set<string> {
  const found = new Set(events.filter((e) => isSigningActor(e.actor)).map((e) => e.actor));
  for (const e of events) {
    const id = e.detail.has("recipient") ? e.detail.get("recipient") : e.detail.get("professional");
    if (e.actor === "patient" && typeof id === "string" && PS_ID.test(id)) found.add(`ps:${id}`);
  }
  return found;
}

/** For each actor, the keys that may have signed their events (``actor_keys``); ``people``
 * receives each professional's countersigned name, profession and city. */
async function actorKeys(owner: HistoryOwner, actors: Set<string>, authority: Uint8Array,
  people: Map<string, Person>): Promise<Map<string, Uint8Array[]>> {
  const out = new Map<string, Uint8Array[]>();
  if (!actors.size) return out;
  const granted = await grantedKeys(owner);
  for (const actor of [...actors].sort()) {
    const found = [...(granted.get(actor) ?? [])];
    if (actor.startsWith("ps:")) {
      const entry = await trustedEntry(owner.api, actor.slice(3), authority);
      if (entry) {
        found.push(entry.signPublic);
        people.set(actor, entry.person);
      }
    } else if (!actor.startsWith("contact:")) {
      continue;
    }
    if (found.length) out.set(actor, found);
  }
  return out;
}

/** Fetch and verify the history (``web.client.history.history``), as a verdict: verified
 * (events, what the patient may read of them, the head to remember, the people named) or
 * failed with the reason. ``serverPublic`` is the pinned audit key (else the server's,
 * trusted on first use), ``authority`` the pinned directory authority key. Network and
 * server errors are thrown (ApiError), not verdicts. */
export async function loadHistory(owner: HistoryOwner, o: { serverPublic: Uint8Array | null;
  lastSeen: ChainHead | null; authority: Uint8Array }): Promise<Verdict> {
  const body = await owner.api.json("GET", `/dossiers/${owner.dossierId}/history`);
  const key = o.serverPublic ?? unb64(body["server_public"]);
  try {
    const events = ((body["events"] ?? []) as unknown[]).map((b) => decodeEvent(unb64(b)));
    const head = decodeHead(unb64(body["head"]));
    // The chain first: a broken chain needs no directory lookup to be reported.
    verifyChain(events, head, key, { lastSeen: o.lastSeen, dossierId: owner.dossierId });
    const people = new Map<string, Person>();
    const keys = await actorKeys(owner, namedActors(events), o.authority, people);
    const verified = verifyHistory(events, head, key, { lastSeen: o.lastSeen,
      dossierId: owner.dossierId, actorKeys: keys });
    const secret = owner.keyring.boxSecret;
    return { ok: true, history: { events, details: events.map((e) => shownDetail(e, secret)),
      head: verified, serverPublic: key, people } };
  } catch (e) {
    if (e instanceof ChainBroken) return { ok: false, reason: e.reason, detail: e.message };
    if (e instanceof ApiError && e.code === "bad_response") {
      return { ok: false, reason: "malformed", detail: e.message };
    }
    throw e;
  }
}

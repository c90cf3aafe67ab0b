import assert from "node:assert/strict";
import { before, test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { ready, signingKeypair } from "../src/crypto.js";
import { ChainBroken, chainHash, decodeEvent, decodeHead, encodeEvent, type Person, shownDetail,
  verifyChain, verifyHead, verifyHistory } from "../src/history.js";
import { lines, momentText } from "../src/historytext.js";
import { vectors } from "./vectors.js";

const v = vectors("history");
const consent = vectors("consent");
const requests = vectors("requests");
before(ready);

const keys = new Map<string, Uint8Array[]>(Object.entries(v["actor_keys"] as Record<string, string[]>)
  .map(([a, ks]) => [a, ks.map(h)]));
const server = h(v["server_public"]);

function verdict(c: Record<string, any>, actorKeys = keys): string {
  try {
    const events = (c["events"] as string[]).map((e) => decodeEvent(h(e)));
    const seen = c["last_seen"] ? { seq: c["last_seen"].seq as number, hash: h(c["last_seen"].hash) } : null;
    const head = verifyHistory(events, decodeHead(h(c["head"])), server,
      { lastSeen: seen, dossierId: v["dossier_id"], actorKeys });
    return `ok ${head.seq} ${toHex(head.hash)}`;
  } catch (e) {
    if (e instanceof ChainBroken) return e.reason;
    throw e;
  }
}

test("history: the genuine chain verifies to the head Python verified", () => {
  const good = v["good"];
  assert.equal(verdict(good), `ok ${good.verified.seq} ${good.verified.hash}`);
  for (const hex of good.events as string[]) assert.equal(toHex(encodeEvent(decodeEvent(h(hex)))), hex);
  // Without the professionals' keys, their events are nobody's.
  assert.equal(verdict(good, new Map()), "unknown_actor");
});

test("history: every tampered copy is refused with Python's reason", () => {
  const cases = v["tampered"] as Record<string, any>[];
  assert.ok(cases.length >= 10);
  for (const c of cases) assert.equal(verdict(c), c["reason"], c["name"]);
});

test("history: the sealed notes open and the sentences are Python's, in French and English", () => {
  const good = v["good"];
  const events = (good.events as string[]).map((e) => decodeEvent(h(e)));
  const box = h(v["patient_box_secret"]);
  const details = events.map((e) => shownDetail(e, box));
  assert.deepEqual(details.map((d) => Object.fromEntries([...d].sort(([a], [b]) => (a < b ? -1 : 1)))),
    good.details);
  assert.equal(shownDetail(events[7]!, new Uint8Array(32).fill(1)).get("what"), "(unreadable)");
  const people = new Map<string, Person>(Object.entries(v["people"] as Record<string, Person>));
  const titles = new Map(Object.entries(v["titles"] as Record<string, string>));
  for (const lang of ["fr", "en"] as const) {
    assert.deepEqual(lines(events, details, { people, titles, lang, timeZone: v["time_zone"] }),
      good.lines[lang]);
  }
  // A professional the directory does not vouch for is named by number.
  const unknown = lines(events.slice(3, 4), details.slice(3, 4), { people: new Map(), lang: "fr" });
  assert.match(unknown[0]!, /— Le professionnel n° 810000000091 \(absent de l'annuaire\) a ouvert/);
});

test("history: the single-event vectors of consent.json and requests.json", () => {
  const a = consent["audit"];
  const event = decodeEvent(h(a.event));
  assert.equal(toHex(chainHash(new Uint8Array(32), event)), a.hash);
  const head = decodeHead(h(a.signed_head));
  assert.equal(toHex(head.hash), a.hash);
  const { publicKey } = signingKeypair(h(a.server_seed));
  verifyHead(head, publicKey);
  assert.deepEqual(verifyChain([event], head, publicKey, { lastSeen: null, dossierId: head.dossierId }),
    { seq: 0, hash: head.hash });
  assert.throws(() => verifyHead({ ...head, at: head.at + 1 }, publicKey), ChainBroken);
  const scanned = decodeEvent(h(requests["audit_event"].event));
  assert.deepEqual(Object.fromEntries(scanned.detail), requests["audit_event"].detail);
  assert.equal(toHex(encodeEvent(scanned)), requests["audit_event"].event);
});

test("history: malformed bytes are refused, never misread", () => {
  const good = h(v["good"].events[3]);
  assert.throws(() => decodeEvent(good.slice(0, -1)), { reason: "malformed" });
  assert.throws(() => decodeEvent(new Uint8Array([...good, 0])), { reason: "malformed" });
  const version = good.slice();
  version[0] = 2;
  assert.throws(() => decodeEvent(version), { reason: "malformed" });
  assert.throws(() => decodeHead(h(v["good"].head).slice(1)), { reason: "malformed" });
});


test("history: dates as web/dates.py writes them (1er, on the hour, summer time)", () => {
  for (const m of v["moments"] as { at: number; fr: string; en: string }[]) {
    assert.equal(momentText(m.at, "fr", v["time_zone"]), m.fr, String(m.at));
    assert.equal(momentText(m.at, "en", v["time_zone"]), m.en, String(m.at));
  }
  assert.equal(momentText(0, "en", "Nowhere/Unknown"), "1 January 1970 at 00:00"); // UTC fallback
});

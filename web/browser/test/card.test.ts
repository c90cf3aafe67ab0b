import assert from "node:assert/strict";
import { before, test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { cardKey, cardLink, contactId, encodeKeys, newCard, newPasscode, parseContact, refsOf,
  resealCard, summaryKeys, type SummaryKeys } from "../src/card.js";
import { cardPdf, slipPdf } from "../src/cardpdf.js";
import { open, openSealed, ready } from "../src/crypto.js";
import { grantKeys, newKeyring, rotate } from "../src/keyring.js";
import { linkQr } from "../src/qr.js";
import type { Section } from "../src/sections.js";
import { scripted, vectors } from "./vectors.js";

const v = vectors("card");
const links = vectors("links");
before(ready);

function vectorKeys(): SummaryKeys {
  const out: SummaryKeys = new Map();
  for (const [s, ks] of Object.entries(v["keys"] as Record<string, Record<string, string>>)) {
    out.set(s as Section, new Map(Object.entries(ks).map(([ref, k]) => [ref, h(k)])));
  }
  return out;
}

test("passcode: eight digits, bytes of 250 and above dropped (as Python's new_passcode)", () => {
  const rng = scripted(new Uint8Array([0, 9, 10, 249, 250, 255, 123, 45]),
    new Uint8Array([7, 8, 9, 1, 2, 3, 4, 5]));
  assert.equal(newPasscode(rng), "09093578"); // what web.client.emergency.new_passcode gives
  const drawn = newPasscode();
  assert.match(drawn, /^[0-9]{8}$/);
  assert.equal(newPasscode(undefined, 12).length, 12);
});

test("card: the keys map, the package and the shares are the Python client's bytes", () => {
  const keys = vectorKeys();
  assert.equal(toHex(encodeKeys(keys)), v["keys_plaintext"]);
  const c = v["card"];
  const pkg = h(c["package"]);
  const rng = scripted(h(c["card_id"]), h(c["key"]), h(c["card_share"]), pkg.slice(1, 25));
  const made = newCard(keys, v["dossier_id"], rng);
  assert.equal(toHex(made.cardId), c["card_id"]);
  assert.equal(toHex(made.cardShare), c["card_share"]);
  assert.equal(toHex(made.serverShare), c["server_share"]);
  assert.equal(toHex(made.package), c["package"]);
  assert.deepEqual(made.keyRefs, c["key_refs"]);
  // K = card share XOR server share opens it, under AD("card", dossier id, card id) only.
  const key = made.cardShare.map((x, i) => x ^ (made.serverShare[i] as number));
  assert.equal(toHex(open(key, made.package, h(c["ad"]))), v["keys_plaintext"]);
  assert.throws(() => open(key, made.package, h(c["ad"]).fill(1, -1)));
  // the break-glass package of the same vector carries the same map
  const bg = v["break_glass"];
  assert.equal(toHex(openSealed(h(bg["service_box_secret"]), h(bg["sealed"]))), v["keys_plaintext"]);
  assert.deepEqual(refsOf(keys), bg["key_refs"]);
});

test("card: the summary keys of a keyring, never the mask key, sections sorted", () => {
  const ring = rotate(newKeyring(), "allergies");
  const keys = summaryKeys(ring);
  assert.deepEqual([...keys.keys()], ["advance_directives", "allergies", "blood_group",
    "current_treatments", "emergency_contacts"]);
  assert.equal(keys.get("allergies")?.size, 2);
  for (const [s, ks] of keys) {
    assert.deepEqual([...ks.keys()], [...grantKeys(ring, s).keys()]);
    assert.ok(!ks.has(ring.maskRef));
  }
  assert.ok(!keys.has("personal_notes") && !keys.has("care_history"));
  const made = newCard(keys, v["dossier_id"]);
  assert.equal(made.cardId.length, 16);
  assert.notEqual(toHex(made.cardShare), toHex(made.serverShare));
});

test("links: the card's link and the contact's code as links.json has them", () => {
  let seen = 0;
  for (const code of links["codes"] as Record<string, string>[]) {
    const payload = h(code["payload"] as string);
    if (code["kind"] === "E") {
      assert.equal(cardLink(payload.slice(1, 17), payload.slice(17), code["origin"] as string), code["link"]);
      seen++;
    } else if (code["kind"] === "K") {
      const who = parseContact(code["link"] as string);
      assert.equal(who.dossierId, toHex(payload.slice(1, 17)));
      assert.equal(toHex(who.signPublic), toHex(payload.slice(17, 49)));
      assert.equal(toHex(who.boxPublic), toHex(payload.slice(49)));
      assert.equal(contactId(who.dossierId), `contact:${who.dossierId}`);
      seen++;
    }
  }
  assert.ok(seen >= 2);
  assert.throws(() => parseContact("HTTPS://CARNET.EXAMPLE.FR/E#0123"));
  assert.throws(() => cardLink(new Uint8Array(15), new Uint8Array(32), "https://carnet.example.fr"));
});

const latin1 = (data: Uint8Array): string => Buffer.from(data).toString("latin1");

test("pdf: a card-sized page, the QR as rectangles, the passcode only on the slip", () => {
  const c = v["card"];
  const link = cardLink(h(c["card_id"]), h(c["card_share"]), "https://carnet.example.fr");
  const card = { cardId: c["card_id"] as string, link, passcode: "12345678", createdAt: 1_790_000_000,
    expiresAt: 1_821_536_000 };
  const holder = { name: "Inès Lefèvre", birthDate: "1985-05-01" };
  const pdf = latin1(cardPdf(card, holder));
  const slip = latin1(slipPdf(card, holder));
  for (const doc of [pdf, slip]) {
    assert.ok(doc.startsWith("%PDF-1.4\n") && doc.trimEnd().endsWith("%%EOF"));
    assert.match(doc, /\/MediaBox \[0 0 242\.65 153\.07\]/); // 85.6 x 54 mm in points
    const xref = Number(/startxref\n(\d+)\n%%EOF/.exec(doc)?.[1]);
    assert.equal(doc.slice(xref, xref + 4), "xref"); // the offsets point where they say
    for (const m of doc.matchAll(/\n(\d{10}) 00000 n /g)) {
      assert.match(doc.slice(Number(m[1])), /^\d+ 0 obj/);
    }
  }
  assert.ok(!pdf.includes("12345678") && !pdf.includes("1234 5678"));
  assert.ok(slip.includes(hexText("1234 5678")));
  assert.ok(pdf.includes(hexText("Inès Lefèvre")) && pdf.includes(hexText("1er mai 1985")));
  assert.ok(pdf.includes(hexText("appelez")) && slip.includes(hexText("appelez le 15")));
  const q = linkQr(link);
  let dark = 0;
  for (let r = 0; r < q.size; r++) for (let col = 0; col < q.size; col++) if (q.dark(r, col)) dark++;
  // one filled rectangle a run of dark modules: at most one per dark module, at least one per row
  const rects = (pdf.match(/ re\n/g) ?? []).length;
  assert.ok(rects <= dark + 10 && rects >= q.size, `${rects} rectangles for ${dark} modules`);
  assert.ok(!slip.includes(" re\nf") || (slip.match(/ re\n/g) ?? []).length < 5); // no QR on the slip
});

/** How the PDF writer shows text: in WinAnsi hex strings (this is a part of one). */
function hexText(text: string): string {
  return toHex(Uint8Array.from(text, (ch) => ch.charCodeAt(0))).toUpperCase();
}

// consent.card.card_key(bytes(range(32)), bytes(range(16))), as tests/consent/test_card_key.py
const CARD_KEY_KAT = "b143ae7b7de1d2aeda48baa5332737d99dc92e5f70bdb6e169352136894ef521";

test("card key: Python's card_key, and a card made with it is re-sealed under the same key", () => {
  const root = Uint8Array.from({ length: 32 }, (_, i) => i);
  const id = Uint8Array.from({ length: 16 }, (_, i) => i);
  assert.equal(toHex(cardKey(root, id)), CARD_KEY_KAT);
  let ring = newKeyring();
  const made = newCard(summaryKeys(ring), "ab".repeat(16), undefined, root);
  ring = rotate(ring, "allergies" as Section);
  const again = resealCard(summaryKeys(ring), "ab".repeat(16), made.cardId, made.package, root);
  assert.ok(again && again.keyRefs.length > made.keyRefs.length);
  const key = h(toHex(cardKey(root, made.cardId)));
  const xor = made.cardShare.map((b, i) => b ^ (made.serverShare[i] ?? 0));
  assert.deepEqual(xor, key); // the shares still combine into the card key
  const random = newCard(summaryKeys(ring), "ab".repeat(16));
  assert.equal(resealCard(summaryKeys(ring), "ab".repeat(16), random.cardId, random.package,
    root), null); // a random-key card cannot be re-sealed
});

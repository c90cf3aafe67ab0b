import assert from "node:assert/strict";
import { before, test } from "node:test";

import { blake2bRaw } from "../src/blake2b.js";
import { concat, fromHex as h, toHex, u64, utf8 } from "../src/bytes.js";
import { boxPublic, openSealed, ready, signingKeypair } from "../src/crypto.js";
import type { Alert } from "../src/clinical/items.js";
import { decodeItem, encodeItem, openItemWithKey, unwrapItemKey } from "../src/item.js";
import { acknowledged, checkDraft, depositMessage, normaliseNir, sealDeposit, sealForGrant,
  signDeposit, verifyDeposit } from "../src/prowrite.js";
import { vectors } from "./vectors.js";

const d = vectors("deposit");
before(ready);

/** tests/support.py DeterministicRandom: keyed BLAKE2b-512 in counter mode, one block per call. */
function deterministic(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    let out: Uint8Array = new Uint8Array(0);
    while (out.length < n) out = concat(out, blake2bRaw(u64(counter++), 64, { key: utf8(seed) }));
    return out.slice(0, n);
  };
}

test("deposit: the item's plaintext, sealed to the patient, signed by the depositor, byte for byte", () => {
  const r = deterministic("deposit vectors");
  r(32); // the patient's key (a signing seed turned into X25519 by the vector's builder)
  assert.equal(toHex(signingKeypair(r(32)).publicKey), d["depositor_public"]);
  assert.equal(toHex(r(16)), d["deposit_id"]);
  const c = checkDraft({ section: "exam_results", type: "lab_result", title: "NFS", date: "2025-02-03",
    body: { hemoglobin_g_dl: 13.9 } });
  const plaintext = encodeItem({ ...c, author: { kind: "professional", id: "810001234567", name: "Dr Martin" },
    createdAt: 1_790_000_000, attachment: null });
  assert.equal(toHex(plaintext), d["plaintext"]);
  assert.equal(toHex(boxPublic(h(d["patient_box_secret"]))), d["patient_box_public"]);
  const sealed = sealDeposit(plaintext, h(d["patient_box_public"]), r);
  assert.equal(toHex(sealed.subarray(0, 32)), d["ephemeral_public"]);
  assert.equal(toHex(sealed), d["sealed"]);
  assert.equal(toHex(depositMessage(d["dossier_id"], d["deposit_id"], sealed)), d["message"]);
  const signature = signDeposit(d["dossier_id"], d["deposit_id"], sealed, h(d["depositor_seed"]));
  assert.equal(toHex(signature), d["signature"]);
  assert.ok(verifyDeposit(d["dossier_id"], d["deposit_id"], sealed, signature, h(d["depositor_public"])));
  // Bound to one dossier and one deposit id; the patient's key opens it.
  assert.ok(!verifyDeposit(d["dossier_id"], "f".repeat(32), sealed, signature, h(d["depositor_public"])));
  const moved = h(d["sealed"]);
  moved[40] = (moved[40] as number) ^ 1;
  assert.ok(!verifyDeposit(d["dossier_id"], d["deposit_id"], moved, signature, h(d["depositor_public"])));
  const opened = decodeItem(openSealed(h(d["patient_box_secret"]), sealed), d["deposit_id"], 1);
  assert.equal(opened.title, "NFS");
  assert.deepEqual(opened.author, { kind: "professional", id: "810001234567", name: "Dr Martin" });
  assert.throws(() => depositMessage(d["dossier_id"], "ABC", sealed));
});

test("drafts are checked as vault.items.draft does; a NIR as web/nir.py parses it", () => {
  assert.throws(() => checkDraft({ section: "allergies", type: "prescription", title: "x", date: "2025-01-01" }));
  assert.throws(() => checkDraft({ section: "current_treatments", type: "prescription", title: " ", date: "2025-01-01" }));
  assert.throws(() => checkDraft({ section: "current_treatments", type: "prescription", title: "x", date: "01/02/2025" }));
  assert.equal(checkDraft({ section: "current-treatments", type: "prescription", title: " Amoxicilline ",
    date: "2025-01-01" }).title, "Amoxicilline");
  assert.equal(normaliseNir("1 85 06 75 000 001 63"), "185067500000163");
  assert.equal(normaliseNir("2 69 05 2a 123.456-88"), "269052A12345688");
  assert.throws(() => normaliseNir("185067500000164"));
  assert.throws(() => normaliseNir("18506750000016"));
});

test("an item sealed under the grant's current key for its section, and no other", () => {
  const ref = "ab".repeat(16);
  const key = new Uint8Array(32).fill(9);
  const granted = { text: "t", dossierId: d["dossier_id"], write: true,
    keys: { keys: new Map([["current_treatments" as const, new Map([[ref, key]])]]),
      current: new Map([["current_treatments" as const, ref]]) } };
  const c = checkDraft({ section: "current_treatments", type: "prescription", title: "Amoxicilline",
    date: "2025-02-03", body: { dosage: "1 g" } });
  const plaintext = encodeItem({ ...c, author: { kind: "professional", id: "810000000091", name: null },
    createdAt: 1_790_000_000, attachment: null });
  const record = sealForGrant(granted, plaintext, "current_treatments", { itemId: "cd".repeat(16),
    createdAt: 1_790_000_000 });
  assert.equal(record.keyRef, ref);
  const itemKey = unwrapItemKey(record, { ref, key, section: "current_treatments" }, "current_treatments");
  const item = openItemWithKey(record, itemKey, "current_treatments");
  assert.equal(item.title, "Amoxicilline");
  assert.deepEqual(item.author, { kind: "professional", id: "810000000091", name: null });
  assert.throws(() => sealForGrant(granted, plaintext, "allergies", { itemId: "cd".repeat(16),
    createdAt: 1 }), { code: "not_allowed" });
});

test("acknowledged alerts: the serious ones, as the CLI's --json prints them", () => {
  const base = { levels: [], matched: [], details: [], mechanism: "", key: "", args: {} };
  const allergy: Alert = { ...base, kind: "allergy", level: "contre-indication", text: "allergy",
    levels: ["contre-indication"], matched: ["pénicillines", "amoxicilline"],
    drugs: [{ name: "Pénicilline", codes: [], ref: "a1" }, { name: "Amoxicilline", codes: [], ref: "new" }] };
  const partial: Alert = { ...base, kind: "partial_view", level: null, text: "partial", drugs: [] };
  const body = { dosage: "1 g" };
  assert.equal(acknowledged(body, [partial]), body);
  assert.deepEqual(acknowledged(body, [allergy, partial]), { dosage: "1 g", acknowledged_alerts: [{
    kind: "allergy", level: "contre-indication", levels: ["contre-indication"],
    drugs: [{ name: "Pénicilline", ref: "a1", codes: [] }, { name: "Amoxicilline", ref: "new", codes: [] }],
    matched: ["pénicillines", "amoxicilline"], text: "allergy", details: [] }] });
});

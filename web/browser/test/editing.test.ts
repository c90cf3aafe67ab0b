import assert from "node:assert/strict";
import { before, test } from "node:test";

import { ready, systemRandom } from "../src/crypto.js";
import type { Entry } from "../src/directory.js";
import { authorOf, checkItemDate, dated, editable, professionalIds, revised } from "../src/editing.js";
import { decodeItem, encodeItem, type Item, openItemWithKey, sealItem, unwrapItemKey } from "../src/item.js";
import { newKeyring, current } from "../src/keyring.js";
import { UnreadableItem } from "../src/core.js";

before(ready);

const NOW = Date.UTC(2025, 2, 1, 12) / 1000; // 2025-03-01

function item(o: Partial<Item> = {}): Item {
  return { itemId: "ab".repeat(16), revision: 1, masked: false, section: "allergies",
    type: "allergy", title: "Pénicilline", date: "2024-03-01",
    body: { substance: "Pénicilline", reaction: "urticaire" },
    author: { kind: "patient", id: null, name: null }, createdAt: NOW - 100, attachment: null, ...o };
}

const pro = { kind: "professional" as const, id: "810000000091", name: "Dr Camille Durand" };

test("dates as item_rules.py: today for a dateless type, none in the future but an appointment", () => {
  assert.equal(dated("blood_group", "", NOW), "2025-03-01");
  assert.equal(dated("allergy", "2024-01-02", NOW), "2024-01-02");
  assert.throws(() => dated("allergy", "", NOW), { code: "invalid_input" });
  checkItemDate("allergy", "2025-03-01", NOW);
  checkItemDate("appointment", "2025-04-01", NOW);
  assert.throws(() => checkItemDate("allergy", "2025-03-02", NOW), /in the future/);
  for (const bad of ["2025-02-30", "25-03-01", "1899-12-31", ""]) {
    assert.throws(() => checkItemDate("note", bad, NOW), { code: "invalid_input" });
  }
});

test("a revision keeps section, type and author, applies the changes, refuses a pro's item", () => {
  const next = revised(item(), { title: "  Allergie  ", body: { reaction: "œdème" } }, NOW, null);
  assert.equal(next.title, "Allergie");
  assert.equal(next.date, "2024-03-01");
  assert.deepEqual(next.body, { reaction: "œdème" });
  assert.equal(next.createdAt, NOW);
  assert.deepEqual(next.author, { kind: "patient", id: null, name: null });
  assert.equal(revised(item(), {}, NOW, null).title, "Pénicilline");
  assert.throws(() => revised(item(), { title: " " }, NOW, null), { code: "invalid_input" });
  assert.throws(() => revised(item(), { date: "2030-01-01" }, NOW, null), /in the future/);
  assert.equal(editable(item({ author: pro })), false);
  assert.throws(() => revised(item({ author: pro }), { title: "x" }, NOW, null), { code: "not_allowed" });
});

test("revision 2 is sealed under its own revision number (the AD binds it)", () => {
  const ring = newKeyring(systemRandom);
  const w = current(ring, "allergies");
  const plaintext = encodeItem(revised(item(), { body: { reaction: "œdème" } }, NOW, null));
  const r = sealItem(plaintext, { dossierId: "cd".repeat(16), itemId: "ab".repeat(16), revision: 2,
    createdAt: NOW, wrapping: w, section: "allergies" });
  const opened = openItemWithKey(r, unwrapItemKey(r, w, "allergies"), "allergies");
  assert.equal(opened.revision, 2);
  assert.deepEqual(opened.body, { reaction: "œdème" });
  assert.deepEqual(decodeItem(plaintext, r.itemId, 2).author, item().author);
  assert.throws(() => unwrapItemKey({ ...r, revision: 1 }, w, "allergies"));
});

test("authors in human terms: you, a checked directory entry, or an unverified id", () => {
  const entry: Entry = { psId: pro.id, name: "Dr Camille Durand", profession: "médecin",
    specialty: "", city: "Lyon", roles: [], signPublic: new Uint8Array(32), boxPublic: new Uint8Array(32) };
  const lab: Entry = { ...entry, psId: "810000000092", name: "Bio Lyon", profession: "laboratoire" };
  const dir = new Map([[entry.psId, entry], [lab.psId, lab]]);
  assert.deepEqual(authorOf(item(), dir), { kind: "you" });
  assert.deepEqual(authorOf(item({ author: pro }), dir),
    { kind: "professional", name: "Dr Camille Durand", profession: "médecin", laboratory: false });
  assert.equal(authorOf(item({ author: { ...pro, id: lab.psId } }), dir).kind, "professional");
  assert.deepEqual(authorOf(item({ author: { ...pro, id: lab.psId } }), dir),
    { kind: "professional", name: "Bio Lyon", profession: "laboratoire", laboratory: true });
  assert.deepEqual(authorOf(item({ author: { ...pro, id: "810000000099", name: "Dr Faux" } }), dir),
    { kind: "unverified", id: "810000000099", claimed: "Dr Faux" });
  assert.deepEqual(professionalIds([item(), item({ author: pro }), new UnreadableItem("ef".repeat(16), 1)]),
    [pro.id]);
});

import assert from "node:assert/strict";
import { before, test } from "node:test";

import { ready } from "../src/crypto.js";
import { build } from "../src/fhir/ips.js";
import { parseJson, pyDumps, pyFloat } from "../src/fhir/json.js";
import { mapDocument } from "../src/fhir/mapping.js";
import { read } from "../src/fhir/reader.js";
import { FhirImportError, importPrepared, ipsBundle, prepare, validNir } from "../src/fhirimport.js";
import type { PatientSession } from "../src/patient.js";
import { vectors } from "./vectors.js";

const v = vectors("fhir");
before(ready);

function input(c: Record<string, any>): Uint8Array {
  return c.gzip_b64 !== undefined ? Uint8Array.from(Buffer.from(c.gzip_b64, "base64"))
    : new TextEncoder().encode(c.text);
}

for (const c of v["documents"]) {
  test(`mapping: ${c.name}`, async () => {
    const e = c.expected;
    if (e.error !== undefined) {
      await assert.rejects(async () => mapDocument(await read(input(c)), v["today"]),
        (err: Error) => {
          // The R4 models' own wording (pydantic's) is Python's: the place and the kind must agree.
          const at = e.error.indexOf("not valid FHIR R4 (");
          if (at < 0) assert.equal(err.message, e.error);
          else assert.equal(err.message.slice(0, at + 18), e.error.slice(0, at + 18));
          return true;
        });
      return;
    }
    const mapped = mapDocument(await read(input(c)), v["today"]);
    assert.deepEqual(mapped.skipped, e.skipped);
    assert.deepEqual(mapped.context, e.context);
    assert.equal(mapped.patients.length, e.patients);
    assert.equal(mapped.items.length, e.items.length);
    mapped.items.forEach((got, n) => {
      const want = e.items[n];
      const att = got.attachment;
      assert.deepEqual({ section: got.section, type: got.type, title: got.title, date: got.date,
        body: got.body, identity: got.identity, where: got.where,
        attachment: att && { name: att.name, media_type: att.mediaType,
          data_b64: Buffer.from(att.data).toString("base64") } }, want, `item ${n} (${want.where})`);
    });
  });
}

for (const c of v["ips"]) {
  test(`IPS export: ${c.name}`, () => {
    const items = c.items.map((i: Record<string, any>) => ({ itemId: i.item_id, section: i.section,
      type: i.type, title: i.title, date: i.date, body: i.body }));
    const doc = build(items, { dossierId: c.dossier_id, shown: c.shown, now: c.now,
      author: { kind: c.author.kind, psId: c.author.ps_id, name: c.author.name } });
    assert.equal(pyDumps(doc, { indent: 1 }), c.expected);
  });
}

test("Python's spelling of numbers and JSON text", () => {
  for (const [x, s] of [[5, "5.0"], [1e-5, "1e-05"], [1e16, "1e+16"], [1e15, "1000000000000000.0"],
    [0.0001, "0.0001"], [-2.5, "-2.5"], [1.5e300, "1.5e+300"], [123.456, "123.456"]] as const) {
    assert.equal(pyFloat(x), s);
  }
  const text = '{"a":5.0,"b":[1e-05,12345678901234567890,-0,0.5],"c":"é\\u0001\\"","__proto__":1}';
  const parsed = parseJson(text);
  assert.equal(pyDumps(parsed), '{"a":5.0,"b":[1e-05,12345678901234567890,0,0.5],"c":"é\\u0001\\"","__proto__":1}');
  assert.equal(pyDumps({ b: 1, a: "é" }, { ascii: true, sortKeys: true }), '{"a":"\\u00e9","b":1}');
  assert.equal(pyDumps({ a: [1, { b: [] }] }, { indent: 1 }), '{\n "a": [\n  1,\n  {\n   "b": []\n  }\n ]\n}');
});

test("NIR check (the import's warning) as web/nir.py", () => {
  assert.ok(v["nir"].some((c: { valid: boolean }) => c.valid) && v["nir"].some((c: { valid: boolean }) => !c.valid));
  for (const c of v["nir"]) assert.equal(validNir(c.text), c.valid, c.text);
});

/** A stand-in for PatientSession: the items it holds, what was added and deleted. */
function fakeSession(held: Record<string, unknown>[], failAt = 0) {
  const added: { c: Record<string, any>; file: unknown }[] = [];
  const deleted: string[] = [];
  const s = {
    list: async () => held,
    add: async (c: Record<string, any>, _now: number, file?: unknown) => {
      if (failAt && added.length + 1 === failAt) throw new Error("network down");
      added.push({ c, file });
      return { ...c, itemId: `id${added.length}` };
    },
    deleteItem: async (i: { itemId: string }) => { deleted.push(i.itemId); },
  };
  return { s: s as unknown as PatientSession, added, deleted };
}

test("import: dedup against the dossier, attachments as files, progress, rollback", async () => {
  const edge = v["documents"].find((c: { name: string }) => c.name === "edge cases");
  const file = { name: "edge.json", data: new TextEncoder().encode(edge.text) };
  const plan = await prepare([file, file], v["today"]);  // the same file twice
  const n = edge.expected.items.length;
  assert.equal(plan.items.length, 2 * n);
  assert.deepEqual(plan.warnings, ["edge.json: not imported (no section for them): Basic x1, Goal x1",
    "edge.json: not imported (no section for them): Basic x1, Goal x1"]);
  const first = plan.items[0]!;
  const held = [{ itemId: "x", revision: 1, masked: false, body: { fhir: { identity: first.identity } } }];
  const { s, added } = fakeSession(held);
  const seen: [number, number][] = [];
  const report = await importPrepared(s, plan, 1_700_000_000, (d, t) => seen.push([d, t]));
  assert.equal(report.added, n - 1);
  assert.equal(report.already, n + 1);
  assert.deepEqual(seen.at(-1), [n - 1, n - 1]);
  assert.equal(added.length, n - 1);
  const files = added.filter((a) => a.file).map((a) => (a.file as { name: string; mediaType: string }));
  assert.deepEqual(files.map((f) => f.mediaType), ["application/pdf", "image/png", "image/jpeg"]);
  const failing = fakeSession([], 4);
  await assert.rejects(importPrepared(failing.s, plan, 1, undefined), /network down/);
  assert.deepEqual(failing.deleted, ["id3", "id2", "id1"]);
  await assert.rejects(prepare([{ name: "bad.json", data: new TextEncoder().encode("{") }], v["today"]),
    (e: Error) => e instanceof FhirImportError && e.message === "bad.json: not JSON (truncated at line 1, column 2)");
});

test("IPS of a dossier: no masked item, no personal note", () => {
  const item = (id: string, section: string, masked: boolean) => ({ itemId: id, revision: 1, masked, section,
    type: section === "personal_notes" ? "note" : "allergy", title: id, date: "2024-01-01", body: {},
    author: { kind: "patient", id: null, name: null }, createdAt: 1, attachment: null });
  const text = ipsBundle([item("shown", "allergies", false), item("hidden", "allergies", true),
    item("mine", "personal_notes", false)] as never, { dossierId: "ab".repeat(16), shown: ["allergies"], now: 0 });
  const doc = JSON.parse(text);
  assert.equal(doc.timestamp, "1970-01-01T00:00:00+00:00");
  assert.deepEqual(doc.entry.slice(2).map((e: any) => e.resource.code.text), ["shown"]);
});

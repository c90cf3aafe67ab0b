/** tests/vectors/clinical.json: every alert case, in the browser's rules (src/clinical/), and
 * the index as the Python client's install step builds it (.venv/share/carnet/...). */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { Api } from "../src/api.js";
import { type Alert, checkSubstance, review, type Substance } from "../src/clinical/alerts.js";
import { normalise } from "../src/clinical/text.js";
import { checkPrescription, fetchIndex, type Index, IndexUnavailable, type Item, loadIndex,
  reviewItems, withinWindow } from "../src/clinical/items.js";
import { vectors } from "./vectors.js";

const v = vectors("clinical");
const ROOT = new URL("../../../../", import.meta.url);
const PATH = process.env["CARNET_CLINICAL_INDEX"]
  ?? fileURLToPath(new URL(".venv/share/carnet/ansm-interactions.json", ROOT));
const present = existsSync(PATH);
// The install step builds it; only a bare checkout lacks it (and CI must not).
const skip = present || process.env["CI"] === "true" ? false
  : `no interaction index at ${PATH} (run scripts/_env.sh or python -m scripts.clinical_data)`;
let cached: Index | null = null;
const index = (): Index => (cached ??= loadIndex(JSON.parse(readFileSync(PATH, "utf8"))));

function shape(a: Alert): Record<string, unknown> {
  const s: Record<string, unknown> = { kind: a.kind, level: a.level, levels: [...a.levels],
    refs: a.drugs.map((d) => d.ref), matched: [...a.matched] };
  if (a.kind === "partial_view") s["details"] = [...a.details];
  return s;
}

const sub = (x: Substance): Substance => ({ name: x.name, ref: x.ref,
  codes: x.codes.map((c) => ({ system: c.system, code: c.code })) });

for (const c of v["cases"] as Record<string, any>[]) {
  test(`vector: ${c["name"]}`, { skip }, () => {
    const ix = index();
    assert.ok(ix.version.startsWith(v["index"]), ix.version);
    const view = c["view"] ? { masked: c["view"].masked, missing: c["view"].missing } : undefined;
    const treatments = (c["treatments"] as Substance[]).map(sub);
    const allergies = (c["allergies"] as Substance[]).map(sub);
    const alerts = c["check"] === "review" ? review(treatments, allergies, ix, view)
      : checkSubstance(sub(c["new"]), treatments, allergies, ix, view);
    assert.deepEqual(alerts.map(shape), c["expected"]);
  });
}

test("the vectors cover every kind", () => {
  const kinds = new Set((v["cases"] as any[]).flatMap((c) => c.expected.map((e: any) => e.kind)));
  assert.deepEqual([...kinds].sort(), ["allergy", "interaction", "partial_view", "unchecked"]);
});

test("names normalised as clinical.text.normalise does", () => {
  assert.equal(normalise("BÊTA- BLOQUANTS"), "beta-bloquants");
  assert.equal(normalise("  Anti-inflammatoires\nNON  STÉROÏDIENS "), "anti-inflammatoires non steroidiens");
  assert.equal(normalise("Œstrogènes l’ANSM"), "oestrogenes l'ansm");
  assert.equal(normalise("a\u034fb İ"), "a\u034fb i"); // a class-0 mark stays, as in Python
});

const item = (itemId: string, section: string, title: string, body: Record<string, unknown> | null,
  date = "2026-01-01"): Item => ({ itemId, section, title, body, date });

test("items: active treatments and unresolved allergies, codes from the body", { skip }, () => {
  const ix = index();
  const items = [
    item("w", "current_treatments", "Warfarin", { codes: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: "855332" }] }),
    item("n", "current_treatments", "Naproxène", { rxnorm: "198014" }),
    item("old", "current_treatments", "Naproxen", { rxnorm: "198014", status: "stopped" }),
    item("p", "allergies", "Allergie à la pénicilline", { clinical_status: ["active"] }),
    item("gone", "allergies", "Aspirin", { rxnorm: "1191", clinical_status: ["resolved"] }),
  ];
  const alerts = reviewItems(items, ix);
  assert.deepEqual(alerts.map((a) => [a.kind, a.level, a.drugs.map((d) => d.ref)]), [
    ["interaction", "association déconseillée", ["w", "n"]],
    ["partial_view", null, []],
  ]);
  assert.equal(alerts[0]?.key, "clinical.alert_interaction");
  assert.match(alerts[0]?.text ?? "", /hémorragique/u); // the thesaurus' own words
  const own = reviewItems(items, ix, { masked: 0, carried: ["allergies", "current_treatments"] });
  assert.equal(own.at(-1)?.key, "clinical.alert_partial_sections");
  const rx = checkPrescription("Amoxicilline", null, items, ix, { masked: 0 });
  assert.deepEqual(rx.map((a) => [a.kind, a.level, a.drugs.map((d) => d.ref)]),
    [["allergy", "contre-indication", ["p", "new"]]]);
});

test("care-history window: 24 months back (day capped at 28), other sections kept", () => {
  const items = [item("a", "care_history", "old", {}, "2024-12-27"),
    item("b", "care_history", "recent", {}, "2024-12-28"), item("c", "allergies", "x", {}, "1990-01-01")];
  const [kept, hidden] = withinWindow(items, { today: "2026-12-31" });
  assert.deepEqual(kept.map((i) => i.itemId), ["b", "c"]);
  assert.equal(hidden, 1);
  assert.equal(withinWindow(items, { today: "2026-03-15", months: 3 })[1], 2);
});

test("a damaged index is refused with IndexUnavailable", () => {
  assert.throws(() => loadIndex({ format: 2 }), IndexUnavailable);
  assert.throws(() => loadIndex({ format: 1, names: ["A"], substances: { "7": [] } }), IndexUnavailable);
});

test("fetchIndex: asks the server where, then loads the static document once", { skip }, async () => {
  const doc = JSON.parse(readFileSync(PATH, "utf8")) as Record<string, unknown>;
  const asked: string[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = (async (url: string) => {
    asked.push(url);
    const body = url.endsWith("/clinical/index")
      ? { version: doc["version"], url: `/static/clinical/ansm-interactions.${String(doc["version"])}.json` }
      : doc;
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  try {
    const api = new Api("http://carnet.test");
    const first = await fetchIndex(api);
    const again = await fetchIndex(api);
    assert.equal(first, again);
    assert.equal(first.version, doc["version"]);
    assert.equal(asked.filter((u) => u.includes("/static/")).length, 1);
  } finally {
    globalThis.fetch = real;
  }
});

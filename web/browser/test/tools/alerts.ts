/** The browser's alerts for many dossiers at once, for tests/clinical/test_browser_alerts.py
 * (one Node process for every patient). Reads on stdin
 *
 *   {"patients": [{"items": [{item_id, section, title, date, body}],
 *                  "carried": [section...] | null, "masked": n | null,
 *                  "prescriptions": [{"title", "body"}]}]}
 *
 * (and "names": texts to normalise) and writes one JSON line: {"patients": [{"alerts":
 * [alert json...], "prescriptions": [[alert json...]]}], "normalised": [text...]}, each
 * alert as the Python client's Alert.json().
 *
 *   node build/test/tools/alerts.js INDEX_FILE < patients.json
 */

import { readFileSync } from "node:fs";

import { normalise } from "../../src/clinical/text.js";
import { alertJson, checkPrescription, type Item, loadIndex, reviewItems } from "../../src/clinical/items.js";

interface Patient {
  items: { item_id: string; section: string; title: string; date: string; body: Record<string, unknown> | null }[];
  carried?: string[] | null;
  masked?: number | null;
  prescriptions?: { title: string; body: Record<string, unknown> | null }[];
}

function main(argv: string[]): unknown {
  const [file] = argv;
  if (!file) throw new Error("usage: alerts.js INDEX_FILE < patients.json");
  const index = loadIndex(JSON.parse(readFileSync(file, "utf8")));
  const input = JSON.parse(readFileSync(0, "utf8")) as { patients: Patient[]; names?: string[] };
  const patients = input.patients.map((p) => {
    const items: Item[] = p.items.map((i) => ({ itemId: i.item_id, section: i.section, title: i.title,
      date: i.date, body: i.body }));
    const opts = { carried: p.carried ?? null, masked: p.masked ?? null };
    return {
      alerts: reviewItems(items, index, opts).map(alertJson),
      prescriptions: (p.prescriptions ?? []).map((rx) =>
        checkPrescription(rx.title, rx.body, items, index, opts).map(alertJson)),
    };
  });
  return { patients, normalised: (input.names ?? []).map(normalise) };
}

try {
  process.stdout.write(`${JSON.stringify(main(process.argv.slice(2)))}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}

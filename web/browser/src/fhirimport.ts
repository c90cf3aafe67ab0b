/** Importing FHIR R4 files into the dossier from the browser (web/client/fhir.py): every
 * file is read and mapped and every item checked before the first write; the items are then
 * encrypted here one by one like any other item (a DocumentReference's or Binary's PDF or
 * image becomes the item's encrypted attachment). The server sees ciphertext only.
 *
 * Idempotent: each item's body holds its resource's identity (``fhir.identity``, inside the
 * encrypted item); the dossier's items are decrypted first and every identity already there
 * is skipped, so importing a file twice adds nothing. */

import { encode as mpEncode, fromPlain } from "./msgpack.js";
import type { Item } from "./item.js";
import { InvalidFhir, type Resource, read } from "./fhir/reader.js";
import { type MappedItem, mapDocument } from "./fhir/mapping.js";
import { type PatientSession, UnreadableItem } from "./patient.js";
import { ITEM_TYPES, isSection } from "./sections.js";
import { build, instant, ipsText } from "./fhir/ips.js";

export interface FhirFile {
  name: string;
  data: Uint8Array;
}

export interface Prepared {
  items: MappedItem[];
  skipped: Record<string, number>;
  context: Record<string, number>;
  warnings: string[];
  resources: number;
}

export interface ImportReport {
  added: number;
  already: number;
  sections: Record<string, number>;
  skipped: Record<string, number>;
  context: Record<string, number>;
  warnings: string[];
  resources: number;
  itemIds: string[];
}

/** A file that cannot be imported; the message names the file and the place. */
export class FhirImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FhirImportError";
  }
}

const NIR_SYSTEMS = new Set(["urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9",
  "urn:oid:1.2.250.1.213.1.4.10", "urn:oid:1.2.250.1.213.1.4.11"]);
const TITLE_MAX = 200;
const BODY_MAX_BYTES = 256 * 1024;
const BODY_MAX_DEPTH = 16;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** web/nir.py's rules (length, characters, sex, month, department, key). */
export function validNir(text: string): boolean {
  if (text.length > 64) return false;
  const nir = text.replace(/[ .\-\t\u00a0\u202f]/g, "").toUpperCase();
  if (!/^[0-9]{5}([0-9]{2}|2A|2B)[0-9]{8}$/.test(nir) || !"123478".includes(nir[0] as string)) return false;
  const month = Number(nir.slice(3, 5));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false;
  const dep = nir.slice(5, 7);
  if (dep === "00") return false;
  const digits = nir.slice(0, 5) + ({ "2A": "19", "2B": "18" }[dep] ?? dep) + nir.slice(7, 13);
  return String(97n - (BigInt(digits) % 97n)).padStart(2, "0") === nir.slice(13);
}

function nirWarnings(name: string, patients: Resource[], strict: boolean): string[] {
  const found: string[] = [];
  patients.forEach((p, n) => {
    for (const ident of Array.isArray(p["identifier"]) ? p["identifier"] : []) {
      if (ident === null || typeof ident !== "object" || Array.isArray(ident)) continue;
      const system = (ident as Resource)["system"];
      if (typeof system !== "string" || !NIR_SYSTEMS.has(system)) continue;
      const value = (ident as Resource)["value"];
      if (validNir(typeof value === "string" ? value : "")) continue;
      const where = `${name}: Patient ${n + 1} identifier ${system}`;
      if (strict) throw new FhirImportError(`${where}: not a valid NIR (--strict)`);
      found.push(`${where}: not a valid NIR (imported; the NIR is not used)`);
    }
  });
  return found;
}

function depth(v: unknown, level = 0): void {
  if (level > BODY_MAX_DEPTH) throw new Error(`body is nested deeper than ${BODY_MAX_DEPTH} levels`);
  if (Array.isArray(v)) for (const x of v) depth(x, level + 1);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) depth(x, level + 1);
}

/** vault.items.draft's rules, so that nothing is written when one item would be refused. */
export function checkItem(i: MappedItem): void {
  if (!isSection(i.section) || !ITEM_TYPES[i.section].includes(i.type)) throw new Error("unknown section or type");
  const title = i.title.trim();
  if (!title) throw new Error("title must not be empty");
  if (Array.from(title).length > TITLE_MAX) throw new Error(`title is longer than ${TITLE_MAX} characters`);
  if (CONTROL.test(title)) throw new Error("title contains control characters");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(i.date) || i.date < "1900") throw new Error("date must be an ISO date (YYYY-MM-DD)");
  depth(i.body);
  if (mpEncode(fromPlain(i.body)).length > BODY_MAX_BYTES) throw new Error(`body is larger than ${BODY_MAX_BYTES / 1024} KiB`);
}

/** Read and map every file and check every item (nothing is written). Throws
 * :class:`FhirImportError` naming the file and where. */
export async function prepare(files: FhirFile[], today: string, strict = false): Promise<Prepared> {
  const out: Prepared = { items: [], skipped: {}, context: {}, warnings: [], resources: 0 };
  const add = (into: Record<string, number>, from: Record<string, number>): void => {
    for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  };
  for (const { name, data } of files) {
    let mapped;
    let resources;
    try {
      const doc = await read(data);
      mapped = mapDocument(doc, today);
      resources = doc.entries.length;
    } catch (e) {
      if (e instanceof InvalidFhir) throw new FhirImportError(`${name}: ${e.message}`);
      throw e;
    }
    out.warnings.push(...nirWarnings(name, mapped.patients, strict));
    for (const item of mapped.items) {
      try {
        checkItem(item);
      } catch (e) {
        throw new FhirImportError(`${name}: ${item.where}: cannot become an item (${(e as Error).message})`);
      }
    }
    out.items.push(...mapped.items);
    add(out.skipped, mapped.skipped);
    add(out.context, mapped.context);
    out.resources += resources;
    const skipped = Object.entries(mapped.skipped).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (skipped.length) {
      out.warnings.push(`${name}: not imported (no section for them): ${skipped.map(([k, n]) => `${k} x${n}`).join(", ")}`);
    }
  }
  return out;
}

/** The FHIR identities already in the dossier (from the decrypted bodies). */
export function identities(items: readonly (Item | UnreadableItem)[]): Set<string> {
  const found = new Set<string>();
  for (const i of items) {
    if (i instanceof UnreadableItem) continue;
    const fhir = i.body["fhir"];
    if (fhir && typeof fhir === "object" && typeof (fhir as Record<string, unknown>)["identity"] === "string") {
      found.add((fhir as Record<string, unknown>)["identity"] as string);
    }
  }
  return found;
}

/** Add the prepared items the dossier does not hold yet; ``progress(done, total)`` after
 * each. If a write fails midway, the items this run wrote are deleted again (best effort)
 * and the error is thrown; a rerun completes the import (it is idempotent). */
export async function importPrepared(session: PatientSession, plan: Prepared, now: number,
  progress?: (done: number, total: number) => void): Promise<ImportReport> {
  const have = identities(await session.list());
  const todo: MappedItem[] = [];
  for (const item of plan.items) {
    if (have.has(item.identity)) continue; // already in the dossier, or twice in the files
    have.add(item.identity);
    todo.push(item);
  }
  const written: Item[] = [];
  const sections: Record<string, number> = {};
  progress?.(0, todo.length);
  try {
    for (const item of todo) {
      const a = item.attachment;
      const done = await session.add({ section: item.section as Item["section"], type: item.type,
        title: item.title, date: item.date, body: item.body }, now,
        a ? { name: a.name, mediaType: a.mediaType, data: a.data } : undefined);
      written.push(done);
      sections[item.section] = (sections[item.section] ?? 0) + 1;
      progress?.(written.length, todo.length);
    }
  } catch (e) {
    for (const item of written.reverse()) await session.deleteItem(item).catch(() => undefined);
    throw e;
  }
  return { added: todo.length, already: plan.items.length - todo.length, sections,
    skipped: plan.skipped, context: plan.context, warnings: plan.warnings,
    resources: plan.resources, itemIds: written.map((i) => i.itemId) };
}

/** The IPS document bundle (JSON text, as the Python client writes it) of the items a
 * reader decrypted: masked items and personal notes never appear; ``shown``: the sections
 * the reader holds (the others are marked withheld). */
export function ipsBundle(items: readonly (Item | UnreadableItem)[], o: { dossierId: string;
  shown: Iterable<string>; now: number; author?: { kind: "patient" | "professional"; psId: string; name: string } }): string {
  const visible = items.filter((i): i is Item => !(i instanceof UnreadableItem) && !i.masked
    && i.section !== "personal_notes")
    // vault.Dossier.list's order: newest date first, then newest written (a stable sort)
    .sort((a, b) => (a.date === b.date ? b.createdAt - a.createdAt : a.date < b.date ? 1 : -1));
  const doc = build(visible, { dossierId: o.dossierId, shown: o.shown, now: instant(o.now),
    author: o.author ?? { kind: "patient", psId: "", name: "" } });
  return ipsText(doc);
}

/** Clinical checks on decrypted items, in the browser (web/client/clinical.py, P11): the
 * items' codes as the alert rules take them, the alerts for a view and for a prescription
 * being written, the care-history window. The module the pages import: it re-exports the
 * index and alert types. */

import type { Section } from "../sections.js";
import { SECTIONS } from "../sections.js";
import { type Alert, type Code, checkSubstance, review, type Substance, type View } from "./alerts.js";
import type { Index } from "./index.js";
import { pyStrip } from "./index.js";

export { type Alert, type AlertKind, alertJson, type Code, partialView, type Substance,
  substancesOf, type View } from "./alerts.js";
export { fetchIndex, Index, IndexUnavailable, isLevel, type Level, LEVELS, levelRank,
  loadIndex } from "./index.js";

export const CARE_WINDOW_MONTHS = 24;

/** What the checks read of an item (a decrypted vault Item has all of it). */
export interface Item {
  readonly itemId: string;
  readonly section: Section | string;
  readonly title: string;
  readonly date: string;
  readonly body: Readonly<Record<string, unknown>> | null;
}

/** Python's str() of a JSON value, for the few places the Python client converts. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  return String(v);
}

function isDict(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function codesOf(body: unknown): Code[] {
  if (!isDict(body)) return [];
  const found: Code[] = [];
  const listed = body["codes"];
  if (truthy(listed) && Array.isArray(listed)) {
    for (const c of listed) {
      if (isDict(c) && truthy(c["code"])) {
        found.push({ system: "system" in c ? pyStr(c["system"]) : "", code: pyStr(c["code"]),
          display: "display" in c ? pyStr(c["display"]) : "" });
      }
    }
  }
  for (const key of ["rxnorm", "code"]) { // an item typed by hand: {"rxnorm": "855332"}
    const v = body[key];
    if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v))) {
      const text = pyStrip(pyStr(v));
      if (text) found.push({ system: "", code: text });
    }
  }
  return found;
}

function substance(item: Item): Substance {
  return { name: item.title, codes: codesOf(item.body), ref: item.itemId };
}

const ENDED = new Set(["stopped", "completed", "cancelled", "entered-in-error"]);

function active(item: Item): boolean {
  const body = isDict(item.body) ? item.body : {};
  const status = body["status"];
  return body["active"] !== false && !(typeof status === "string" && ENDED.has(status));
}

/** Python's `"resolved" in x` for the clinical status (a list, a text, an object). */
function resolved(status: unknown): boolean {
  if (!truthy(status)) return false;
  if (typeof status === "string") return status.includes("resolved");
  if (Array.isArray(status)) return status.includes("resolved");
  if (isDict(status)) return "resolved" in status;
  return false;
}

export function treatmentsOf(items: Iterable<Item>): Substance[] {
  const out: Substance[] = [];
  for (const i of items) if (i.section === "current_treatments" && active(i)) out.push(substance(i));
  return out;
}

export function allergiesOf(items: Iterable<Item>): Substance[] {
  const out: Substance[] = [];
  for (const i of items) {
    if (i.section === "allergies" && !resolved((i.body ?? {})["clinical_status"])) out.push(substance(i));
  }
  return out;
}

/** `carried`: the sections a grant carries (null: the patient's own view); `masked`: masked
 * items the reader knows of (null: a professional, who cannot know). Both default to null,
 * as in Python. */
export interface ViewOptions {
  readonly carried?: Iterable<Section | string> | null;
  readonly masked?: number | null;
}

function viewOf(o: ViewOptions): View {
  const carried = o.carried === undefined || o.carried === null ? null : new Set<string>(o.carried);
  return { masked: o.masked ?? null,
    missing: carried === null ? [] : SECTIONS.filter((s) => !carried.has(s)) };
}

/** Every alert for the items a reader decrypted. */
export function reviewItems(items: readonly Item[], index: Index, opts: ViewOptions = {}): Alert[] {
  return review(treatmentsOf(items), allergiesOf(items), index, viewOf(opts));
}

export function newPrescription(title: string, body: Readonly<Record<string, unknown>> | null): Substance {
  return { name: title, codes: codesOf(body ?? {}), ref: "new" };
}

/** The alerts a prescription (title, body with codes) raises before it is saved. */
export function checkPrescription(title: string, body: Readonly<Record<string, unknown>> | null,
  items: readonly Item[], index: Index, opts: ViewOptions = {}): Alert[] {
  return checkSubstance(newPrescription(title, body), treatmentsOf(items), allergiesOf(items),
    index, viewOf(opts));
}

/** The care-history items dated within `months` of `today` (an ISO date; other sections
 * untouched), and how many older ones were left out. */
export function withinWindow<T extends Pick<Item, "section" | "date">>(items: Iterable<T>,
  o: { today: string; months?: number }): [T[], number] {
  const [y, m, d] = o.today.slice(0, 10).split("-").map(Number) as [number, number, number];
  const total = y * 12 + m - 1 - (o.months ?? CARE_WINDOW_MONTHS);
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  const start = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(Math.min(d, 28)).padStart(2, "0")}`;
  const kept: T[] = [];
  let hidden = 0;
  for (const item of items) {
    if (item.section === "care_history" && item.date < start) hidden += 1;
    else kept.push(item);
  }
  return [kept, hidden];
}

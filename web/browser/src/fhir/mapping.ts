/** FHIR R4 resources -> Carnet items (clinical/fhir/mapping.py, the same items field for
 * field): section, type, title, date, and a body with every coding of the main concept
 * (``codes``), a short summary, and the original resource as JSON text (``fhir.json``) with
 * ``fhir.identity``, which makes a second import add nothing. docs/clinical.md has the table. */

import { toHex, utf8 } from "../bytes.js";
import { sha256 } from "../request.js";
import { JsonNumber, pyDumps, pyStr, truthy } from "./json.js";
import { type Entry, entryType, type FhirDocument, InvalidFhir, isObject, type Resource,
  where } from "./reader.js";

export const BLOOD_GROUP_LOINC = new Set(["882-1", "883-9", "10331-7", "34474-7", "34475-4"]);
export const CONTEXT_TYPES = new Set(["Patient", "Practitioner", "PractitionerRole",
  "Organization", "Medication", "Location", "Composition", "List", "Parameters", "Provenance",
  "Device", "Bundle"]);
export const ACTIVE_MEDICATION = new Set(["active", "on-hold", "draft", "intended"]);
const EXTENSIONS: Record<string, string> = { "application/pdf": "pdf", "image/png": "png",
  "image/jpeg": "jpg", "image/webp": "webp", "text/plain": "txt" };
const TITLE_MAX = 200;
const INLINE_MAX = 160 * 1024;

export interface MappedAttachment {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

export interface MappedItem {
  section: string;
  type: string;
  title: string;
  date: string;
  body: Record<string, unknown>;
  identity: string;
  attachment: MappedAttachment | null;
  where: string;
}

export interface MappedDocument {
  items: MappedItem[];
  skipped: Record<string, number>;
  context: Record<string, number>;
  patients: Resource[];
}

interface Coding { system: string; code: string; display: string }

/** ``dict.get(key, default)``: JSON null stays null (Python's None). */
function get(o: unknown, key: string, dflt: unknown = null): unknown {
  return isObject(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : dflt;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) && v.length ? v : []);
const cut = (s: string, n: number): string => Array.from(s).slice(0, n).join("");
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const compact = (v: unknown): string => pyDumps(v, { ascii: false });

/** JSON values as the item codec takes them (numbers kept as numbers). */
function plain(v: unknown): unknown {
  if (v instanceof JsonNumber) return v.valueOf();
  if (Array.isArray(v)) return v.map(plain);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A stable identity: the first identifier (system|value), else the id, else the full
 * URL, else the content. */
export function identity(resource: Resource, fullUrl = "", suffix = ""): string {
  const rt = pyStr(get(resource, "resourceType", ""));
  let key = "";
  for (const ident of list(resource["identifier"])) {
    const system = get(ident, "system");
    const value = get(ident, "value");
    if (truthy(system) && truthy(value)) { key = `${pyStr(system)}|${pyStr(value)}`; break; }
  }
  if (!key) {
    const id = get(resource, "id");
    key = truthy(id) ? pyStr(id) : fullUrl;
  }
  if (!key) key = pyDumps(resource, { ascii: true, sortKeys: true });
  return `fhir:${toHex(sha256(utf8(`${rt}\0${key}\0${suffix}`))).slice(0, 32)}`;
}

function codings(concept: unknown): Coding[] {
  if (!isObject(concept)) return [];
  return list(concept["coding"]).filter((c) => isObject(c) && truthy(c["code"])).map((c) => ({
    system: pyStr(get(c, "system", "")), code: pyStr(get(c, "code", "")),
    display: pyStr(get(c, "display", "")) }));
}

function label(concept: unknown, fallback: string): string {
  if (isObject(concept)) {
    if (truthy(concept["text"])) return pyStr(concept["text"]);
    for (const c of list(concept["coding"])) {
      if (!isObject(c)) continue;
      const d = get(c, "display");
      const shown = truthy(d) ? d : get(c, "code");
      if (truthy(shown)) return pyStr(shown);
    }
  }
  return fallback;
}

function validDay(day: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The first usable date (a period gives its start), as YYYY-MM-DD; else ``fallback``. */
export function dateOf(values: unknown[], fallback: string): string {
  for (let v of values) {
    if (isObject(v)) v = get(v, "start");
    if (typeof v === "string" && v.length >= 4 && /^[0-9]{4}/.test(v)) {
      const head = v.slice(0, 10);
      const day = v.length < 10 ? head + "-01-01".slice(head.length - 4) : head;
      if (validDay(day)) return day;
    }
  }
  return fallback;
}

function categories(r: Resource): Set<string> {
  return new Set(list(r["category"]).flatMap((cat) => codings(cat).map((c) => c.code)));
}

/** [section, item type] for a resource stored as one item; null for the others. */
export function sectionOf(r: Resource): [string, string] | null {
  const rt = r["resourceType"];
  const status = pyStr(get(r, "status", ""));
  switch (rt) {
    case "AllergyIntolerance": return ["allergies", r["type"] === "intolerance" ? "intolerance" : "allergy"];
    case "MedicationRequest":
    case "MedicationStatement":
      if (ACTIVE_MEDICATION.has(status)) {
        return ["current_treatments", rt === "MedicationRequest" ? "prescription" : "medication"];
      }
      return ["care_history", "note"];
    case "Condition": return ["medical_history", "condition"];
    case "Immunization": return ["vaccinations", "vaccination"];
    case "Observation":
      if (codings(r["code"]).some((c) => c.system.includes("loinc") && BLOOD_GROUP_LOINC.has(c.code))) {
        return ["blood_group", "blood_group"];
      }
      return ["exam_results", categories(r).has("laboratory") ? "lab_result" : "observation"];
    case "DiagnosticReport": {
      const cats = categories(r);
      return ["exam_results", ["RAD", "imaging", "18748-4"].some((c) => cats.has(c)) ? "imaging" : "exam_result"];
    }
    case "Encounter": return ["care_history", "encounter"];
    case "Procedure": return ["care_history", "procedure"];
    case "RelatedPerson": return ["emergency_contacts", "contact"];
    case "DocumentReference":
    case "Binary": return ["care_history", "document"];
    default: return null;
  }
}

class Resolver {
  private readonly byUrl = new Map<string, Resource>();

  constructor(entries: Entry[]) {
    for (const e of entries) if (e.fullUrl) this.byUrl.set(e.fullUrl, e.resource);
    for (const e of entries) {
      const id = e.resource["id"];
      const key = `${entryType(e)}/${pyStr(id)}`;
      if (truthy(id) && !this.byUrl.has(key)) this.byUrl.set(key, e.resource);
    }
  }

  get(ref: unknown): Resource | null {
    const r = get(ref, "reference");
    return typeof r === "string" ? this.byUrl.get(r) ?? null : null;
  }
}

function decode(data: unknown, at: string): Uint8Array {
  const text = pyStr(data);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new InvalidFhir("attachment data is not base64", at);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

function attachmentOf(att: unknown, name: string, at: string):
  [MappedAttachment | null, Record<string, unknown>] {
  const media = (pyStr(get(att, "contentType", "")).split(";")[0] ?? "").trim().toLowerCase();
  const summary: Record<string, unknown> = { content_type: media, url: pyStr(get(att, "url", "")),
    title: pyStr(get(att, "title", "")) };
  if (!isObject(att) || !("data" in att)) return [null, summary];
  const data = decode(att["data"], at);
  const ext = EXTENSIONS[media];
  if (ext) return [{ name: `${cut(name, 60) || "document"}.${ext}`, mediaType: media, data }, summary];
  if (data.length > INLINE_MAX) {
    throw new InvalidFhir(`attachment of type ${media || "unknown"} too large to keep (${Math.floor(data.length / 1024)} KiB)`, at);
  }
  summary["data_base64"] = pyStr(att["data"]);
  return [null, summary];
}

function stripData(r: Resource): Resource {
  const copy: Resource = { ...r };
  if (copy["resourceType"] === "Binary") delete copy["data"];
  if (Array.isArray(copy["content"])) {
    copy["content"] = copy["content"].map((c) => {
      if (!isObject(c) || !isObject(c["attachment"])) return c;
      const att = { ...c["attachment"] };
      delete att["data"];
      return { ...c, attachment: att };
    });
  }
  return copy;
}

function personName(names: unknown): string {
  for (const n of Array.isArray(names) ? names : [names]) {
    if (!isObject(n)) continue;
    if (truthy(n["text"])) return pyStr(n["text"]);
    return [...list(n["given"]).map(pyStr), pyStr(get(n, "family", ""))].join(" ").trim();
  }
  return "";
}

function telecom(points: unknown): string[] {
  return list(points).filter((p) => isObject(p) && truthy(p["value"]))
    .map((p) => `${pyStr(get(p, "system", ""))}: ${pyStr(get(p, "value", ""))}`);
}

const firstOf = (v: unknown): unknown => (truthy(v) && Array.isArray(v) ? v[0] : null);

function one(e: Entry, resolve: Resolver, fallback: string): MappedItem | null {
  const r = e.resource;
  const placed = sectionOf(r);
  if (!placed) return null;
  const [section, type] = placed;
  const rt = entryType(e);
  let concept: unknown = get(r, "code");
  const summary: Record<string, unknown> = { status: pyStr(get(r, "status", "")) };
  let attachment: MappedAttachment | null = null;
  let stored: Resource = r;
  const extra: Record<string, unknown> = {};
  let date: string;
  if (rt === "AllergyIntolerance") {
    date = dateOf([r["onsetDateTime"], r["recordedDate"]], fallback);
    Object.assign(summary, { criticality: pyStr(get(r, "criticality", "")),
      category: plain(list(r["category"])),
      clinical_status: codings(r["clinicalStatus"]).map((c) => c.code),
      reactions: list(r["reaction"]).flatMap((rx) => list(get(rx, "manifestation")).map((m) => label(m, ""))) });
  } else if (rt === "MedicationRequest" || rt === "MedicationStatement") {
    concept = get(r, "medicationCodeableConcept");
    const med = resolve.get(r["medicationReference"]);
    if (med) {
      concept = get(med, "code");
      extra["medication"] = compact(med);
    }
    date = dateOf([r["authoredOn"], r["effectiveDateTime"], r["effectivePeriod"], r["dateAsserted"]], fallback);
    const dosage = truthy(r["dosageInstruction"]) ? r["dosageInstruction"] : r["dosage"];
    Object.assign(summary, { active: ACTIVE_MEDICATION.has(r["status"] as string),
      dosage: list(dosage).filter(isObject).map((d) => pyStr(get(d, "text", ""))) });
    if (section === "care_history") summary["kind"] = "past_medication";
  } else if (rt === "Condition") {
    date = dateOf([r["onsetDateTime"], r["onsetPeriod"], r["recordedDate"]], fallback);
    Object.assign(summary, { clinical_status: codings(r["clinicalStatus"]).map((c) => c.code),
      abated: dateOf([r["abatementDateTime"]], "") });
  } else if (rt === "Immunization") {
    concept = get(r, "vaccineCode");
    date = dateOf([r["occurrenceDateTime"], r["recorded"]], fallback);
  } else if (rt === "Observation" || rt === "DiagnosticReport") {
    date = dateOf([r["effectiveDateTime"], r["effectivePeriod"], r["issued"]], fallback);
    const q = r["valueQuantity"];
    if (isObject(q)) {
      summary["value"] = `${pyStr(get(q, "value", ""))} ${pyStr(get(q, "unit", ""))}`.trim();
    } else if (truthy(r["valueCodeableConcept"])) {
      summary["value"] = label(r["valueCodeableConcept"], "");
    } else if (typeof r["valueString"] === "string") {
      summary["value"] = cut(r["valueString"], 500);
    }
  } else if (rt === "Encounter" || rt === "Procedure") {
    concept = rt === "Encounter" ? firstOf(r["type"]) : get(r, "code");
    date = dateOf([r["period"], r["performedDateTime"], r["performedPeriod"]], fallback);
  } else if (rt === "RelatedPerson") {
    concept = firstOf(r["relationship"]);
    date = dateOf([r["period"]], fallback);
    Object.assign(summary, { name: personName(get(r, "name")), telecom: telecom(r["telecom"]) });
  } else { // DocumentReference, Binary
    concept = get(r, "type");
    const context = truthy(r["context"]) ? r["context"] : {};
    date = dateOf([r["date"], get(context, "period")], fallback);
    const hint = truthy(r["description"]) ? pyStr(r["description"]) : label(concept, rt);
    if (rt === "Binary") {
      const [att, info] = attachmentOf(r, hint, where(e));
      attachment = att;
      summary["attachments"] = [info];
    } else {
      const infos = [];
      for (const content of list(r["content"])) {
        const inner = get(content, "attachment");
        const [att, info] = attachmentOf(truthy(inner) ? inner : {}, hint, where(e));
        attachment = attachment ?? att;
        infos.push(info);
      }
      summary["attachments"] = infos;
    }
    stored = stripData(r);
  }
  const title = rt === "DocumentReference" && truthy(r["description"]) ? r["description"] : label(concept, rt);
  const ident = identity(r, e.fullUrl);
  const body: Record<string, unknown> = { codes: codings(concept), ...summary, ...extra,
    fhir: { identity: ident, type: rt, id: pyStr(get(r, "id", "")), json: compact(stored) } };
  const clean = cut(pyStr(title).split(PY_SPACE).filter(Boolean).join(" "), TITLE_MAX) || rt;
  return { section, type, title: clean, date, body, identity: ident, attachment, where: where(e) };
}

function contacts(e: Entry, fallback: string): MappedItem[] {
  const found: MappedItem[] = [];
  list(e.resource["contact"]).forEach((c, k) => {
    if (!isObject(c)) return;
    const n = k + 1;
    const rel = firstOf(c["relationship"]);
    const name = personName(get(c, "name")) || label(rel, "contact");
    const ident = identity(e.resource, e.fullUrl, `contact/${n}`);
    const body = { codes: codings(rel), name, telecom: telecom(c["telecom"]), relationship: label(rel, ""),
      fhir: { identity: ident, type: "Patient.contact", id: pyStr(get(e.resource, "id", "")),
        json: compact(c) } };
    found.push({ section: "emergency_contacts", type: "contact", title: cut(name, TITLE_MAX) || "contact",
      date: dateOf([c["period"]], fallback), body, identity: ident, attachment: null,
      where: `${where(e)} contact ${n}` });
  });
  return found;
}

/** Every item the document yields, in document order; ``today`` (YYYY-MM-DD) dates an item
 * whose resource carries no date (after the bundle's timestamp). */
export function mapDocument(doc: FhirDocument, today: string): MappedDocument {
  const resolve = new Resolver(doc.entries);
  const fallback = dateOf([doc.timestamp], today);
  const out: MappedDocument = { items: [], skipped: {}, context: {}, patients: [] };
  for (const e of doc.entries) {
    const rt = entryType(e);
    if (rt === "Patient") {
      out.patients.push(e.resource);
      out.items.push(...contacts(e, fallback));
    }
    const item = one(e, resolve, fallback);
    if (item) out.items.push(item);
    else if (CONTEXT_TYPES.has(rt)) out.context[rt] = (out.context[rt] ?? 0) + 1;
    else out.skipped[rt] = (out.skipped[rt] ?? 0) + 1;
  }
  return out;
}

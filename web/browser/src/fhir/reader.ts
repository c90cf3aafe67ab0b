/** Reading a FHIR R4 file in the browser (clinical/fhir/reader.py): bounded decoding (plain
 * JSON or gzip, 32 MiB uncompressed), the FHIR version and STU3 checks, reference checks.
 * Every failure is an :class:`InvalidFhir` saying where, never quoting the content.
 *
 * Not done here: the Python client's full validation against the R4 models
 * (``fhir.resources``); the browser checks the shape the mapping relies on instead. */

import { type JsonValue, JsonSyntaxError, parseJson } from "./json.js";

export const MAX_BYTES = 32 * 1024 * 1024;

export type Resource = { [key: string]: JsonValue };

export class InvalidFhir extends Error {
  constructor(readonly detail: string, readonly where = "") {
    super(where ? `${where}: ${detail}` : detail);
    this.name = "InvalidFhir";
  }
}

export interface Entry {
  position: number; // 1-based
  resource: Resource;
  fullUrl: string;
}

export interface FhirDocument {
  kind: string; // the bundle type, or "resource"
  entries: Entry[];
  timestamp: string;
}

export const entryType = (e: Entry): string => {
  const t = e.resource["resourceType"];
  return typeof t === "string" ? t : "";
};

export const where = (e: Entry): string => `entry ${e.position} (${entryType(e)})`;

const STU3_CODES: Record<string, string[]> = {
  AllergyIntolerance: ["clinicalStatus", "verificationStatus"],
  Condition: ["clinicalStatus", "verificationStatus"],
};
const STU3_FIELDS: Record<string, string> = { MedicationStatement: "taken",
  MedicationRequest: "context", Immunization: "notGiven", Observation: "context",
  Procedure: "notDone" };

export function isObject(v: unknown): v is Resource {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Number);
}

const mib = (n: number): number => Math.floor(n / (1024 * 1024));

async function gunzip(data: Uint8Array, limit: number): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new InvalidFhir(`larger than ${mib(limit)} MiB once uncompressed`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof InvalidFhir) throw e;
    throw new InvalidFhir("truncated or damaged gzip file");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function rstripLength(data: Uint8Array): number {
  let n = data.length;
  while (n > 0 && [0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c].includes(data[n - 1] as number)) n--;
  return n;
}

function decodeJson(data: Uint8Array): JsonValue {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(data);
  } catch {
    throw new InvalidFhir("not JSON (not UTF-8 text)");
  }
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const what = e.pos >= rstripLength(data) - 1 ? "truncated" : "not valid JSON";
      throw new InvalidFhir(`not JSON (${what} at line ${e.line}, column ${e.column})`);
    }
    if (e instanceof RangeError) throw new InvalidFhir("not JSON (nested too deeply)");
    throw e;
  }
}

function stu3Hint(res: Resource): string | null {
  const rt = String(res["resourceType"] ?? "");
  for (const name of STU3_CODES[rt] ?? []) {
    if (typeof res[name] === "string") return `${name} is a plain code (FHIR STU3); Carnet imports FHIR R4`;
  }
  const stu3 = STU3_FIELDS[rt];
  if (stu3 && stu3 in res) return `field '${stu3}' exists only in FHIR STU3; Carnet imports FHIR R4`;
  return null;
}

/** The shape the mapping relies on (the Python client validates against R4 in full). */
function checkShape(e: Entry): void {
  const rt = e.resource["resourceType"];
  if (typeof rt !== "string" || !/^[A-Z][A-Za-z]{1,63}$/.test(rt)) {
    throw new InvalidFhir("not valid FHIR R4 (unknown resource type)", `entry ${e.position}`);
  }
  for (const key of ["category", "coding", "contact", "content", "reaction",
    "dosageInstruction", "dosage", "telecom"]) {
    const v = e.resource[key];
    if (v !== undefined && !Array.isArray(v)) {
      throw new InvalidFhir("not valid FHIR R4 (not a list)", `${where(e)} ${key}`);
    }
  }
}

const DATE_KEYS = new Set(["date", "issued", "authoredOn", "recordedDate", "dateAsserted",
  "recorded", "birthDate", "lastUpdated", "timestamp"]);
const DATE_TIME = /^(\d{4})(-(\d{2})(-(\d{2})(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,9})?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?)?)?)?$/;

/** A FHIR date, dateTime or instant that is a real calendar day (the R4 models' check). */
export function fhirDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), m[3] ? Number(m[3]) : 1, m[5] ? Number(m[5]) : 1];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0); // day 0 of the next month: this month's last day
  return day <= last.getUTCDate();
}

function isDateKey(key: string, parent: string): boolean {
  return key.endsWith("DateTime") || DATE_KEYS.has(key)
    || ((key === "start" || key === "end") && (parent === "period" || parent.endsWith("Period")));
}

/** The dates the mapping reads must be valid ones (the Python client validates in full). */
function checkDates(e: Entry, lone: boolean): void {
  const walk = (value: unknown, key: string, parent: string, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, n) => walk(v, key, parent, `${path}.${n}`));
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, k, key, path ? `${path}.${k}` : k);
    } else if (typeof value === "string" && isDateKey(key, parent) && !fhirDateTime(value)) {
      throw new InvalidFhir("not valid FHIR R4 (not a valid date)", lone ? path : `${where(e)} ${path}`);
    }
  };
  walk(e.resource, "", "", "");
}

function checkReferences(entries: Entry[]): void {
  const urls = new Set(entries.map((e) => e.fullUrl).filter(Boolean));
  const walk = (value: unknown, e: Entry, path: string): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v, e, path);
    } else if (isObject(value)) {
      const ref = value["reference"];
      if (typeof ref === "string" && (ref.startsWith("urn:uuid:") || ref.startsWith("urn:oid:"))
        && !urls.has(ref)) {
        throw new InvalidFhir("reference to a resource that is not in the bundle",
          `${where(e)} ${path || "reference"}`);
      }
      for (const [k, v] of Object.entries(value)) walk(v, e, path ? `${path}.${k}` : k);
    }
  };
  for (const e of entries) walk(e.resource, e, "");
}

/** Decode and check one FHIR R4 file (JSON or gzip JSON). */
export async function read(input: Uint8Array, limit = MAX_BYTES): Promise<FhirDocument> {
  if (input.length > limit) throw new InvalidFhir(`larger than ${mib(limit)} MiB`);
  const data = input[0] === 0x1f && input[1] === 0x8b ? await gunzip(input, limit) : input;
  const doc = decodeJson(data);
  if (!isObject(doc) || typeof doc["resourceType"] !== "string") throw new InvalidFhir("not FHIR (no resourceType)");
  const meta = doc["meta"];
  const version = doc["fhirVersion"] || (isObject(meta) ? meta["fhirVersion"] : null);
  if (typeof version === "string" && !version.startsWith("4.")) {
    throw new InvalidFhir(`FHIR version ${version.slice(0, 12)}; Carnet imports FHIR R4`);
  }
  const profiles = isObject(meta) ? meta["profile"] : null;
  if (Array.isArray(profiles) && profiles.some((p) => typeof p === "string"
    && (p.includes("/STU3/") || p.includes("/DSTU2/")))) {
    throw new InvalidFhir("profiled for an older FHIR version; Carnet imports FHIR R4");
  }
  const entries: Entry[] = [];
  let kind = "resource";
  if (doc["resourceType"] === "Bundle") {
    const raw = doc["entry"] ?? [];
    if (!Array.isArray(raw)) throw new InvalidFhir("not valid FHIR R4 (entry is not a list)", "Bundle");
    raw.forEach((e, n) => {
      const res = isObject(e) ? e["resource"] : undefined;
      if (!isObject(res)) throw new InvalidFhir("an entry without a resource", `entry ${n + 1}`);
      const url = isObject(e) ? e["fullUrl"] : undefined;
      entries.push({ position: n + 1, resource: res, fullUrl: typeof url === "string" ? url : "" });
    });
    kind = typeof doc["type"] === "string" ? doc["type"] : "";
  } else {
    entries.push({ position: 1, resource: doc, fullUrl: "" });
  }
  for (const e of entries) {
    const hint = stu3Hint(e.resource);
    if (hint) throw new InvalidFhir(hint, where(e));
  }
  for (const e of entries) {
    checkShape(e);
    checkDates(e, kind === "resource");
  }
  checkReferences(entries);
  const ts = doc["timestamp"];
  return { kind, entries, timestamp: typeof ts === "string" ? ts : "" };
}

/** The dossier as an HL7 IPS document bundle (clinical/fhir/ips.py, the same bundle): each
 * item becomes the resource it was imported from (``body.fhir.json``), its references to the
 * patient pointing at the bundle's Patient and any other reduced to a display, or else a
 * minimal resource from its title, date and codes. Sections: allergies 48765-2, medications
 * 10160-0, problems 11450-4, immunizations 11369-6, results 30954-2, procedures 47519-4; an
 * empty one carries ``emptyReason`` (``withheld`` when the reader was not given it).
 * The caller passes only what may be shown (never a masked item or a personal note). */

import { toHex, utf8 } from "../bytes.js";
import { sha256 } from "../request.js";
import { type JsonValue, parseJson, pyDumps, pyStr, truthy } from "./json.js";
import { isObject } from "./reader.js";

const LOINC = "http://loinc.org";
const EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason";
const PS_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1";
export const IPS_SECTIONS: readonly [string, string, string, readonly string[]][] = [
  ["48765-2", "Allergies and intolerances", "allergies", ["AllergyIntolerance"]],
  ["10160-0", "Medication summary", "current_treatments", ["MedicationStatement", "MedicationRequest"]],
  ["11450-4", "Problem list", "medical_history", ["Condition"]],
  ["11369-6", "History of immunizations", "vaccinations", ["Immunization"]],
  ["30954-2", "Results", "exam_results", ["Observation", "DiagnosticReport"]],
  ["47519-4", "History of procedures", "care_history", ["Procedure"]],
];
const PATIENT_KEYS = new Set(["subject", "patient"]);
const TELECOM = new Set(["phone", "email", "fax", "sms", "url", "pager", "other"]);

export interface ExportItem {
  itemId: string;
  section: string;
  type: string;
  title: string;
  date: string;
  body: Record<string, unknown>;
}

export interface IpsAuthor {
  kind: "patient" | "professional";
  psId: string;
  name: string;
}

type Obj = { [key: string]: unknown };

/** A UUID (version 4 bits) from the SHA-256 of the parts, as Python's ``_uuid``. */
export function stableUuid(...parts: string[]): string {
  const b = sha256(utf8(parts.join("\0"))).slice(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function codeable(item: ExportItem): Obj {
  const codes = (Array.isArray(item.body["codes"]) ? item.body["codes"] : [])
    .filter((c): c is Obj => isObject(c) && truthy(c["code"]))
    .map((c) => Object.fromEntries(["system", "code", "display"].filter((k) => truthy(c[k]))
      .map((k) => [k, c[k]])));
  const out: Obj = { text: item.title };
  if (codes.length) out["coding"] = codes;
  return out;
}

function rewrite(value: unknown, patientUrl: string, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, patientUrl, key));
  if (isObject(value)) {
    if ("reference" in value && typeof value["reference"] === "string") {
      if (PATIENT_KEYS.has(key)) return { reference: patientUrl };
      return { display: truthy(value["display"]) ? pyStr(value["display"]) : "not included in this summary" };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, patientUrl, k)]));
  }
  return value;
}

function fromOriginal(item: ExportItem, types: readonly string[], patientUrl: string,
  rid: string): Obj | null {
  const fhir = item.body["fhir"];
  if (!isObject(fhir) || !types.includes(fhir["type"] as string)) return null;
  let res: JsonValue;
  try {
    res = parseJson(pyStr(fhir["json"] ?? ""));
  } catch {
    return null;
  }
  if (!isObject(res)) return null;
  let out: Obj = { ...res };
  const med = item.body["medication"];
  if ("medicationReference" in out && typeof med === "string") {
    const m = parseJson(med);
    delete out["medicationReference"];
    const code = isObject(m) ? m["code"] : undefined;
    out["medicationCodeableConcept"] = truthy(code) ? code : { text: item.title };
  }
  out = rewrite(out, patientUrl) as Obj;
  delete out["meta"];
  delete out["text"];
  out["id"] = rid;
  return out;
}

function minimal(item: ExportItem, section: string, patientUrl: string, rid: string): Obj {
  const subject = { reference: patientUrl };
  const concept = codeable(item);
  const date = item.date;
  switch (section) {
    case "allergies":
      return { resourceType: "AllergyIntolerance", id: rid, patient: subject, code: concept, onsetDateTime: date };
    case "current_treatments":
      return { resourceType: "MedicationStatement", id: rid, status: "active", subject,
        medicationCodeableConcept: concept, effectiveDateTime: date };
    case "medical_history":
      return { resourceType: "Condition", id: rid, subject, code: concept, onsetDateTime: date };
    case "vaccinations":
      return { resourceType: "Immunization", id: rid, status: "completed", patient: subject,
        vaccineCode: concept, occurrenceDateTime: date };
    case "exam_results": {
      const value = item.body["value"];
      const res: Obj = { resourceType: "Observation", id: rid, status: "final", code: concept, subject,
        effectiveDateTime: date };
      if (typeof value === "string" && value) res["valueString"] = value;
      return res;
    }
    default:
      return { resourceType: "Procedure", id: rid, status: "completed", subject, code: concept,
        performedDateTime: date };
  }
}

function exported(item: ExportItem, section: string): boolean {
  if (section === "care_history") return item.type === "procedure";
  if (section === "current_treatments") return item.body["active"] !== false;
  return true;
}

const narrative = (n: number): Obj => ({ status: "generated",
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${n} entr${n === 1 ? "y" : "ies"}</div>` });

function patient(dossierId: string, urlId: string, contacts: ExportItem[]): Obj {
  const res: Obj = { resourceType: "Patient", id: urlId,
    identifier: [{ system: "urn:carnet:dossier", value: dossierId }] };
  const found = contacts.map((c) => {
    const name = c.body["name"];
    const entry: Obj = { name: { text: truthy(name) ? pyStr(name) : c.title } };
    const telecom = [];
    for (const t of Array.isArray(c.body["telecom"]) ? c.body["telecom"] : []) {
      const text = pyStr(t);
      const at = text.indexOf(": ");
      const [system, value] = at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 2)];
      if (value && TELECOM.has(system)) telecom.push({ system, value });
    }
    if (telecom.length) entry["telecom"] = telecom;
    return entry;
  });
  if (found.length) res["contact"] = found;
  return res;
}

/** The IPS document bundle. ``shown``: the Carnet sections the reader holds (the others are
 * ``withheld``); ``now``: an ISO 8601 instant with its offset. */
export function build(items: readonly ExportItem[], o: { dossierId: string; shown: Iterable<string>;
  author: IpsAuthor; now: string }): Obj {
  const shown = new Set(o.shown);
  const { dossierId, author, now } = o;
  const pid = stableUuid("patient", dossierId);
  const patientUrl = `urn:uuid:${pid}`;
  const aid = stableUuid("author", dossierId, author.kind, author.psId);
  let authorRes: Obj | null = null;
  let authorUrl = patientUrl;
  if (author.kind === "professional") {
    authorRes = { resourceType: "Practitioner", id: aid,
      identifier: [{ system: PS_ID_SYSTEM, value: author.psId }], name: [{ text: author.name || author.psId }] };
    authorUrl = `urn:uuid:${aid}`;
  }
  const entries: Obj[] = [];
  const sections: Obj[] = [];
  for (const [code, title, section, types] of IPS_SECTIONS) {
    const refs: Obj[] = [];
    for (const item of items) {
      if (!shown.has(section) || !exported(item, section) || item.section !== section) continue;
      const rid = stableUuid("item", dossierId, item.itemId);
      const res = fromOriginal(item, types, patientUrl, rid) ?? minimal(item, section, patientUrl, rid);
      entries.push({ fullUrl: `urn:uuid:${rid}`, resource: res });
      refs.push({ reference: `urn:uuid:${rid}` });
    }
    const sec: Obj = { title, code: { coding: [{ system: LOINC, code }] }, text: narrative(refs.length) };
    if (refs.length) {
      sec["entry"] = refs;
    } else {
      const reason = shown.has(section) ? "unavailable" : "withheld";
      sec["emptyReason"] = { coding: [{ system: EMPTY_REASON, code: reason }] };
    }
    sections.push(sec);
  }
  const contacts = shown.has("emergency_contacts") ? items.filter((i) => i.section === "emergency_contacts") : [];
  const composition = { resourceType: "Composition", id: stableUuid("composition", dossierId, now),
    status: "final", type: { coding: [{ system: LOINC, code: "60591-5", display: "Patient summary Document" }] },
    subject: { reference: patientUrl }, date: now, author: [{ reference: authorUrl }],
    title: "International Patient Summary", section: sections };
  const head: Obj[] = [{ fullUrl: `urn:uuid:${composition.id}`, resource: composition },
    { fullUrl: patientUrl, resource: patient(dossierId, pid, contacts) }];
  if (authorRes) head.push({ fullUrl: authorUrl, resource: authorRes });
  return { resourceType: "Bundle", id: stableUuid("bundle", dossierId, now),
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${stableUuid("bundle-id", dossierId, now)}` },
    type: "document", timestamp: now, entry: [...head, ...entries] };
}

/** The bundle as the Python client writes it (``json.dumps(..., indent=1)``, UTF-8). */
export function ipsText(bundle: Obj): string {
  return pyDumps(bundle, { indent: 1 });
}

/** ``datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")``. */
export function instant(now: number): string {
  return `${new Date(now * 1000).toISOString().slice(0, 19)}+00:00`;
}

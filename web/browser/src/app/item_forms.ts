/** The typed forms of the patient's items: the body fields each item type asks for, with
 * the Python CLI's names (web/client/reading.py reads them first, so both clients agree),
 * their labels, and the title taken from the main field when the patient leaves it out. */

import { el, msg } from "./dom.js";

export interface Field {
  name: string;
  kind?: "text" | "textarea" | "date" | "select" | "tel";
  options?: readonly string[];
}

const SEVERITY = ["items.severity.mild", "items.severity.moderate", "items.severity.severe"];
const ALLERGY: Field[] = [{ name: "substance" }, { name: "reaction" },
  { name: "severity", kind: "select", options: SEVERITY }];
const REPORT: Field[] = [{ name: "conclusion", kind: "textarea" }];
/** The body fields each type's form asks for (web/client/reading.py reads them first). */
const FORMS: Record<string, Field[]> = {
  blood_group: [{ name: "abo", kind: "select", options: ["A", "B", "AB", "O"] },
    { name: "rhesus", kind: "select", options: ["+", "-"] }],
  allergy: ALLERGY, intolerance: ALLERGY,
  medication: [{ name: "medication" }, { name: "dosage" }, { name: "since", kind: "date" }],
  prescription: [{ name: "medication" }, { name: "dosage" }, { name: "duration" },
    { name: "prescriber" }],
  contact: [{ name: "name" }, { name: "relation" }, { name: "phone", kind: "tel" }],
  trusted_person: [{ name: "name" }, { name: "relationship" }, { name: "phone", kind: "tel" }],
  advance_directive: [{ name: "text", kind: "textarea" }, { name: "location" }],
  lab_result: [{ name: "value" }, { name: "unit" }, { name: "reference_range" }],
  measurement: [{ name: "value" }, { name: "unit" }],
  vaccination: [{ name: "vaccine" }, { name: "dose" }, { name: "lot" }],
  consultation_report: REPORT, discharge_summary: REPORT,
  note: [{ name: "text", kind: "textarea" }],
};
const OTHER: Field[] = [{ name: "note", kind: "textarea" }];
/** Types whose title may be left out: it is taken from this field. */
export const TITLE_FROM: Record<string, string> = { allergy: "substance", intolerance: "substance",
  medication: "medication", prescription: "medication", contact: "name", trusted_person: "name",
  vaccination: "vaccine" };

export const formOf = (type: string): Field[] => FORMS[type] ?? OTHER;

export function known(key: string, fallback: string): string {
  const text = msg(key);
  return text === key ? fallback : text;
}

export const fieldLabel = (name: string): string => known(`items.field.${name}`, name.replaceAll("_", " "));
export const typeLabel = (type: string): string => known(`items.type.${type}`, type);

export function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return msg(value ? "items.yes" : "items.no");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function control(id: string, f: Field, value: string): HTMLElement {
  if (f.kind === "textarea") {
    const t = el("textarea", { id, name: f.name, rows: "3", "data-field": f.name }) as HTMLTextAreaElement;
    t.value = value;
    return t;
  }
  if (f.kind === "select") {
    const options = (f.options ?? []).map((o) => (o.startsWith("items.") ? msg(o) : o));
    if (value && !options.includes(value)) options.push(value);
    const s = el("select", { id, name: f.name, "data-field": f.name },
      el("option", { value: "" }, msg("items.choose")),
      ...options.map((o) => el("option", { value: o }, o))) as HTMLSelectElement;
    s.value = value;
    return s;
  }
  const type = f.kind === "date" ? "date" : f.kind === "tel" ? "tel" : "text";
  const i = el("input", { id, name: f.name, type, "data-field": f.name,
    ...(f.kind === "tel" ? { autocomplete: "off", inputmode: "tel" } : {}) }) as HTMLInputElement;
  i.value = value;
  return i;
}

/** Label and control for each field, ids ``<prefix>-f-<name>``, filled from ``body``. */
export function fieldInputs(prefix: string, fields: Field[], body: Record<string, unknown>): HTMLElement[] {
  return fields.flatMap((f) => {
    const id = `${prefix}-f-${f.name}`;
    return [el("label", { for: id }, fieldLabel(f.name)), control(id, f, text(body[f.name]))];
  });
}

export function readFields(root: HTMLElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of root.querySelectorAll<HTMLInputElement>("[data-field]")) {
    out[c.dataset["field"] as string] = c.value.trim();
  }
  return out;
}

/** The title when the patient left it empty, from the type's main field. */
export function derivedTitle(type: string, fields: Record<string, string>): string {
  if (type === "blood_group") {
    const group = `${fields["abo"] ?? ""}${fields["rhesus"] ?? ""}`;
    return group ? msg("items.blood_title", { group }) : "";
  }
  const from = TITLE_FROM[type];
  return from ? fields[from] ?? "" : "";
}

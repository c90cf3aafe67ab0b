/** The dossier's ten sections (vault/sections.py), in their fixed order, and the types each
 * accepts. The order matters: it is the consent bitmask's (docs/formats.md). */

export const SECTIONS = [
  "care_history", "medical_history", "exam_results", "current_treatments", "allergies",
  "blood_group", "vaccinations", "advance_directives", "emergency_contacts", "personal_notes",
] as const;
export type Section = (typeof SECTIONS)[number];

const GENERIC = ["document", "note", "identity"];

export const ITEM_TYPES: Record<Section, readonly string[]> = {
  care_history: ["consultation_report", "hospital_stay", "procedure", "discharge_summary",
    "encounter", ...GENERIC],
  medical_history: ["condition", "surgery", "family_history", ...GENERIC],
  exam_results: ["lab_result", "imaging", "exam_result", "observation", ...GENERIC],
  current_treatments: ["medication", "prescription", ...GENERIC],
  allergies: ["allergy", "intolerance", ...GENERIC],
  blood_group: ["blood_group", ...GENERIC],
  vaccinations: ["vaccination", ...GENERIC],
  advance_directives: ["advance_directive", "trusted_person", ...GENERIC],
  emergency_contacts: ["contact", ...GENERIC],
  personal_notes: ["note", "document", "measurement", "identity"],
};

export const EMERGENCY_SUMMARY: readonly Section[] = [
  "blood_group", "allergies", "current_treatments", "advance_directives", "emergency_contacts",
];

export function isSection(value: string): value is Section {
  return (SECTIONS as readonly string[]).includes(value);
}

export function parseSection(value: string): Section {
  const v = value.trim().toLowerCase().replaceAll("-", "_");
  if (!isSection(v)) throw new RangeError(`unknown section ${JSON.stringify(value.slice(0, 40))}`);
  return v;
}

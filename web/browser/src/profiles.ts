/** Default sections per profession and duration presets for a grant (consent/profiles.py);
 * the patient can always choose otherwise. */

import { type Section, SECTIONS } from "./sections.js";

const ALL_BUT_NOTES = SECTIONS.filter((s) => s !== "personal_notes");

export const DEFAULT_SECTIONS: Record<string, readonly Section[]> = {
  "medecin": ALL_BUT_NOTES,
  "pharmacien": ["current_treatments", "allergies"],
  "infirmier": ["current_treatments", "allergies", "care_history", "exam_results"],
  "masseur-kinesitherapeute": ["medical_history", "care_history", "allergies"],
  "sage-femme": ["medical_history", "exam_results", "current_treatments", "allergies",
    "blood_group", "vaccinations"],
  "chirurgien-dentiste": ["current_treatments", "allergies", "medical_history"],
  "biologiste": ["exam_results", "current_treatments"],
};

export const DURATIONS: Record<string, number> = { consultation: 4 * 3600, "30d": 30 * 86400,
  "90d": 90 * 86400, "1y": 365 * 86400 };

export function professionKey(profession: string): string {
  return profession.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .trim().split(/\s+/).join("-");
}

/** Unknown professions get the safety minimum: allergies and current treatments. */
export function defaultSections(profession: string): Section[] {
  return [...(DEFAULT_SECTIONS[professionKey(profession)] ?? ["allergies", "current_treatments"])];
}

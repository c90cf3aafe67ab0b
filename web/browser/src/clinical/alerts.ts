/** Alert rules (clinical/alerts.py, P11): interactions between treatments (ANSM thesaurus,
 * directly or through classes), drug allergies (by substance and by family, with
 * cross-reactivity), and notices when the view is partial. Pure: the index and the decrypted
 * items' codes are passed in. `tests/vectors/clinical.json` holds the cases both clients
 * pass, and tests/clinical/test_browser_alerts.py checks the two agree on the Synthea set.
 *
 * Each alert's `text` is the Python client's (English, the thesaurus' own French text for an
 * interaction); `key` and `args` let a page say it in its own words: `key` is one of
 * `clinical.alert_interaction` {first, second, matched, levels} (the text is the
 * thesaurus'), `clinical.alert_allergy_same` {allergy, drug, substance},
 * `clinical.alert_allergy_family` {allergy, drug, family, substance},
 * `clinical.alert_allergy_cross` {allergy, drug, family, other, substance},
 * `clinical.alert_unchecked_missing` {drug, substances}, `clinical.alert_unchecked_product`
 * {drug}, `clinical.alert_unchecked_code` {drug},
 * `clinical.alert_partial_masking`, `clinical.alert_partial_masked` {count},
 * `clinical.alert_partial_sections` {sections} / `clinical.alert_partial_sections_checks`
 * {sections} (allergies or treatments among them). */

import { type Family, type Index, type Interaction, type Level, levelRank } from "./index.js";
import { normalise } from "./text.js";

export const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

export interface Code {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** A treatment or an allergen as the rules see it: a name, its codes, and where it comes from
 * (an item id, or `new` for a prescription being written). */
export interface Substance {
  readonly name: string;
  readonly codes: readonly Code[];
  readonly ref: string;
}

/** What the reader cannot see. `masked`: how many items are masked, or null when the reader
 * cannot know (a professional: masked items never reach them); `missing`: the sections the
 * grant does not carry. */
export interface View {
  readonly masked: number | null;
  readonly missing: readonly string[];
}

export type AlertKind = "interaction" | "allergy" | "unchecked" | "partial_view";

/** One alert, as clinical.alerts.Alert. `drugs`: the two treatments (interaction), or the
 * allergy then the drug (allergy); `matched`: the ANSM substances or classes (or allergy
 * families) that matched, one per drug; `levels`: every level the entry gives, `level` the
 * most severe; `details`: the thesaurus' condition per level (interaction) or the sections
 * not shared (partial view); `mechanism`: the thesaurus' mechanism (interactions). */
export interface Alert {
  readonly kind: AlertKind;
  readonly level: Level | null;
  readonly levels: readonly Level[];
  readonly text: string;
  readonly drugs: readonly Substance[];
  readonly matched: readonly string[];
  readonly details: readonly string[];
  readonly mechanism: string;
  readonly key: string;
  readonly args: Readonly<Record<string, string>>;
}

const KIND_ORDER: Record<string, number> = { allergy: 0, interaction: 1, unchecked: 2, partial_view: 3 };

function alert(a: Partial<Alert> & Pick<Alert, "kind" | "text" | "key">): Alert {
  return { level: null, levels: [], drugs: [], matched: [], details: [], mechanism: "", args: {}, ...a };
}

/** The alert as the CLI's `--json` prints it (clinical.alerts.Alert.json). */
export function alertJson(a: Alert): Record<string, unknown> {
  return { kind: a.kind, level: a.level, levels: [...a.levels],
    drugs: a.drugs.map((d) => ({ name: d.name, ref: d.ref,
      codes: d.codes.map((c) => ({ system: c.system, code: c.code })) })),
    matched: [...a.matched], text: a.text, details: [...a.details] };
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Python's sort key: kind, level, drug names, matched, text. */
function compareAlerts(x: Alert, y: Alert): number {
  return (KIND_ORDER[x.kind] ?? 9) - (KIND_ORDER[y.kind] ?? 9)
    || (x.level ? levelRank(x.level) : 9) - (y.level ? levelRank(y.level) : 9)
    || cmp(x.drugs.map((d) => d.name).join(" "), y.drugs.map((d) => d.name).join(" "))
    || cmp(x.matched.join(" "), y.matched.join(" "))
    || cmp(x.text, y.text);
}

function isRxnorm(system: string): boolean {
  return system === RXNORM || system === "" || system.endsWith("/rxnorm");
}

// ------------------------------------------------------------------ resolution
/** The ANSM substances (normalised) of a drug: by RxNorm code first, else by exact
 * substance name. */
export function substancesOf(drug: Substance, index: Index): string[] {
  const found: string[] = [];
  for (const c of drug.codes) {
    if (!isRxnorm(c.system)) continue;
    for (const s of index.substancesForCode(c.code)) if (!found.includes(s)) found.push(s);
  }
  if (found.length === 0 && !drug.codes.some((c) => (c.system === RXNORM || c.system === "")
    && index.rxnorm.has(c.code))) {
    let sub = index.substance(drug.name);
    const head = withoutStrength(drug.name);
    if (sub === null && head) sub = index.substance(head);
    if (sub !== null) found.push(sub);
  }
  return found;
}

/** A treatment's name as a patient types it, without its strength and form: the words before
 * the first one with a digit ("Warfarine 5 mg" -> "Warfarine"); "" when there is none to
 * drop (clinical/alerts.py ``_without_strength``; words split as Python's ``str.split``). */
export function withoutStrength(name: string): string {
  const words = name.split(/[\s\u001c-\u001f\u0085]+/).filter((w) => w !== "");
  const n = words.findIndex((w) => /[0-9]/.test(w));
  return n < 0 ? "" : words.slice(0, n).join(" ");
}

/** True when the code is in the index even with no ANSM substance (e.g. loratadine). */
function known(drug: Substance, index: Index): boolean {
  return drug.codes.some((c) => isRxnorm(c.system) && index.rxnorm.has(c.code));
}

/** family key -> the substance that puts the drug in it. */
function familiesOfSubstances(subs: Iterable<string>, index: Index): Map<string, string> {
  const found = new Map<string, string>();
  for (const sub of subs) {
    for (const fam of index.families.values()) {
      if (fam.members.has(sub) && !found.has(fam.key)) found.set(fam.key, sub);
    }
  }
  return found;
}

function allergyFamilies(allergy: Substance, subs: readonly string[], index: Index): Map<string, string> {
  const found = familiesOfSubstances(subs, index);
  const name = normalise(allergy.name);
  const codes = allergy.codes.map((c) => `${c.system}|${c.code}`);
  for (const fam of index.families.values()) {
    if ((fam.names.has(name) || codes.some((c) => fam.codes.has(c))) && !found.has(fam.key)) {
      found.set(fam.key, fam.label);
    }
  }
  return found;
}

interface Resolved {
  drug: Substance;
  subs: readonly string[];
  /** other term -> (entry, sub, term) */
  partners: Map<string, [Interaction, string, string][]>;
  /** term (substance or class) -> its substances */
  termSubs: Map<string, string[]>;
}

function resolve(drug: Substance, index: Index): Resolved {
  const partners = new Map<string, [Interaction, string, string][]>();
  const subs = substancesOf(drug, index);
  const termSubs = new Map<string, string[]>();
  for (const sub of subs) {
    for (const term of index.terms(sub)) {
      termSubs.set(term, [...(termSubs.get(term) ?? []), sub]);
      for (const [other, entry] of index.partners(term)) {
        const list = partners.get(other);
        if (list) list.push([entry, sub, term]);
        else partners.set(other, [[entry, sub, term]]);
      }
    }
  }
  return { drug, subs, partners, termSubs };
}

// ------------------------------------------------------------------ rules
function pair(x: Resolved, y: Resolved, index: Index): Alert[] {
  const found = new Map<Interaction, Alert>();
  // Sorted as in Python: an entry between two classes both drugs belong to matches either
  // way round, and the first way in this order is the one reported.
  for (const termY of [...x.partners.keys()].filter((t) => y.termSubs.has(t)).sort(cmp)) {
    const subsY = y.termSubs.get(termY) as string[];
    const entries = x.partners.get(termY) as [Interaction, string, string][];
    for (const subY of subsY) {
      for (const [entry, subX, termX] of entries) {
        if (subX === subY || found.has(entry)) continue; // two products of one substance
        if (!sameTerms(entry, termX, termY)) continue;
        const levels = [...new Set(entry.levels.map(([lv]) => lv))].sort((p, q) => levelRank(p) - levelRank(q));
        const matched = [index.display(termX), index.display(termY)];
        found.set(entry, alert({ kind: "interaction", level: entry.level, levels, text: entry.text,
          drugs: [x.drug, y.drug], matched, mechanism: entry.mechanism,
          details: entry.levels.filter(([, info]) => info).map(([lv, info]) => `${lv}: ${info}`),
          key: "clinical.alert_interaction",
          args: { first: x.drug.name, second: y.drug.name, matched: matched.join(" / "),
            levels: levels.join(", ") } }));
      }
    }
  }
  return [...found.values()];
}

function sameTerms(entry: Interaction, termX: string, termY: string): boolean {
  const e = new Set([entry.a, entry.b]);
  const t = new Set([termX, termY]);
  return e.size === t.size && [...e].every((v) => t.has(v));
}

interface Allergen {
  allergy: Substance;
  subs: ReadonlySet<string>;
  families: Map<string, string>;
}

function allergen(allergy: Substance, index: Index): Allergen {
  const subs = substancesOf(allergy, index);
  return { allergy, subs: new Set(subs), families: allergyFamilies(allergy, subs, index) };
}

function allergyAlert(al: Allergen, drug: Resolved, drugFams: Map<string, string>,
  index: Index): Alert | null {
  const allergy = al.allergy;
  const same = drug.subs.find((s) => al.subs.has(s));
  const base = { kind: "allergy" as const, drugs: [allergy, drug.drug] };
  const names = { allergy: allergy.name, drug: drug.drug.name };
  if (same !== undefined) {
    const shown = index.display(same);
    return alert({ ...base, level: "contre-indication", levels: ["contre-indication"],
      matched: [shown, shown], text: `allergy to ${shown}, which this drug contains`,
      key: "clinical.alert_allergy_same", args: { ...names, substance: shown } });
  }
  const shared = [...drugFams.keys()].find((f) => al.families.has(f));
  if (shared !== undefined) {
    const fam = index.families.get(shared) as Family;
    const shown = index.display(drugFams.get(fam.key) as string);
    return alert({ ...base, level: "contre-indication", levels: ["contre-indication"],
      matched: [fam.label, shown], text: `allergy to the ${fam.label}: ${shown} is one of them`,
      key: "clinical.alert_allergy_family", args: { ...names, family: fam.label, substance: shown } });
  }
  let best: [Level, Family, Family] | null = null;
  for (const key of al.families.keys()) {
    const fam = index.families.get(key) as Family;
    for (const [other, level] of fam.cross) {
      if (drugFams.has(other) && (best === null || levelRank(level) < levelRank(best[0]))) {
        best = [level, fam, index.families.get(other) as Family];
      }
    }
  }
  if (best === null) return null;
  const [level, fam, otherFam] = best;
  const shown = index.display(drugFams.get(otherFam.key) as string);
  return alert({ ...base, level, levels: [level], matched: [fam.label, shown],
    text: `allergy to the ${fam.label}: possible cross-reactivity with the ${otherFam.label} (${shown})`,
    key: "clinical.alert_allergy_cross", args: { ...names, family: fam.label, other: otherFam.label, substance: shown } });
}

function allergyAlerts(allergens: readonly Allergen[], drug: Resolved, index: Index): Alert[] {
  if (allergens.length === 0) return [];
  const fams = familiesOfSubstances(drug.subs, index);
  const out: Alert[] = [];
  for (const al of allergens) {
    const hit = allergyAlert(al, drug, fams, index);
    if (hit !== null) out.push(hit);
  }
  return out;
}

function unchecked(drugs: readonly Resolved[], index: Index): Alert[] {
  const out: Alert[] = [];
  for (const r of drugs) {
    const missing = r.subs.filter((s) => index.notInThesaurus.has(s));
    if (r.subs.length > 0 && missing.length === 0) continue;
    let why: string;
    let key: string;
    if (missing.length > 0) {
      why = `${missing.join(", ")} not in the ANSM thesaurus`;
      key = "clinical.alert_unchecked_missing";
    } else if (known(r.drug, index)) {
      why = "no ANSM substance for this product (see the product table)";
      key = "clinical.alert_unchecked_product";
    } else {
      why = "its code is not in the interaction index";
      key = "clinical.alert_unchecked_code";
    }
    out.push(alert({ kind: "unchecked", drugs: [r.drug], matched: missing,
      text: `not (fully) checked for interactions: ${why}`, key,
      args: { drug: r.drug.name, substances: missing.join(", ") } }));
  }
  return out;
}

/** Notices for what the reader does not see. */
export function partialView(view: View): Alert[] {
  const notes: Alert[] = [];
  if (view.masked === null) {
    notes.push(alert({ kind: "partial_view", matched: ["masking"], key: "clinical.alert_partial_masking",
      text: "the patient may have masked items: masking may hide allergies or treatments these "
        + "checks cannot see" }));
  } else if (view.masked) {
    notes.push(alert({ kind: "partial_view", matched: ["masked"], key: "clinical.alert_partial_masked",
      text: `${view.masked} masked item(s) are not checked`, args: { count: String(view.masked) } }));
  }
  if (view.missing.length > 0) {
    const missing = [...new Set(view.missing)].sort(cmp);
    const checks = missing.includes("allergies") || missing.includes("current_treatments");
    notes.push(alert({ kind: "partial_view", matched: ["sections"], details: missing,
      text: `sections not shared with you: ${missing.join(", ")}`
        + (checks ? "; allergy and interaction checks are incomplete" : ""),
      key: checks ? "clinical.alert_partial_sections_checks" : "clinical.alert_partial_sections",
      args: { sections: missing.join(", ") } }));
  }
  return notes;
}

/** Every alert for a dossier as read: each pair of active treatments, each allergy against
 * each treatment, unchecked treatments, and partial-view notices. Most severe first,
 * allergies before interactions. */
export function review(treatments: readonly Substance[], allergies: readonly Substance[],
  index: Index, view: View = { masked: 0, missing: [] }): Alert[] {
  const resolved = treatments.map((t) => resolve(t, index));
  const allergens = allergies.map((a) => allergen(a, index));
  const alerts: Alert[] = [];
  resolved.forEach((x, i) => {
    for (const y of resolved.slice(i + 1)) alerts.push(...pair(x, y, index));
    alerts.push(...allergyAlerts(allergens, x, index));
  });
  alerts.push(...unchecked(resolved, index));
  alerts.sort(compareAlerts);
  return [...alerts, ...partialView(view)];
}

/** The alerts a new prescription raises against the active treatments and the allergies
 * (not those already between active treatments). `next` comes first in each interaction's
 * `drugs`. */
export function checkSubstance(next: Substance, treatments: readonly Substance[],
  allergies: readonly Substance[], index: Index, view: View = { masked: 0, missing: [] }): Alert[] {
  const fresh = resolve(next, index);
  const alerts: Alert[] = [];
  for (const t of treatments) alerts.push(...pair(fresh, resolve(t, index), index));
  alerts.push(...allergyAlerts(allergens(allergies, index), fresh, index));
  alerts.push(...unchecked([fresh], index));
  alerts.sort(compareAlerts);
  return [...alerts, ...partialView(view)];
}

function allergens(allergies: readonly Substance[], index: Index): Allergen[] {
  return allergies.map((a) => allergen(a, index));
}

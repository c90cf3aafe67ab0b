/** The dossier a consent opened, as the professional sees it (web/client/reading.py and
 * ``carnet pro scan``): whose dossier, the alerts banner first (clinical/items.ts on the
 * decrypted items), the partial-view notice (the patient may have masked items; the sections
 * the grant leaves out), then each granted section in reading order, the care history within
 * 24 months (older on request), attachments to view or download. DOM from text nodes only. */

import type { Alert } from "../clinical/alerts.js";
import { type Index, LEVELS, partialView, reviewItems, withinWindow } from "../clinical/items.js";
import type { Item } from "../item.js";
import type { ScannedDossier } from "../pro.js";
import { SECTIONS, type Section } from "../sections.js";
import { $, el, msg } from "./dom.js";

/** Reading order: what matters in an emergency first (web/client/reading.py ``_ORDER``). */
export const READING_ORDER: readonly Section[] = ["allergies", "current_treatments", "blood_group",
  "advance_directives", "emergency_contacts", "medical_history", "care_history", "exam_results",
  "vaccinations", "personal_notes"];

export interface DossierOptions {
  index: Index | null;
  indexError: string;
  showOlder: boolean;
  today: string; // ISO date
  authors: ReadonlyMap<string, string>; // ps_id -> "name, profession" (countersigned)
  onOlder: () => void;
  onAttachment: (item: Item, open: boolean) => void;
}

const isIdentity = (i: Item): boolean => i.type === "identity";

function identityOf(items: readonly Item[]): { name: string; birth: string } | null {
  const own = items.filter((i) => isIdentity(i) && i.author.kind === "patient"
    && typeof i.body["name"] === "string" && typeof i.body["birth_date"] === "string")
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  return own ? { name: own.body["name"] as string, birth: own.body["birth_date"] as string } : null;
}

function levelLabel(a: Alert): string {
  const n = a.level ? LEVELS.indexOf(a.level) : -1;
  return n >= 0 ? msg(`pro.level_${n}`) : "";
}

function alertRow(a: Alert): HTMLElement {
  const names = a.drugs.map((d) => d.name);
  const level = levelLabel(a);
  const head = a.kind === "interaction" ? msg("pro.alert_interaction", { drugs: names.join(" + ") })
    : a.kind === "allergy" ? msg("pro.alert_allergy", { allergy: names[0] ?? "", drug: names[1] ?? "" })
      : msg("pro.alert_unchecked", { drug: names.join(", ") });
  const cls = a.kind === "unchecked" ? "pro-alert unchecked"
    : `pro-alert level-${a.level ? LEVELS.indexOf(a.level) : 9}`;
  return el("li", { class: cls, "data-alert": a.kind, "data-level": a.level ?? "" },
    level ? el("strong", { class: "pro-level" }, level) : null,
    el("span", { class: "pro-alert-head" }, head),
    a.kind === "interaction" ? el("span", { class: "meta" }, msg("pro.alert_matched",
      { matched: a.matched.join(" / "), levels: a.levels.join(", ") })) : null,
    a.kind === "allergy" ? el("span", { class: "meta" }, a.matched.join(" / ")) : null,
    a.kind !== "allergy" && a.text ? el("span", { class: "pro-alert-text", lang: a.kind === "interaction" ? "fr" : "en" }, a.text) : null,
    ...(a.kind === "interaction" ? a.details.map((d) => el("span", { class: "meta", lang: "fr" }, d)) : []));
}

function renderAlerts(d: ScannedDossier, shown: readonly Item[], o: DossierOptions): void {
  const list = $("#pv-alert-list");
  let alerts: Alert[] = [];
  if (o.index) {
    alerts = reviewItems(shown, o.index, { carried: d.sections, masked: null })
      .filter((a) => a.kind !== "partial_view");
  }
  list.replaceChildren(...alerts.map(alertRow));
  if (!o.index) list.append(el("li", { class: "pro-alert unchecked" }, msg("pro.alerts_unavailable", { detail: o.indexError })));
  else if (!alerts.length) list.append(el("li", { class: "pro-alert none" }, msg("pro.alerts_none")));
  $("#pv-alerts").classList.toggle("has-alerts", alerts.some((a) => a.kind !== "unchecked"));
}

function renderPartial(d: ScannedDossier): void {
  const missing = SECTIONS.filter((s) => !d.sections.has(s));
  const notes = partialView({ masked: null, missing });
  const sections = notes.find((n) => n.matched.includes("sections"));
  const box = $("#pv-missing");
  box.hidden = !sections;
  if (sections) {
    const labels = READING_ORDER.filter((s) => missing.includes(s)).map((s) => msg(`section.${s}`)).join(", ");
    box.textContent = msg("pro.partial_sections", { sections: labels })
      + (sections.key.endsWith("_checks") ? ` ${msg("pro.partial_checks")}` : "");
  }
  const bad = $("#pv-unreadable");
  bad.hidden = d.unreadable.length === 0;
  bad.textContent = d.unreadable.length ? msg("pro.unreadable", { count: String(d.unreadable.length) }) : "";
}

function valueText(v: unknown): string {
  if (typeof v === "string" || typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "✓" : "✗";
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) return v.join(", ");
  return JSON.stringify(v);
}

function details(i: Item): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(i.body)) {
    if (v === null || v === "" || (Array.isArray(v) && !v.length)) continue;
    if (k === "codes" && Array.isArray(v)) {
      const codes = v.filter((c): c is Record<string, unknown> => typeof c === "object" && c !== null)
        .map((c) => `${String(c["display"] ?? "")} (${String(c["code"] ?? "")})`.trim());
      if (codes.length) out.push(`codes : ${codes.join(", ")}`);
      continue;
    }
    out.push(`${k.replace(/_/g, " ")} : ${valueText(v)}`);
  }
  return out;
}

function itemRow(i: Item, o: DossierOptions): HTMLElement {
  const author = i.author.kind === "patient" ? msg("pro.by_patient")
    : msg("pro.by_pro", { name: o.authors.get(i.author.id ?? "") ?? (i.author.id ?? "?") });
  const att = i.attachment;
  let actions: HTMLElement | null = null;
  if (att) {
    const view = el("button", { type: "button", class: "secondary" }, msg("pro.attachment_view", { name: att.name }));
    view.addEventListener("click", () => o.onAttachment(i, true));
    const save = el("button", { type: "button", class: "secondary" }, msg("pro.attachment_download", { name: att.name }));
    save.addEventListener("click", () => o.onAttachment(i, false));
    actions = el("div", { class: "actions" }, view, save);
  }
  const lines = details(i);
  return el("li", { "data-item": i.itemId },
    el("div", { class: "item-head" }, el("span", { class: "item-title" }, i.title)),
    el("span", { class: "meta" }, `${i.date} · ${author}`),
    lines.length ? el("span", {}, lines.join(" · ")) : null, actions);
}

/** Draw the whole view; returns how many care-history items the window left out. */
export function renderDossier(d: ScannedDossier, o: DossierOptions): number {
  const who = identityOf(d.items);
  $("#pv-who").textContent = who ? msg("pro.dossier_who", { name: who.name, date: who.birth })
    : msg("pro.dossier_no_identity");
  $("#pv-who").classList.toggle("notice", !who);
  const until = new Date(d.expiresAt * 1000).toLocaleString(document.documentElement.lang || "fr",
    { dateStyle: "long", timeStyle: "short" });
  $("#pv-until").textContent = msg(d.write ? "pro.dossier_until_write" : "pro.dossier_until", { until });
  const all = d.items.filter((i) => !isIdentity(i));
  const [windowed, older] = withinWindow(all, { today: o.today });
  const shown = o.showOlder ? all : windowed;
  renderAlerts(d, all, o); // the checks read every item the grant opened, not only the window
  renderPartial(d);
  const root = $("#pv-sections");
  root.replaceChildren();
  for (const s of READING_ORDER) {
    if (!d.sections.has(s)) continue;
    const mine = shown.filter((i) => i.section === s)
      .sort((a, b) => b.date.localeCompare(a.date) || b.createdAt - a.createdAt);
    const empty = s === "allergies" ? msg("pro.empty_allergies") : msg("pro.empty");
    let more: HTMLElement | null = null;
    if (s === "care_history" && !o.showOlder && older > 0) {
      more = el("button", { type: "button", class: "secondary" }, msg("pro.show_older", { count: String(older) }));
      more.addEventListener("click", o.onOlder);
    }
    root.append(el("section", { class: "section", "aria-labelledby": `pv-h-${s}`, "data-section": s },
      el("h2", { id: `pv-h-${s}` }, msg(`section.${s}`)),
      s === "care_history" && !o.showOlder ? el("p", { class: "hint" }, msg("pro.history_window")) : null,
      mine.length ? el("ul", { class: "items" }, ...mine.map((i) => itemRow(i, o))) : el("p", { class: "hint" }, empty),
      more));
  }
  return o.showOlder ? 0 : older;
}

export function clearDossier(): void {
  for (const id of ["#pv-sections", "#pv-alert-list"]) $(id).replaceChildren();
  for (const id of ["#pv-who", "#pv-until", "#pv-missing", "#pv-unreadable"]) $(id).textContent = "";
}

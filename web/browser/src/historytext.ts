/** The verified history as people read it, in French or English: the same sentences as
 * web/client/history_text.py (checked on tests/vectors/history.json), one per event, with
 * the professional's name and profession from the countersigned directory, what was opened,
 * the result, the reason given for a break-glass, the patient's own actions as "Vous avez
 * ...", and dates as people write them (web/dates.py: "1er décembre 2026 à 14 h 05"). Pure:
 * events, readable detail (sealed notes opened, ``history.shownDetail``), people and item
 * titles in; text out. */

import type { AuditEvent, Detail, DetailValue, Person } from "./history.js";

export type Lang = "fr" | "en";

export const SECTION_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  care_history: ["historique des soins", "care history"],
  medical_history: ["antécédents", "medical history"],
  exam_results: ["résultats d'examens", "exam results"],
  current_treatments: ["traitements en cours", "current treatments"],
  allergies: ["allergies", "allergies"],
  blood_group: ["groupe sanguin", "blood group"],
  vaccinations: ["vaccinations", "vaccinations"],
  advance_directives: ["directives anticipées", "advance directives"],
  emergency_contacts: ["contacts d'urgence", "emergency contacts"],
  personal_notes: ["notes personnelles", "personal notes"],
};
const PROFESSIONS: Readonly<Record<string, readonly [string, string]>> = {
  medecin: ["médecin", "doctor"], pharmacien: ["pharmacien", "pharmacist"],
  infirmier: ["infirmier", "nurse"],
  "masseur-kinesitherapeute": ["masseur-kinésithérapeute", "physiotherapist"],
  "sage-femme": ["sage-femme", "midwife"],
  "chirurgien-dentiste": ["chirurgien-dentiste", "dentist"],
  biologiste: ["biologiste", "medical biologist"],
};
const MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre"];
const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
export const PARIS = "Europe/Paris";

/** What earlier events tell about later ones: who each grant was for, who left each deposit. */
export interface Story {
  grants: Map<string, string>;
  deposits: Map<string, string>;
}

export interface Context {
  people: ReadonlyMap<string, Person>;
  titles?: ReadonlyMap<string, string>;
  story?: Story;
  lang?: Lang;
  timeZone?: string;
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const sectionName = (s: string, lang: Lang): string | undefined =>
  own(SECTION_NAMES, s) ? (SECTION_NAMES[s] as readonly [string, string])[lang === "fr" ? 0 : 1] : undefined;

// --- dates (web/dates.py) -------------------------------------------------------------------

const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date and time of ``unix`` in ``timeZone`` (UTC if the browser does not know
 * the zone, as web/dates.py falls back). */
function moment(unix: number, timeZone: string): { year: number; month: number; day: number;
  hour: number; minute: number } {
  let f = formats.get(timeZone);
  if (!f) {
    const options = { year: "numeric", month: "numeric", day: "numeric", hour: "numeric",
      minute: "numeric", hourCycle: "h23" } as const;
    try {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    } catch {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    formats.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(unix * 1000));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? "0");
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour") % 24, minute: get("minute") };
}

/** "1er décembre 2026", "2 décembre 2026"; English "1 December 2026". */
export function dayText(unix: number, lang: Lang = "fr", timeZone = PARIS): string {
  const m = moment(unix, timeZone);
  if (lang === "en") return `${m.day} ${MONTHS_EN[m.month - 1]} ${m.year}`;
  return `${m.day === 1 ? "1er" : String(m.day)} ${MONTHS_FR[m.month - 1]} ${m.year}`;
}

/** "1er décembre 2026 à 14 h 05" ("14 h" on the hour); "1 December 2026 at 14:05". */
export function momentText(unix: number, lang: Lang = "fr", timeZone = PARIS): string {
  const m = moment(unix, timeZone);
  const day = dayText(unix, lang, timeZone);
  const two = (n: number): string => String(n).padStart(2, "0");
  if (lang === "en") return `${day} at ${two(m.hour)}:${two(m.minute)}`;
  return `${day} à ${m.hour} h${m.minute ? ` ${two(m.minute)}` : ""}`;
}

// --- pieces of sentences --------------------------------------------------------------------

const t = (lang: Lang, fr: string, en: string): string => (lang === "fr" ? fr : en);
const cap = (s: string): string => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
/** Python's ``str(value or "")``. */
const orEmpty = (v: DetailValue | undefined): string => (v === undefined || v === "" || v === 0 ? "" : String(v));
/** Python's ``str(d.get(key, fallback))``. */
const got = (d: Detail, key: string, fallback = ""): string => (d.has(key) ? String(d.get(key)) : fallback);

function plural(n: number, lang: Lang, fr: readonly [string, string], en: readonly [string, string]): string {
  const [one, many] = lang === "fr" ? fr : en;
  return `${n} ${n === 1 ? one : many}`;
}

function sections(value: DetailValue | undefined, lang: Lang): string {
  const shown = orEmpty(value).split(",").filter(Boolean).map((s) => sectionName(s, lang) ?? s);
  if (!shown.length) return t(lang, "aucune section", "no section");
  if (shown.length === 1) return shown[0] as string;
  return `${shown.slice(0, -1).join(", ")} ${t(lang, "et", "and")} ${shown[shown.length - 1]}`;
}

const short = (v: DetailValue | undefined): string => orEmpty(v).slice(0, 8);

/** "Médecin" -> "medecin", as the directory's professions are keyed. */
function professionKey(text: string): string {
  return text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase()
    .split(/[\s\x1c-\x1f]+/).filter(Boolean).join("-");
}

function person(actor: string, people: ReadonlyMap<string, Person>, lang: Lang): string {
  if (actor.startsWith("ps:")) {
    const who = people.get(actor);
    if (!who) {
      return t(lang, `le professionnel n° ${actor.slice(3)} (absent de l'annuaire)`,
        `professional no. ${actor.slice(3)} (not in the directory)`);
    }
    const key = professionKey(who.profession);
    const job = (own(PROFESSIONS, key) ? PROFESSIONS[key] as readonly [string, string]
      : [who.profession, who.profession])[lang === "fr" ? 0 : 1];
    return `${who.name} (${job}${who.city ? `, ${who.city}` : ""})`;
  }
  if (actor.startsWith("contact:")) return t(lang, "votre contact d'urgence", "your emergency contact");
  if (actor.startsWith("card:")) {
    return t(lang, `quelqu'un muni de votre carte d'urgence n° ${short(actor.slice(5))}`,
      `someone holding your emergency card no. ${short(actor.slice(5))}`);
  }
  return actor;
}

/** A grant's recipient id as the log names them as actors. */
export function recipientActor(recipient: DetailValue | undefined): string {
  const text = orEmpty(recipient);
  return text.startsWith("contact:") ? text : `ps:${text}`;
}

function until(value: DetailValue | undefined, lang: Lang, tz: string): string {
  if (typeof value !== "number") return "";
  const day = dayText(value, lang, tz);
  return t(lang, `, jusqu'au ${day}`, `, until ${day}`);
}

function item(d: Detail, titles: ReadonlyMap<string, string>, lang: Lang): string {
  const id = d.has("item") ? got(d, "item") : got(d, "item_id");
  const title = titles.get(id);
  if (title) return lang === "fr" ? `« ${title} »` : `“${title}”`;
  return t(lang, `l'élément n° ${short(id)}`, `item no. ${short(id)}`);
}

function said(d: Detail, key: "reason" | "by", lang: Lang): string {
  const text = d.get(key);
  if (typeof text !== "string" || !text) return "";
  if (key === "reason") return t(lang, ` Motif déclaré : « ${text} ».`, ` Stated reason: “${text}”.`);
  return t(lang, ` Nom donné : « ${text} ».`, ` Name given: “${text}”.`);
}

function what(d: Detail, lang: Lang): string {
  const text = d.get("what");
  if (typeof text !== "string" || !text) return "";
  const name = sectionName(text, lang);
  if (name !== undefined) return ` (${name})`;
  return lang === "fr" ? ` (« ${text} »)` : ` (“${text}”)`;
}

/** Python's ``int(value or 0)`` for a count (a non-number reads 0). */
function count(value: DetailValue | undefined): number {
  if (typeof value === "number") return value;
  return typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value) ? parseInt(value, 10) : 0;
}

// --- sentences ------------------------------------------------------------------------------

function patient(kind: string, d: Detail, c: Required<Omit<Context, "timeZone">>, tz: string): string | null {
  const { people, titles, story, lang } = c;
  if (kind === "grant_issued") {
    const who = person(recipientActor(d.get("recipient")), people, lang);
    if (d.has("resealed")) {
      return t(lang, `Vous avez renouvelé les clés de l'accord donné à ${who} (après un changement de clés ; rien de plus n'est ouvert).`,
        `You re-sealed the access you gave ${who} (after a key change; nothing more is opened).`);
    }
    const also = d.get("write") === 1 ? t(lang, " et à y ajouter des documents", " and add documents") : "";
    const s = sections(d.get("sections"), lang);
    const end = until(d.get("expires_at"), lang, tz);
    return t(lang, `Vous avez autorisé ${who} à consulter ${s}${also}${end}.`, `You allowed ${who} to read ${s}${also}${end}.`);
  }
  if (kind === "grant_revoked") {
    const holder = story.grants.get(got(d, "grant"));
    const g = short(d.get("grant"));
    const who = holder ? person(holder, people, lang) : t(lang, `l'accord n° ${g}`, `access no. ${g}`);
    return holder
      ? t(lang, `Vous avez révoqué l'accès de ${who} : son code ne sera plus accepté.`,
        `You revoked ${who}'s access: their code is refused from now on.`)
      : t(lang, `Vous avez révoqué ${who}.`, `You revoked ${who}.`);
  }
  if (kind === "professional_blocked") {
    const who = person(`ps:${got(d, "professional")}`, people, lang);
    if (d.get("blocked") === 0) return t(lang, `Vous avez levé le blocage de ${who}.`, `You unblocked ${who}.`);
    const revoked = plural(count(d.get("grants_revoked")), lang, ["accès révoqué", "accès révoqués"],
      ["access revoked", "accesses revoked"]);
    return t(lang, `Vous avez bloqué ${who} (${revoked}).`, `You blocked ${who} (${revoked}).`);
  }
  if (kind === "break_glass_changed" && d.get("break_glass") === "resealed") {
    return t(lang, "Votre application a mis à jour les clés du bris de glace après un changement de clés : le SAMU lit votre résumé d'urgence à jour.",
      "Your app updated the break-glass keys after a key change: the emergency service reads your current emergency summary.");
  }
  if ((kind === "break_glass_changed" || kind === "mask_changed") && d.has("break_glass")) {
    return d.get("break_glass") === "on"
      ? t(lang, "Vous avez autorisé le bris de glace : le SAMU pourra ouvrir votre résumé d'urgence si vous ne pouvez pas consentir.",
        "You allowed break-glass: the emergency service may open your emergency summary if you cannot consent.")
      : t(lang, "Vous avez refusé le bris de glace.", "You turned break-glass off.");
  }
  if (kind === "mask_changed") {
    const w = item(d, titles, lang);
    return d.get("masked") === 1 ? t(lang, `Vous avez masqué ${w}.`, `You masked ${w}.`)
      : t(lang, `Vous avez démasqué ${w}.`, `You unmasked ${w}.`);
  }
  if (kind === "card_issued" && Number(d.get("resealed")) === 1) {
    const n = short(d.get("card"));
    return t(lang, `Votre application a mis à jour la carte d'urgence n° ${n} après un changement de clés : elle ouvre votre résumé d'urgence à jour.`,
      `Your app updated emergency card no. ${n} after a key change: it opens your current emergency summary.`);
  }
  if (kind === "card_issued" && Number(d.get("revoked")) === 1) {
    const n = short(d.get("card"));
    return t(lang, `Vous avez révoqué la carte d'urgence n° ${n}.`, `You revoked emergency card no. ${n}.`);
  }
  if (kind === "card_issued") {
    const n = short(d.get("card"));
    const end = until(d.get("expires_at"), lang, tz);
    return t(lang, `Vous avez créé la carte d'urgence n° ${n}${end}.`, `You made emergency card no. ${n}${end}.`);
  }
  if (kind === "item_added" || kind === "item_edited" || kind === "item_deleted") {
    const w = item(d, titles, lang);
    const verb = { item_added: ["ajouté", "added"], item_edited: ["modifié", "edited"],
      item_deleted: ["supprimé", "deleted"] }[kind];
    return t(lang, `Vous avez ${verb[0]} ${w}.`, `You ${verb[1]} ${w}.`);
  }
  if (kind === "keys_changed") {
    const names = got(d, "slots").split(",").filter(Boolean).map((s) => s === "passphrase"
      ? t(lang, "votre phrase secrète", "your passphrase") : t(lang, "votre code de secours", "your recovery code"));
    return t(lang, `Vous avez changé ${names.join(" et ") || "vos clés"}.`,
      `You changed ${names.join(" and ") || "your keys"}.`);
  }
  if (kind === "recovery_used") {
    return t(lang, "Vous avez retrouvé l'accès avec votre code de secours.", "You got back in with your recovery code.");
  }
  if (kind === "deposit_filed") {
    const depositor = story.deposits.get(got(d, "deposit"));
    const by = depositor ? t(lang, ` par ${person(depositor, people, lang)}`, ` by ${person(depositor, people, lang)}`) : "";
    return t(lang, `Vous avez classé dans votre dossier un document déposé${by}.`,
      `You filed a document left${by} into your dossier.`);
  }
  const n = d.get("count");
  const items = typeof n === "number" ? plural(n, lang, ["élément", "éléments"], ["item", "items"]) : "";
  if (kind === "export") {
    const x = items ? ` (${items})` : "";
    return t(lang, `Vous avez exporté votre dossier${x}.`, `You exported your dossier${x}.`);
  }
  if (kind === "import") {
    const added = typeof n === "number"
      ? ` (${plural(n, lang, ["élément ajouté", "éléments ajoutés"], ["item added", "items added"])})` : "";
    return t(lang, `Vous avez importé une archive${added}.`, `You imported an archive${added}.`);
  }
  if (["item_masked", "item_unmasked", "section_masked", "section_unmasked"].includes(kind)) {
    const verb = kind.endsWith("_masked") ? ["masqué", "masked"] : ["démasqué", "unmasked"];
    const target = kind.startsWith("section") ? t(lang, "une section", "a section") : t(lang, "un élément", "an item");
    return lang === "fr" ? `Vous avez ${verb[0]} ${target}${what(d, lang)}.` : `You ${verb[1]} ${target}${what(d, lang)}.`;
  }
  if (kind === "login") return t(lang, "Vous vous êtes connecté à votre dossier.", "You signed in.");
  if (kind === "closure") return t(lang, "Vous avez fermé votre dossier.", "You closed your dossier.");
  return null;
}

const REFUSED: Readonly<Record<string, readonly [string, string]>> = {
  revoked: ["un accès que vous aviez révoqué", "an access you had revoked"],
  expired: ["un accès expiré", "an expired access"],
  blocked: ["un accès alors que vous l'avez bloqué", "an access although you blocked them"],
};

/** What someone else (a professional, a contact, a card holder) did. */
function other(kind: string, who: string, d: Detail, lang: Lang): string {
  if (kind === "token_scanned") {
    const n = d.get("items");
    const c = typeof n === "number" ? ` ; ${plural(n, lang, ["élément", "éléments"], ["item", "items"])}` : "";
    const s = sections(d.get("sections"), lang);
    return t(lang, `${who} a ouvert votre dossier : ${s}${c}.`, `${who} opened your dossier: ${s}${c.replace(" ;", ";")}.`);
  }
  if (kind === "token_refused") {
    const result = got(d, "result", "None");
    const w = own(REFUSED, result) ? REFUSED[result] as readonly [string, string] : REFUSED["revoked"] as readonly [string, string];
    return t(lang, `${who} a présenté ${w[0]} : refusé, rien n'a été ouvert.`, `${who} presented ${w[1]}: refused, nothing was opened.`);
  }
  if (kind === "section_read") {
    return t(lang, `${who} a ouvert une pièce jointe de votre dossier.`, `${who} opened an attachment of your dossier.`);
  }
  if (kind === "item_written") {
    return t(lang, `${who} a ajouté un document à votre dossier.`, `${who} added a document to your dossier.`);
  }
  if (kind === "item_deposited") {
    return t(lang, `${who} a déposé un document pour vous (à classer).`, `${who} left a document for you (to file).`);
  }
  if (kind === "emergency_access") {
    const r = said(d, "reason", lang);
    if (d.get("result") === "opened") {
      return t(lang, `${who} a ouvert votre résumé d'urgence en bris de glace.${r}`,
        `${who} opened your emergency summary by break-glass.${r}`);
    }
    return t(lang, `${who} a tenté un bris de glace : refusé, vous ne l'autorisez pas.${r}`,
      `${who} tried break-glass: refused, you do not allow it.${r}`);
  }
  if (kind === "card_used") {
    const W = cap(who);
    const result = d.get("result");
    if (result === "opened") {
      return t(lang, `${W} a ouvert votre résumé d'urgence.${said(d, "by", lang)}`,
        `${W} opened your emergency summary.${said(d, "by", lang)}`);
    }
    if (result === "locked") {
      return t(lang, `${W} a saisi un code erroné : la carte est maintenant bloquée.`,
        `${W} typed a wrong passcode: the card is now locked.`);
    }
    const left = d.get("attempts_left");
    const rest = typeof left === "number"
      ? ` (${plural(left, lang, ["essai restant", "essais restants"], ["attempt left", "attempts left"])})` : "";
    return t(lang, `${W} a saisi un code erroné${rest} : rien n'a été ouvert.`,
      `${W} typed a wrong passcode${rest}: nothing was opened.`);
  }
  return t(lang, `${who} : ${kind}.`, `${who}: ${kind}.`);
}

function newStory(): Story {
  return { grants: new Map(), deposits: new Map() };
}

/** One event as a sentence, without its date (``history_text.sentence``). */
export function sentence(e: AuditEvent, d: Detail, c: Context): string {
  const full = { people: c.people, titles: c.titles ?? new Map<string, string>(), story: c.story ?? newStory(),
    lang: c.lang ?? "fr" };
  if (e.actor === "patient") {
    const mine = patient(e.kind, d, full, c.timeZone ?? PARIS);
    if (mine !== null) return mine;
  }
  return cap(other(e.kind, person(e.actor, c.people, full.lang), d, full.lang));
}

/** An event as people read it: when (already capitalised) and what. */
export interface Line {
  when: string;
  text: string;
}

/** Every event as a dated sentence, in log order (who a grant was for, who left a deposit,
 * carried from earlier events to later ones). */
export function entries(events: readonly AuditEvent[], details: readonly Detail[], c: Context): Line[] {
  const story = newStory();
  return events.map((e, i) => {
    const d = details[i] as Detail;
    const line = { when: cap(momentText(e.at, c.lang ?? "fr", c.timeZone ?? PARIS)),
      text: sentence(e, d, { ...c, story }) };
    const grant = d.get("grant");
    if (e.kind === "grant_issued" && typeof grant === "string") story.grants.set(grant, recipientActor(d.get("recipient")));
    const deposit = d.get("deposit");
    if (e.kind === "item_deposited" && typeof deposit === "string") story.deposits.set(deposit, e.actor);
    return line;
  });
}

/** ``history_text.lines``: "1er décembre 2026 à 14 h 05 — Vous avez ...". */
export function lines(events: readonly AuditEvent[], details: readonly Detail[], c: Context): string[] {
  return entries(events, details, c).map((l) => `${l.when} — ${l.text}`);
}

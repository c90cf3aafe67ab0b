/** The interaction index (clinical/index.py, format 1): the ANSM thesaurus of October 2020
 * as one compact, versioned JSON document, served by the server as a static asset
 * (`GET /clinical/index` -> `{version, url}`). The same document the Python client reads. */

import type { Api } from "../api.js";
import { normalise } from "./text.js";

export const FORMAT = 1;

/** The thesaurus' four levels, most severe first (their French names, as in the index). */
export const LEVELS = [
  "contre-indication", "association déconseillée", "précaution d'emploi", "à prendre en compte",
] as const;
export type Level = (typeof LEVELS)[number];

/** 0 for the most severe. */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

/** One thesaurus entry: two names (substances or classes), its level(s), its text. */
export interface Interaction {
  readonly a: string;
  readonly b: string;
  readonly levels: readonly (readonly [Level, string])[];
  readonly text: string;
  readonly mechanism: string;
  /** The most severe of its levels. */
  readonly level: Level;
}

/** An allergy family (Carnet's rules, clinical/data/allergies.json). */
export interface Family {
  readonly key: string;
  readonly label: string;
  readonly members: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  /** `${system}|${code}` */
  readonly codes: ReadonlySet<string>;
  readonly cross: ReadonlyMap<string, Level>;
}

export class IndexUnavailable extends Error {
  override name = "IndexUnavailable";
}

export class Index {
  constructor(
    readonly version: string,
    readonly thesaurus: string,
    readonly source: string,
    /** normalised name -> display spelling */
    readonly names: ReadonlyMap<string, string>,
    /** substance -> its classes */
    readonly classes: ReadonlyMap<string, ReadonlySet<string>>,
    readonly rxnorm: ReadonlyMap<string, readonly string[]>,
    readonly pairs: ReadonlyMap<string, readonly (readonly [string, Interaction])[]>,
    readonly products: ReadonlyMap<string, string>,
    readonly families: ReadonlyMap<string, Family>,
    readonly notInThesaurus: ReadonlySet<string>,
  ) {}

  /** The ANSM substances of an RxNorm code (ingredient or listed product). */
  substancesForCode(code: string): readonly string[] {
    return this.rxnorm.get(pyStrip(code)) ?? [];
  }

  /** The normalised substance id if `name` is a substance the thesaurus knows. */
  substance(name: string): string | null {
    const key = normalise(name);
    return this.classes.has(key) ? key : null;
  }

  /** The substance and every class it belongs to (the classes first, as Python's set
   * union; only membership matters). */
  terms(substance: string): string[] {
    const out = [...(this.classes.get(substance) ?? [])];
    if (!out.includes(substance)) out.push(substance);
    return out;
  }

  /** (other name, entry) for every entry naming `term`. */
  partners(term: string): readonly (readonly [string, Interaction])[] {
    return this.pairs.get(term) ?? [];
  }

  display(name: string): string {
    return this.names.get(name) ?? name;
  }
}

/** Python's str.strip() (white space at both ends). */
export function pyStrip(text: string): string {
  return text.replace(/^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu, "");
}

function damaged(why: string): IndexUnavailable {
  return new IndexUnavailable(`the interaction index is damaged (${why}); rebuild it with `
    + "python -m scripts.clinical_data");
}

function obj(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw damaged(what);
  return x as Record<string, unknown>;
}

function arr(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw damaged(what);
  return x;
}

function str(x: unknown, what: string): string {
  if (typeof x !== "string") throw damaged(what);
  return x;
}

function level(x: unknown): Level {
  if (!isLevel(x)) throw damaged("unknown level");
  return x;
}

/** An Index from the document clinical/index.py's build wrote (parsed JSON). */
export function loadIndex(json: unknown): Index {
  const doc = obj(json, "not an object");
  if (doc["format"] !== FORMAT) {
    throw new IndexUnavailable("the interaction index has an unknown format; rebuild it with "
      + "python -m scripts.clinical_data");
  }
  const shown = arr(doc["names"], "names").map((n) => str(n, "names"));
  const ids = shown.map(normalise);
  const id = (n: unknown): string => {
    const v = typeof n === "number" ? ids[n] : typeof n === "string" ? ids[Number(n)] : undefined;
    if (v === undefined) throw damaged("name id");
    return v;
  };
  const names = new Map<string, string>();
  ids.forEach((key, i) => names.set(key, shown[i] as string));
  const classes = new Map<string, ReadonlySet<string>>();
  for (const [s, cs] of Object.entries(obj(doc["substances"], "substances"))) {
    classes.set(id(s), new Set(arr(cs, "substances").map(id)));
  }
  const pairs = new Map<string, (readonly [string, Interaction])[]>();
  const add = (term: string, other: string, entry: Interaction): void => {
    const list = pairs.get(term);
    if (list) list.push([other, entry]);
    else pairs.set(term, [[other, entry]]);
  };
  for (const row of arr(doc["pairs"], "pairs")) {
    const [a, b, lvs, text, mechanism] = arr(row, "pair");
    const levels = arr(lvs, "levels").map((lv) => {
      const [l, info] = arr(lv, "level");
      return [level(l), str(info, "level info")] as const;
    });
    if (levels.length === 0) throw damaged("pair without a level");
    const worst = levels.map(([l]) => l).reduce((x, y) => (levelRank(y) < levelRank(x) ? y : x));
    const entry: Interaction = { a: id(a), b: id(b), levels, text: str(text, "pair text"),
      mechanism: str(mechanism, "pair mechanism"), level: worst };
    add(entry.a, entry.b, entry);
    if (entry.b !== entry.a) add(entry.b, entry.a, entry);
  }
  const rxnorm = new Map<string, readonly string[]>();
  for (const [code, subs] of Object.entries(obj(doc["rxnorm"], "rxnorm"))) {
    rxnorm.set(code, arr(subs, "rxnorm").map(id));
  }
  const products = new Map<string, string>();
  for (const [code, src] of Object.entries(obj(doc["products"] ?? {}, "products"))) {
    products.set(code, str(src, "products"));
  }
  const families = new Map<string, Family>();
  for (const [key, raw] of Object.entries(obj(doc["allergy_families"] ?? {}, "families"))) {
    const f = obj(raw, "family");
    const codes = new Set<string>();
    for (const [system, cs] of Object.entries(obj(f["codes"], "family codes"))) {
      for (const c of arr(cs, "family codes")) codes.add(`${system}|${str(c, "family code")}`);
    }
    const cross = new Map<string, Level>();
    for (const [other, l] of Object.entries(obj(f["cross"], "family cross"))) cross.set(other, level(l));
    families.set(key, { key, label: str(f["label"], "family label"),
      members: new Set(arr(f["members"], "family").map((m) => str(m, "family"))),
      names: new Set(arr(f["names"], "family").map((m) => str(m, "family"))), codes, cross });
  }
  const extra = new Set(arr(doc["not_in_thesaurus"] ?? [], "not_in_thesaurus")
    .map((n) => str(n, "not_in_thesaurus")));
  return new Index(str(doc["version"], "version"), str(doc["thesaurus"], "thesaurus"),
    str(doc["source"], "source"), names, classes, rxnorm, pairs, products, families, extra);
}

const loaded = new Map<string, Promise<Index>>();

/** The index the server publishes: `GET /clinical/index` says which version and where, then
 * the static document (cached for good by the browser: its name carries its version) is
 * read and loaded once per page. An index the server lacks is an ApiError (503,
 * `clinical_index_unavailable`); a document that is not an index, IndexUnavailable. */
export async function fetchIndex(api: Api): Promise<Index> {
  const where = await api.json("GET", "/clinical/index", undefined, { auth: false });
  const version = where["version"];
  const url = where["url"];
  if (typeof version !== "string" || typeof url !== "string" || !url.startsWith("/")) {
    throw new IndexUnavailable("the server's interaction index answer was not understood");
  }
  let pending = loaded.get(version);
  if (!pending) {
    pending = api.json("GET", url, undefined, { auth: false }).then((doc) => {
      const index = loadIndex(doc);
      if (index.version !== version) throw new IndexUnavailable("the interaction index changed while loading");
      return index;
    });
    pending.catch(() => loaded.delete(version));
    loaded.set(version, pending);
  }
  return pending;
}

/** The patient's own items changed in the browser, as web/client/patient.py and
 * vault.Dossier do: the rules of a new revision (only the patient's own items, the dates of
 * web/client/item_rules.py), a new attachment sealed for it, every revision of an item, and
 * who wrote each one in human terms (the patient, or a professional checked against the
 * countersigned directory). The writes themselves are ``PatientSession.editItem`` and
 * ``deleteItem`` (patient.ts): they need the session's keys. */

import { type Api, ApiError, b64, type Json } from "./api.js";
import { sealAttachment } from "./attachment.js";
import { type Random, toHex } from "./bytes.js";
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, type NewFile, UnreadableItem } from "./core.js";
import { type Entry, entryOf, verifyEntry } from "./directory.js";
import type { AttachmentRef, Item, ItemContent, ItemRecord } from "./item.js";

export const TITLE_MAX_CHARS = 200;
/** Types that announce something to come: their date may be after today (item_rules.py). */
export const FUTURE_ALLOWED: ReadonlySet<string> = new Set(["appointment"]);
/** Types for which a date says nothing: today when none is given (item_rules.py). */
export const DATELESS: ReadonlySet<string> = new Set(["blood_group", "contact", "identity",
  "trusted_person"]);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** What an edit changes; what is left out stays as it was. ``file``: a new file, ``null``
 * to remove the current one, absent to keep it (same chunks, same key). */
export interface ItemChanges {
  title?: string;
  date?: string;
  body?: Record<string, unknown>;
  file?: NewFile | null;
}

function invalid(detail: string): ApiError {
  return new ApiError(400, "invalid_input", detail);
}

/** The ISO day of a Unix time (UTC, as the Python client's ``dt.date.today`` on a server
 * clock would be). */
export function dayOf(now: number): string {
  return new Date(now * 1000).toISOString().slice(0, 10);
}

/** The item's date: as given, else today for a type without a meaningful date; an event
 * needs one (item_rules.dated). */
export function dated(type: string, date: string, now: number): string {
  if (date) return date;
  if (DATELESS.has(type)) return dayOf(now);
  throw invalid(`a date is needed for a ${type} (when was it?)`);
}

/** Refuse a malformed date, one before 1900, or one after today for a past event
 * (item_rules.check_item_date and vault.items._check_date). */
export function checkItemDate(type: string, date: string, now: number): void {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (!DATE.test(date) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw invalid("the date must be an ISO date (YYYY-MM-DD)");
  }
  if (date < "1900-01-01") throw invalid("the date is before 1900");
  if (date > dayOf(now) && !FUTURE_ALLOWED.has(type)) {
    throw invalid(`the date ${date} is in the future: a ${type} has already happened (only an `
      + "appointment may be dated later)");
  }
}

export function checkTitle(title: string): string {
  const text = title.trim();
  if (!text) throw invalid("the title must not be empty");
  if (text.length > TITLE_MAX_CHARS) throw invalid(`the title is longer than ${TITLE_MAX_CHARS} characters`);
  if (CONTROL.test(text)) throw invalid("the title contains control characters");
  return text;
}

/** Whether the patient may write a new revision of ``item``: only the items they wrote
 * (vault.Dossier.edit); a professional's item can be masked, not edited. */
export function editable(item: Item): boolean {
  return item.author.kind === "patient";
}

/** The content of the next revision of ``current``: its section, type and author kept,
 * the changes applied and checked; ``attachment`` is the file the new revision carries. */
export function revised(current: Item, c: ItemChanges, now: number,
  attachment: AttachmentRef | null): ItemContent {
  if (!editable(current)) {
    throw new ApiError(403, "not_allowed", "only items you wrote can be edited; you can mask others");
  }
  const date = c.date === undefined ? current.date : dated(current.type, c.date, now);
  if (c.date !== undefined) checkItemDate(current.type, date, now);
  return { section: current.section, type: current.type,
    title: c.title === undefined ? current.title : checkTitle(c.title), date,
    body: c.body ?? current.body, author: current.author, createdAt: now, attachment };
}

/** A new file sealed for an item: its reference (in the item) and its chunks (the body of
 * the write). */
export function sealFile(file: NewFile, dossierId: string, rng: Random):
  { ref: AttachmentRef; chunks: Json[] } {
  if (!ATTACHMENT_TYPES.includes(file.mediaType)) throw invalid("unsupported file type");
  if (file.data.length > ATTACHMENT_MAX_BYTES) {
    throw new ApiError(413, "too_large", "the file is larger than 25 MiB");
  }
  const attachmentId = toHex(rng(16));
  const sealed = sealAttachment(file.data, { dossierId, attachmentId, name: file.name,
    mediaType: file.mediaType }, rng);
  return { ref: sealed.ref, chunks: sealed.chunks.map((blob, index) =>
    ({ attachment_id: attachmentId, index, blob: b64(blob) })) };
}

/** The part of the session the reading functions need (PatientSession has it). */
export interface Reader {
  revisions(itemId: string): Promise<ItemRecord[]>;
  open(r: ItemRecord): Item | UnreadableItem;
}

/** Every revision of an item, oldest first, each opened with this keyring (one that does
 * not open is reported as unreadable, never thrown). */
export async function history(s: Reader, itemId: string): Promise<(Item | UnreadableItem)[]> {
  return (await s.revisions(itemId)).map((r) => s.open(r));
}

/** Who wrote a revision, for the patient reading their own dossier. */
export type Who =
  | { kind: "you" }
  | { kind: "professional"; name: string; profession: string; laboratory: boolean }
  | { kind: "unverified"; id: string; claimed: string };

const LABORATORY = /laborato/i;

/** The author in human terms: "you" for the patient, a professional by the name and
 * profession of their countersigned directory entry; without one, their id and the name the
 * item claims (not checked). */
export function authorOf(item: Item, directory: ReadonlyMap<string, Entry>): Who {
  if (item.author.kind === "patient") return { kind: "you" };
  const id = item.author.id ?? "?";
  const entry = directory.get(id);
  if (!entry) return { kind: "unverified", id, claimed: item.author.name ?? "" };
  return { kind: "professional", name: entry.name, profession: entry.profession,
    laboratory: LABORATORY.test(entry.profession) || entry.roles.includes("laboratory") };
}

/** The professionals' entries that check against the pinned directory authority's key,
 * by ps_id (web/client/directory.trusted_entry); any other is left out. */
export async function trustedEntries(api: Api, psIds: Iterable<string>,
  authorityPublic: Uint8Array): Promise<Map<string, Entry>> {
  const found = new Map<string, Entry>();
  for (const id of new Set(psIds)) {
    if (!/^(8\d{11}|0\d{9})$/.test(id)) continue; // an idNat_PS, as the server checks
    try {
      const body = await api.json("GET", `/professionals/${id}`, undefined, { auth: false });
      const { entry, signature } = entryOf(body);
      if (entry.psId !== id) continue; // another professional's genuine entry is not this one's
      verifyEntry(entry, signature, authorityPublic);
      found.set(id, entry);
    } catch { /* not in the directory, or not countersigned: shown as unverified */ }
  }
  return found;
}

/** The professional authors of these revisions (their ps_id). */
export function professionalIds(revisions: readonly (Item | UnreadableItem)[]): string[] {
  return revisions.filter((r): r is Item => !(r instanceof UnreadableItem)
    && r.author.kind === "professional" && r.author.id !== null).map((r) => r.author.id as string);
}

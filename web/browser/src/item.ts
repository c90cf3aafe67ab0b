/** Item revisions (vault/items.py, vault/itembox.py): the plaintext codec and the sealing
 * recipe, byte for byte as the Python client writes them. */

import { concat, DecryptionFailed, FormatError, type Random } from "./bytes.js";
import { associatedData, KEY_BYTES, open, seal, systemRandom } from "./crypto.js";
import type { KeyLookup } from "./keyring.js";
import { decode as mpDecode, encode as mpEncode, Fields, fromPlain, type MsgMap, toPlain,
  type Value } from "./msgpack.js";
import { ITEM_TYPES, isSection, type Section } from "./sections.js";

const VERSION = 0x01;
export const ITEM_MAX_BYTES = 512 * 1024;
export const ITEM_MAX_DEPTH = 32;

export interface Author {
  kind: "patient" | "professional";
  id: string | null;
  name: string | null;
}

export interface AttachmentRef {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  chunks: number;
  key: Uint8Array;
  header: Uint8Array;
}

export interface ItemContent {
  section: Section;
  type: string;
  title: string;
  date: string;
  body: Record<string, unknown>;
  author: Author;
  createdAt: number;
  attachment: AttachmentRef | null;
}

export interface Item extends ItemContent {
  itemId: string;
  revision: number;
  masked: boolean;
}

/** A stored revision as the server returns it (hex/base64 already turned into bytes). */
export interface ItemRecord {
  dossierId: string;
  itemId: string;
  revision: number;
  keyRef: string;
  wrappedKey: Uint8Array;
  ciphertext: Uint8Array;
  createdAt: number;
}

function attachmentWire(a: AttachmentRef): MsgMap {
  return new Map<string, Value>([["id", a.id], ["name", a.name], ["media_type", a.mediaType],
    ["size", a.size], ["chunks", a.chunks], ["key", a.key], ["header", a.header]]);
}

export function encodeItem(c: ItemContent): Uint8Array {
  const map: MsgMap = new Map<string, Value>([
    ["section", c.section], ["type", c.type], ["title", c.title], ["date", c.date],
    ["body", fromPlain(c.body)],
    ["author", new Map<string, Value>([["kind", c.author.kind], ["id", c.author.id],
      ["name", c.author.name]])],
    ["created_at", c.createdAt],
    ["attachment", c.attachment ? attachmentWire(c.attachment) : null],
  ]);
  const data = concat(new Uint8Array([VERSION]), mpEncode(map));
  if (data.length > ITEM_MAX_BYTES) throw new FormatError("item is larger than 512 KiB");
  return data;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function decodeItem(data: Uint8Array, itemId: string, revision: number,
  masked = false): Item {
  if (data.length < 2 || data[0] !== VERSION) throw new FormatError("not a version-1 item");
  const top = mpDecode(data.subarray(1), { maxSize: ITEM_MAX_BYTES - 1, maxDepth: ITEM_MAX_DEPTH,
    what: "item plaintext" });
  const f = new Fields(top, "item");
  const section = f.str("section");
  const type = f.str("type");
  if (!isSection(section) || !ITEM_TYPES[section].includes(type))
    throw new FormatError("item has an unknown section or type");
  const date = f.str("date");
  if (!DATE.test(date)) throw new FormatError("item date is malformed");
  const a = new Fields(f.map_("author"), "item author");
  const kind = a.str("kind");
  if (kind !== "patient" && kind !== "professional") throw new FormatError("item author is malformed");
  const rawAtt = f.raw("attachment");
  let attachment: AttachmentRef | null = null;
  if (rawAtt !== undefined && rawAtt !== null) {
    const x = new Fields(rawAtt, "attachment");
    attachment = { id: x.str("id"), name: x.str("name"), mediaType: x.str("media_type"),
      size: x.int("size"), chunks: x.int("chunks"), key: x.bin("key"), header: x.bin("header") };
  }
  const body = toPlain(f.map_("body")) as Record<string, unknown>;
  return { itemId, revision, masked, section, type, title: f.str("title"), date, body,
    author: { kind, id: a.optStr("id"), name: a.optStr("name") },
    createdAt: f.int("created_at"), attachment };
}

export function itemAd(purpose: string, dossierId: string, section: Section, itemId: string,
  revision: number): Uint8Array {
  return associatedData(purpose, dossierId, section, itemId, revision);
}

const wrapPurpose = (w: KeyLookup): string => (w.section === null ? "item-key-masked" : "item-key");

/** Encrypt one revision under a fresh item key wrapped by ``wrapping``. */
export function sealItem(plaintext: Uint8Array, o: { dossierId: string; itemId: string;
  revision: number; createdAt: number; wrapping: KeyLookup; section: Section },
  rng: Random = systemRandom): ItemRecord {
  const itemKey = rng(KEY_BYTES);
  return {
    dossierId: o.dossierId, itemId: o.itemId, revision: o.revision, keyRef: o.wrapping.ref,
    wrappedKey: seal(o.wrapping.key, itemKey,
      itemAd(wrapPurpose(o.wrapping), o.dossierId, o.section, o.itemId, o.revision), rng),
    ciphertext: seal(itemKey, plaintext, itemAd("item", o.dossierId, o.section, o.itemId,
      o.revision), rng),
    createdAt: o.createdAt,
  };
}

export function unwrapItemKey(r: ItemRecord, wrapping: KeyLookup, section: Section): Uint8Array {
  return open(wrapping.key, r.wrappedKey,
    itemAd(wrapPurpose(wrapping), r.dossierId, section, r.itemId, r.revision));
}

export function openItemWithKey(r: ItemRecord, itemKey: Uint8Array, section: Section,
  masked = false): Item {
  const plaintext = open(itemKey, r.ciphertext, itemAd("item", r.dossierId, section, r.itemId,
    r.revision));
  const item = decodeItem(plaintext, r.itemId, r.revision, masked);
  if (item.section !== section) throw new DecryptionFailed();
  return item;
}

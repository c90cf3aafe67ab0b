/** The export archive (vault/archive.py), opened offline with the passphrase or recovery code. */

import { concat, DecryptionFailed, FormatError, fromUtf8, type Random, readU32, u32,
  utf8 } from "./bytes.js";
import { associatedData, KEY_BYTES, lib, open, seal, systemRandom } from "./crypto.js";
import { decodeItem, encodeItem, type Item } from "./item.js";
import { decode as mpDecode, encode as mpEncode, Fields, type Value } from "./msgpack.js";
import { isSection, type Section } from "./sections.js";
import { type KeySlot, openSlot, SLOT_PASSPHRASE, SLOT_RECOVERY, type SlotName } from "./slots.js";

const MAGIC = utf8("CNTARCH");
const VERSION = 0x01;
const HEADER_MAX = 64 * 1024;
const FRAME_MAX_BYTES = 32 * 1024 * 1024;

export interface ArchiveEntry {
  item: Item;
  attachment: Uint8Array | null;
}

export interface ArchiveContents {
  dossierId: string;
  exportedAt: number;
  entries: ArchiveEntry[];
  maskedSections: Set<Section>;
}

function b64(text: unknown): Uint8Array {
  if (typeof text !== "string") throw new FormatError("archive header is malformed");
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new FormatError("archive header is malformed");
  }
}

interface Header {
  dossierId: string;
  exportedAt: number;
  slots: KeySlot[];
  archiveKey: Uint8Array;
}

function header(blob: Uint8Array): [Header, number] {
  if (blob.length < MAGIC.length + 5 || !MAGIC.every((b, i) => blob[i] === b))
    throw new FormatError("not a Carnet archive");
  if (blob[MAGIC.length] !== VERSION) throw new FormatError("unsupported archive version");
  const size = readU32(blob, MAGIC.length + 1);
  const start = MAGIC.length + 5;
  if (size > HEADER_MAX || start + size > blob.length) throw new FormatError("archive header is truncated");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fromUtf8(blob.subarray(start, start + size))) as Record<string, unknown>;
  } catch {
    throw new FormatError("archive header is malformed");
  }
  const id = raw["dossier_id"];
  const at = raw["exported_at"];
  const slots = raw["slots"];
  if (typeof id !== "string" || !/^[0-9a-f]{32}$/.test(id) || typeof at !== "number" ||
      !Array.isArray(slots)) throw new FormatError("archive header is malformed");
  return [{
    dossierId: id, exportedAt: at, archiveKey: b64(raw["archive_key"]),
    slots: slots.map((s: Record<string, unknown>) => {
      const name = s["name"];
      if (name !== SLOT_PASSPHRASE && name !== SLOT_RECOVERY ||
          typeof s["opslimit"] !== "number" || typeof s["memlimit"] !== "number")
        throw new FormatError("archive header is malformed");
      return { name: name as SlotName, salt: b64(s["salt"]), opslimit: s["opslimit"],
        memlimit: s["memlimit"], wrapped: b64(s["wrapped"]), loginPublic: new Uint8Array(0) };
    }),
  }, start + size];
}

export function openArchive(blob: Uint8Array, secret: { passphrase: string } |
  { recoveryCode: string }): ArchiveContents {
  const [h, offset] = header(blob);
  const [name, text] = "passphrase" in secret ? [SLOT_PASSPHRASE, secret.passphrase]
    : [SLOT_RECOVERY, secret.recoveryCode];
  const slot = h.slots.find((s) => s.name === name);
  if (!slot) throw new FormatError("archive has no such key slot");
  const master = openSlot(slot, text, h.dossierId);
  const key = open(master, h.archiveKey, associatedData("archive-key", h.dossierId, h.exportedAt));
  return frames(blob, offset, key, h);
}

function frames(blob: Uint8Array, offset: number, key: Uint8Array, h: Header): ArchiveContents {
  const s = lib();
  if (offset + 24 > blob.length) throw new FormatError("archive is truncated");
  let state;
  try {
    state = s.crypto_secretstream_xchacha20poly1305_init_pull(blob.subarray(offset, offset + 24), key);
  } catch {
    throw new DecryptionFailed();
  }
  let at = offset + 24;
  const entries: ArchiveEntry[] = [];
  for (let index = 0; ; index++) {
    if (at + 4 > blob.length) throw new FormatError("archive is truncated");
    const size = readU32(blob, at);
    if (at + 4 + size > blob.length) throw new FormatError("archive is truncated");
    const ct = blob.subarray(at + 4, at + 4 + size);
    at += 4 + size;
    let r;
    try {
      r = s.crypto_secretstream_xchacha20poly1305_pull(state, ct,
        associatedData("archive-frame", h.dossierId, index));
    } catch {
      throw new DecryptionFailed();
    }
    if (!r) throw new DecryptionFailed();
    const decodeFrame = (max: number) => {
      try {
        return new Fields(mpDecode(r.message, { maxSize: max, maxDepth: 8, what: "archive frame" }),
          "archive frame");
      } catch {
        throw new DecryptionFailed();
      }
    };
    if (r.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
      const end = decodeFrame(HEADER_MAX);
      if (end.int("count") !== entries.length || at !== blob.length)
        throw new FormatError("archive is incomplete");
      const masked = new Set<Section>();
      for (const m of end.strList("masked_sections")) {
        if (!isSection(m)) throw new FormatError("archive is malformed");
        masked.add(m);
      }
      return { dossierId: h.dossierId, exportedAt: h.exportedAt, entries, maskedSections: masked };
    }
    const e = decodeFrame(FRAME_MAX_BYTES);
    const att = e.raw("attachment");
    entries.push({
      item: decodeItem(e.bin("plaintext"), e.str("item_id"), e.int("revision"), e.bool("masked")),
      attachment: att instanceof Uint8Array ? att : null,
    });
  }
}

export interface ArchiveSlot {
  name: SlotName;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
  wrapped: Uint8Array;
}

function b64text(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Write an archive (vault/archive.py ``write``): the header's JSON in msgspec's key order,
 * then one secretstream frame per item revision and a final frame with the count. */
export function writeArchive(dossierId: string, master: Uint8Array, slots: ArchiveSlot[],
  entries: ArchiveEntry[], exportedAt: number, maskedSections: Iterable<Section>,
  rng: Random = systemRandom): Uint8Array {
  const s = lib();
  const key = rng(KEY_BYTES);
  const head = utf8(JSON.stringify({
    dossier_id: dossierId, exported_at: exportedAt,
    slots: slots.map((x) => ({ name: x.name, salt: b64text(x.salt), opslimit: x.opslimit,
      memlimit: x.memlimit, wrapped: b64text(x.wrapped) })),
    archive_key: b64text(seal(master, key, associatedData("archive-key", dossierId, exportedAt), rng)),
  }));
  const out: Uint8Array[] = [MAGIC, new Uint8Array([VERSION]), u32(head.length), head];
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
  out.push(header);
  const frames: Uint8Array[] = entries.map((e) => mpEncode(new Map<string, Value>([
    ["item_id", e.item.itemId], ["revision", e.item.revision], ["masked", e.item.masked],
    ["plaintext", encodeItem(e.item)], ["attachment", e.attachment]])));
  frames.push(mpEncode(new Map<string, Value>([["count", entries.length],
    ["masked_sections", [...maskedSections].sort()]])));
  frames.forEach((frame, i) => {
    const ct = s.crypto_secretstream_xchacha20poly1305_push(state, frame,
      associatedData("archive-frame", dossierId, i),
      i === frames.length - 1 ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    out.push(u32(ct.length), ct);
  });
  return concat(...out);
}

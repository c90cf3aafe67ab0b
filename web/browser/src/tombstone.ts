/** The tombstone of a closed dossier (vault/tombstone.py). */

import { concat, FormatError, fromHex, readU64, toHex, u64, utf8 } from "./bytes.js";
import { verify } from "./crypto.js";

const VERSION = 0x01;
const SIZE = 1 + 16 + 8 + 32 + 64;

export interface Tombstone {
  dossierId: string;
  closedAt: number;
  signPublic: Uint8Array;
  signature: Uint8Array;
}

export function tombstoneMessage(dossierId: string, closedAt: number): Uint8Array {
  return concat(utf8("CARNET-TOMBSTONE"), new Uint8Array([VERSION]), fromHex(dossierId),
    u64(closedAt));
}

export function decodeTombstone(data: Uint8Array): Tombstone {
  if (data.length !== SIZE || data[0] !== VERSION) throw new FormatError("not a version-1 tombstone");
  return { dossierId: toHex(data.subarray(1, 17)), closedAt: readU64(data, 17),
    signPublic: data.slice(25, 57), signature: data.slice(57, 121) };
}

export function encodeTombstone(t: Tombstone): Uint8Array {
  return concat(new Uint8Array([VERSION]), fromHex(t.dossierId), u64(t.closedAt), t.signPublic,
    t.signature);
}

export function verifyTombstone(t: Tombstone): boolean {
  return verify(t.signPublic, tombstoneMessage(t.dossierId, t.closedAt), t.signature);
}

/** Attachments (vault/attachments.py): 64 KiB chunks in one secretstream whose key and header
 * live inside the item plaintext. */

import { concat, DecryptionFailed, type Random } from "./bytes.js";
import { associatedData, lib, systemRandom } from "./crypto.js";
import type { AttachmentRef } from "./item.js";

export const CHUNK_BYTES = 64 * 1024;
const VERSION = 0x01;

function ad(dossierId: string, attachmentId: string, index: number): Uint8Array {
  return associatedData("chunk", dossierId, attachmentId, index);
}

export function sealAttachment(data: Uint8Array, o: { dossierId: string; attachmentId: string;
  name: string; mediaType: string }, rng: Random = systemRandom): { ref: AttachmentRef;
  chunks: Uint8Array[] } {
  const s = lib();
  // libsodium.js draws the stream key from its own generator unless given one.
  const key = rng(s.crypto_secretstream_xchacha20poly1305_KEYBYTES);
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += CHUNK_BYTES) pieces.push(data.subarray(at, at + CHUNK_BYTES));
  if (pieces.length === 0) pieces.push(new Uint8Array(0));
  const chunks = pieces.map((piece, i) => concat(new Uint8Array([VERSION]),
    s.crypto_secretstream_xchacha20poly1305_push(state, piece, ad(o.dossierId, o.attachmentId, i),
      i === pieces.length - 1 ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)));
  return { ref: { id: o.attachmentId, name: o.name, mediaType: o.mediaType, size: data.length,
    chunks: chunks.length, key, header }, chunks };
}

/** Decrypt and check every chunk: a missing, extra, reordered or altered chunk fails. */
export function openAttachment(ref: AttachmentRef, chunks: Uint8Array[], dossierId: string): Uint8Array {
  if (chunks.length !== ref.chunks) throw new DecryptionFailed();
  const s = lib();
  const out: Uint8Array[] = [];
  try {
    const state = s.crypto_secretstream_xchacha20poly1305_init_pull(ref.header, ref.key);
    chunks.forEach((blob, i) => {
      if (blob.length === 0 || blob[0] !== VERSION) throw new DecryptionFailed();
      const r = s.crypto_secretstream_xchacha20poly1305_pull(state, blob.subarray(1),
        ad(dossierId, ref.id, i));
      if (!r) throw new DecryptionFailed();
      const final = r.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
      if (final !== (i === chunks.length - 1)) throw new DecryptionFailed();
      out.push(r.message);
    });
  } catch {
    throw new DecryptionFailed();
  }
  const data = concat(...out);
  if (data.length !== ref.size) throw new DecryptionFailed();
  return data;
}

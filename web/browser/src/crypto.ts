/** The primitives of docs/formats.md ("Primitives", "Associated data", "Envelope"), on
 * libsodium (WebAssembly): the same bytes as vault/crypto.py and vault/envelope.py. Pure:
 * randomness comes from the caller (``Random``), ``systemRandom`` by default. */

import sodium from "libsodium-wrappers-sumo";

import { blake2bRaw } from "./blake2b.js";
import { concat, DecryptionFailed, FormatError, type Random, u16, u64, utf8 } from "./bytes.js";

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const OPSLIMIT_FLOOR = 3;
export const MEMLIMIT_FLOOR = 64 * 1024 * 1024;
export const OPSLIMIT_MAX = 20;
export const MEMLIMIT_MAX = 1024 * 1024 * 1024;
export const PASSPHRASE_MAX_BYTES = 1024;

let loaded = false;

/** Wait for the WebAssembly module; every other function needs it. */
export async function ready(): Promise<void> {
  await sodium.ready;
  loaded = true;
}

export function lib(): typeof sodium {
  if (!loaded) throw new Error("call ready() first");
  return sodium;
}

export const systemRandom: Random = (n) => lib().randombytes_buf(n);

export interface KdfParams {
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
}

/** Stored parameters below the floor (or absurdly high) are refused, as in Python. */
export function checkParams(p: KdfParams): void {
  if (p.salt.length !== 16) throw new FormatError("a KDF salt is 16 bytes");
  if (p.opslimit < OPSLIMIT_FLOOR || p.memlimit < MEMLIMIT_FLOOR)
    throw new FormatError("key-derivation parameters below the floor");
  if (p.opslimit > OPSLIMIT_MAX || p.memlimit > MEMLIMIT_MAX)
    throw new FormatError("key-derivation parameters above the maximum");
}

export function normalizePassphrase(passphrase: string): Uint8Array {
  const data = utf8(passphrase.normalize("NFKC"));
  if (data.length === 0) throw new FormatError("passphrase must not be empty");
  if (data.length > PASSPHRASE_MAX_BYTES) throw new FormatError("passphrase is too long");
  return data;
}

/** Argon2id(secret, params) -> the 32-byte root. */
export function stretch(secret: Uint8Array, p: KdfParams): Uint8Array {
  checkParams(p);
  const s = lib();
  return s.crypto_pwhash(KEY_BYTES, secret, p.salt, p.opslimit, p.memlimit,
    s.crypto_pwhash_ALG_ARGON2ID13);
}

function pad16(text: string): Uint8Array {
  const raw = utf8(text);
  if (raw.length > 16) throw new FormatError("personalisation is at most 16 bytes");
  const out = new Uint8Array(16);
  out.set(raw);
  return out;
}

/** Subkey = keyed BLAKE2b(key = root, salt = 0^16, personal = purpose padded to 16). */
export function derive(root: Uint8Array, purpose: string, size = KEY_BYTES): Uint8Array {
  return lib().crypto_generichash_blake2b_salt_personal(size, root, new Uint8Array(16),
    pad16(purpose));
}

export type AdField = string | number | bigint | Uint8Array;

/** AD(purpose, fields...) = P("CARNET1") | P(purpose) | P(field)...; text as UTF-8,
 * integers as u64 big-endian, bytes as is. */
export function associatedData(purpose: string, ...fields: AdField[]): Uint8Array {
  const parts: Uint8Array[] = [utf8("CARNET1"), utf8(purpose)];
  for (const f of fields) {
    if (typeof f === "string") parts.push(utf8(f));
    else if (typeof f === "number" || typeof f === "bigint") parts.push(u64(f));
    else parts.push(f);
  }
  return concat(...parts.flatMap((p) => [u16(p.length), p]));
}

/** BLAKE2b-128 of a public key, personal "carnet.fpr". */
export function fingerprint(publicKey: Uint8Array, size = 16): Uint8Array {
  return blake2bRaw(publicKey, size, { salt: new Uint8Array(16), personal: pad16("carnet.fpr") });
}

/** Generic BLAKE2b with an optional personalisation (hashes in consent formats). */
export function blake2b(data: Uint8Array, size: number, personal?: string): Uint8Array {
  if (personal === undefined) return blake2bRaw(data, size);
  return blake2bRaw(data, size, { salt: new Uint8Array(16), personal: pad16(personal) });
}

const ENVELOPE_VERSION = 0x01;

/** envelope = 0x01 | nonce (24) | AEAD(key, plaintext, ad). */
export function seal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array,
  rng: Random = systemRandom): Uint8Array {
  if (key.length !== KEY_BYTES) throw new RangeError("key must be 32 bytes");
  const nonce = rng(NONCE_BYTES);
  const body = lib().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  return concat(new Uint8Array([ENVELOPE_VERSION]), nonce, body);
}

/** Open an envelope; every failure (version, length, key, AD, tampering) is DecryptionFailed. */
export function open(key: Uint8Array, blob: Uint8Array, ad: Uint8Array): Uint8Array {
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== ENVELOPE_VERSION ||
      key.length !== KEY_BYTES) throw new DecryptionFailed();
  try {
    return lib().crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(1 + NONCE_BYTES),
      ad, blob.subarray(1, 1 + NONCE_BYTES), key);
  } catch {
    throw new DecryptionFailed();
  }
}

/** A sealed box whose ephemeral key comes from ``rng`` (same bytes as crypto_box_seal). */
export function sealTo(publicKey: Uint8Array, message: Uint8Array,
  rng: Random = systemRandom): Uint8Array {
  if (publicKey.length !== 32) throw new FormatError("a box public key is 32 bytes");
  const s = lib();
  const eph = s.crypto_box_seed_keypair(rng(32));
  const nonce = s.crypto_generichash(24, concat(eph.publicKey, publicKey), null);
  return concat(eph.publicKey, s.crypto_box_easy(message, nonce, publicKey, eph.privateKey));
}

export function openSealed(secretKey: Uint8Array, blob: Uint8Array): Uint8Array {
  const s = lib();
  try {
    return s.crypto_box_seal_open(blob, s.crypto_scalarmult_base(secretKey), secretKey);
  } catch {
    throw new DecryptionFailed();
  }
}

/** Ed25519 from a 32-byte seed (Python keeps the seed; libsodium.js the 64-byte key). */
export function signingKeypair(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const kp = lib().crypto_sign_seed_keypair(seed);
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return lib().crypto_sign_detached(message, signingKeypair(seed).secretKey);
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return lib().crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The X25519 public key of a secret key. */
export function boxPublic(secretKey: Uint8Array): Uint8Array {
  return lib().crypto_scalarmult_base(secretKey);
}

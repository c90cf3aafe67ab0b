/** Recovery codes (vault/recovery.py): 18 secret bytes + a 2-byte check, 32 Crockford base32
 * symbols grouped by four. */

import { blake2b } from "./crypto.js";
import { concat, equal, FormatError, type Random } from "./bytes.js";

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const READ_AS: Record<string, string> = { O: "0", I: "1", L: "1" };
const SECRET_BYTES = 18;
const SYMBOLS = 32;

function checksum(secret: Uint8Array): Uint8Array {
  return blake2b(secret, 2, "carnet.recovery");
}

function toBigInt(data: Uint8Array): bigint {
  let n = 0n;
  for (const b of data) n = (n << 8n) | BigInt(b);
  return n;
}

export function encodeCrockford(data: Uint8Array, symbols: number): string {
  let n = toBigInt(data);
  let out = "";
  for (let i = 0; i < symbols; i++) {
    out = ALPHABET[Number(n & 31n)] + out;
    n >>= 5n;
  }
  if (n !== 0n) throw new RangeError("the value does not fit in this many symbols");
  return out;
}

export function generate(rng: Random): string {
  const secret = rng(SECRET_BYTES);
  const text = encodeCrockford(concat(secret, checksum(secret)), SYMBOLS);
  return (text.match(/.{4}/g) ?? []).join("-");
}

/** The code's secret bytes; FormatError for a code that is not well typed. */
export function parse(code: string): Uint8Array {
  const text = [...code.toUpperCase()].filter((c) => !" -\t\n".includes(c)).join("");
  if (text.length !== SYMBOLS) {
    throw new FormatError("this is not a recovery code (32 letters and digits in groups of 4)");
  }
  let n = 0n;
  for (const ch of text) {
    const sym = READ_AS[ch] ?? ch;
    const v = ALPHABET.indexOf(sym);
    if (v < 0) throw new FormatError("this is not a recovery code (32 letters and digits in groups of 4)");
    n = (n << 5n) | BigInt(v);
  }
  const raw = new Uint8Array(20);
  for (let i = 19; i >= 0; i--) {
    raw[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  const secret = raw.slice(0, SECRET_BYTES);
  if (!equal(checksum(secret), raw.subarray(SECRET_BYTES))) {
    throw new FormatError("the recovery code has a typing mistake; check each group");
  }
  return secret;
}

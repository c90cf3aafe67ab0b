/** What a client signs besides grants and tokens (consent/request.py): the login answer and a
 * professional's request, with the headers that carry the signature. */

import { concat, toHex, u16, u64, utf8 } from "./bytes.js";
import { lib, sign } from "./crypto.js";

const LOGIN_CONTEXT = concat(utf8("CARNET-LOGIN"), new Uint8Array([0x01]));
const REQUEST_CONTEXT = concat(utf8("CARNET-REQUEST"), new Uint8Array([0x01]));

const p = (x: Uint8Array): Uint8Array => concat(u16(x.length), x);

export function loginMessage(challenge: string): Uint8Array {
  if (!/^[\x20-\x7e]+$/.test(challenge)) throw new RangeError("a challenge is printable ASCII");
  return concat(LOGIN_CONTEXT, utf8(challenge));
}

export function sha256(data: Uint8Array): Uint8Array {
  return lib().crypto_hash_sha256(data);
}

export function requestMessage(method: string, path: string, body: Uint8Array, nonce: Uint8Array,
  at: number): Uint8Array {
  if (!/^[A-Z]{1,16}$/.test(method) || !path.startsWith("/") || nonce.length < 16 || nonce.length > 64)
    throw new RangeError("not a signable request");
  return concat(REQUEST_CONTEXT, p(utf8(method)), p(utf8(path)), sha256(body), p(nonce), u64(at));
}

function base64(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s);
}

/** The three headers of a signed request (nonce hex, time, signature in standard base64). */
export function signedHeaders(seed: Uint8Array, method: string, path: string, body: Uint8Array,
  nonce: Uint8Array, at: number): Record<string, string> {
  const signature = sign(seed, requestMessage(method, path, body, nonce, at));
  return { "x-carnet-nonce": toHex(nonce), "x-carnet-time": String(at),
    "x-carnet-signature": base64(signature) };
}


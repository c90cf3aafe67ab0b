/** A professional's identity QR (consent/identity.py): their idNat_PS and the fingerprint of
 * their signing key, shown at the desk so the patient's page grants to exactly the key in
 * front of them.
 *
 *   link = ORIGIN | "/P#" | decimal(0x01 | u8 len | idNat_PS (ASCII digits) | fpr (16)) */

import { concat, equal, FormatError, fromUtf8, utf8 } from "./bytes.js";
import { fingerprint } from "./crypto.js";
import { buildLink, fromDigits, parseLink } from "./link.js";

export const VERSION = 0x01;
const PS_ID = /^(?:8\d{11}|0\d{9})$/;
const FPR_BYTES = 16;

export interface Identity { psId: string; fingerprint: Uint8Array }

export function identityPayload(psId: string, fpr: Uint8Array): Uint8Array {
  if (!PS_ID.test(psId) || fpr.length !== FPR_BYTES) {
    throw new FormatError("an identity needs an idNat_PS and a 16-byte fingerprint");
  }
  return concat(new Uint8Array([VERSION, psId.length]), utf8(psId), fpr);
}

export function identityLink(origin: string, psId: string, fpr: Uint8Array): string {
  return buildLink(origin, "P", identityPayload(psId, fpr));
}

/** The identity a QR's text names; FormatError for anything else (another kind of code, a
 * damaged one). */
export function parseIdentity(text: string): Identity {
  const found = parseLink(text.trim());
  if (!found || found.kind !== "P") throw new FormatError("this is not a professional's identity code");
  const raw = fromDigits(found.digits);
  if (!raw || raw.length < 2 || raw[0] !== VERSION) throw new FormatError("this identity code is damaged");
  const n = raw[1] as number;
  if (raw.length !== 2 + n + FPR_BYTES) throw new FormatError("this identity code is damaged");
  const psId = fromUtf8(raw.subarray(2, 2 + n));
  if (!PS_ID.test(psId)) throw new FormatError("this identity code is damaged");
  return { psId, fingerprint: raw.slice(2 + n) };
}

/** Whether ``signPublic`` (a directory entry's key) is the key the identity code shows. */
export function identityMatches(id: Identity, signPublic: Uint8Array): boolean {
  return equal(fingerprint(signPublic), id.fingerprint);
}

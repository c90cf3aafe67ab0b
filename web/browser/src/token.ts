/** The consent token (consent/token.py), 124 bytes signed by the patient: decoding, the
 * signature, time and recipient checks, in the order of docs/formats.md "Reading". */

import { concat, equal, FormatError, fromHex, readU16, readU32, toHex, u16, u32,
  utf8 } from "./bytes.js";
import { flagsOf, sectionsMask, sectionsOf } from "./codec.js";
import { fingerprint, sign, signingKeypair, verify } from "./crypto.js";
import { buildLink, fromDigits, parseLink } from "./link.js";
import type { Section } from "./sections.js";

export const TOKEN_BYTES = 124;
const SIGNED = 60;
const CONTEXT = utf8("CARNET-CONSENT");
export const SKEW_SECONDS = 120;

export class TokenError extends Error {
  override name = "TokenError";
  constructor(readonly code: "invalid_token" | "token_expired" | "wrong_recipient" |
    "not_a_carnet_token", message: string) {
    super(message);
  }
}

export interface Token {
  sections: Set<Section>;
  write: boolean;
  emergency: boolean;
  grantId: string;
  patientFpr: Uint8Array;
  recipientFpr: Uint8Array;
  issuedAt: number;
  expiresAt: number;
  signature: Uint8Array;
  signed: Uint8Array;
}

export function decodeToken(data: Uint8Array): Token {
  const bad = (): never => { throw new TokenError("invalid_token", "this consent token is not valid"); };
  if (data.length !== TOKEN_BYTES || data[0] !== 0x01) bad();
  let sections: Set<Section>;
  let flags: { write: boolean; emergency: boolean };
  try {
    sections = sectionsOf(readU16(data, 1), "token");
    flags = flagsOf(data[3] as number, "token");
  } catch (e) {
    if (e instanceof FormatError) return bad();
    throw e;
  }
  const issuedAt = readU32(data, 52);
  const expiresAt = readU32(data, 56);
  if (expiresAt <= issuedAt) bad();
  return { sections, ...flags, grantId: toHex(data.subarray(4, 20)),
    patientFpr: data.slice(20, 36), recipientFpr: data.slice(36, 52), issuedAt, expiresAt,
    signature: data.slice(SIGNED), signed: data.slice(0, SIGNED) };
}

/** The key the server gave for the dossier must be the one the token names, and have signed it. */
export function verifyToken(t: Token, patientSignPublic: Uint8Array): void {
  if (!equal(fingerprint(patientSignPublic), t.patientFpr) ||
      !verify(patientSignPublic, concat(CONTEXT, t.signed), t.signature))
    throw new TokenError("invalid_token", "this consent token is not valid");
}

export function checkTime(t: Token, now: number, skew = SKEW_SECONDS): void {
  if (now >= t.expiresAt) throw new TokenError("token_expired", "this consent has expired");
  if (t.issuedAt > now + skew) throw new TokenError("invalid_token", "this consent token is not valid");
}

export function checkRecipient(t: Token, recipientSignPublic: Uint8Array): void {
  if (!equal(fingerprint(recipientSignPublic), t.recipientFpr))
    throw new TokenError("wrong_recipient", "this consent was issued to someone else");
}

/** The token's bytes, signed by the patient's key (consent/token.py ``sign``). */
export function signToken(seed: Uint8Array, c: { sections: Set<Section>; write: boolean;
  emergency: boolean; grantId: string; recipientSignPublic: Uint8Array; issuedAt: number;
  expiresAt: number }): Uint8Array {
  if (!c.sections.size || c.expiresAt <= c.issuedAt) throw new FormatError("a token names sections and expires after it starts");
  const body = concat(new Uint8Array([0x01]), u16(sectionsMask(c.sections)),
    new Uint8Array([(c.write ? 1 : 0) | (c.emergency ? 2 : 0)]), fromHex(c.grantId),
    fingerprint(signingKeypair(seed).publicKey), fingerprint(c.recipientSignPublic),
    u32(c.issuedAt), u32(c.expiresAt));
  return concat(body, sign(seed, concat(CONTEXT, body)));
}

/** The token as the link its QR code carries, on the deployment at ``origin``. */
export function tokenLink(data: Uint8Array, origin: string): string {
  return buildLink(origin, "C", data);
}

/** The token bytes from a scanned or pasted link (any origin); TokenError otherwise. */
export function tokenFromLink(text: string): Uint8Array {
  const found = parseLink(text);
  if (!found || found.kind !== "C") throw new TokenError("not_a_carnet_token", "this is not a Carnet consent");
  const data = fromDigits(found.digits);
  if (!data || data.length !== TOKEN_BYTES) throw new TokenError("invalid_token", "this consent token is not valid");
  return data;
}

/** A consent token presented by its recipient (web/client/consent.py ``present`` and
 * ``decrypt_items``): the checks the Python client makes on what the server returns, and the
 * granted items decrypted with the grant's keys. Pure but for the caller's request. */

import { unb64, type Json } from "./api.js";
import { DecryptionFailed, equal, FormatError } from "./bytes.js";
import { recordOf } from "./core.js";
import { fingerprint } from "./crypto.js";
import { decodeGrant, type GrantCore, type GrantKeys, openGrantKeys, verifyGrant } from "./grant.js";
import { type Item, openItemWithKey, unwrapItemKey } from "./item.js";
import type { Section } from "./sections.js";
import { checkRecipient, checkTime, decodeToken, type Token, TokenError, tokenFromLink,
  verifyToken } from "./token.js";

/** What a scan opened: everything G2's writes and the dossier view need. */
export interface ScannedDossier {
  /** The token text as presented (presented again for attachments and writes). */
  readonly text: string;
  readonly dossierId: string;
  readonly patientSignPublic: Uint8Array;
  readonly patientBoxPublic: Uint8Array;
  readonly core: GrantCore;
  readonly keys: GrantKeys;
  /** The sections the grant carries keys for. */
  readonly sections: ReadonlySet<Section>;
  readonly write: boolean;
  /** The earlier of the grant's and the token's expiry (Unix seconds). */
  readonly expiresAt: number;
  /** The granted items that opened (never a masked one: the server does not send those,
   * and no key here would open them). */
  readonly items: readonly Item[];
  /** Ids of granted items that did not open (they never hide the others). */
  readonly unreadable: readonly string[];
}

/** The token inside a scanned or pasted text: a link (``…#C…``) or the bare digits. */
export function tokenOf(text: string): Token {
  const t = text.trim();
  if (!t) throw new TokenError("not_a_carnet_token", "this is not a Carnet consent");
  return decodeToken(tokenFromLink(t));
}

/** Local checks before anything is sent: a Carnet consent, not expired, issued to us. */
export function precheck(text: string, mySignPublic: Uint8Array, now: number): Token {
  const tok = tokenOf(text);
  checkTime(tok, now);
  checkRecipient(tok, mySignPublic);
  return tok;
}

/** Decrypt the items wrapped under one of the grant's keys; any other is left out, one that
 * does not open is listed in ``unreadable``. */
export function decryptItems(dossierId: string, bodies: readonly Json[], keys: GrantKeys,
  unreadable: string[]): Item[] {
  const byRef = new Map<string, { section: Section; key: Uint8Array }>();
  for (const [section, ks] of keys.keys) for (const [ref, key] of ks) byRef.set(ref, { section, key });
  const found: Item[] = [];
  for (const b of bodies) {
    const r = recordOf(dossierId, b);
    const hit = byRef.get(r.keyRef);
    if (!hit) continue;
    try {
      const itemKey = unwrapItemKey(r, { ref: r.keyRef, key: hit.key, section: hit.section }, hit.section);
      found.push(openItemWithKey(r, itemKey, hit.section));
    } catch (e) {
      if (e instanceof DecryptionFailed || e instanceof FormatError) unreadable.push(r.itemId);
      else throw e;
    }
  }
  return found;
}

/** Check the server's answer to a scan as ``web.client.consent.present`` does, then open the
 * keys with our box secret and decrypt the items. */
export function openScan(text: string, tok: Token, body: Json, me: { signPublic: Uint8Array;
  boxSecret: Uint8Array; psId: string }): ScannedDossier {
  const d = body["dossier"] as Json;
  const dossierId = String(d["dossier_id"]);
  const patientSignPublic = unb64(d["sign_public"]);
  verifyToken(tok, patientSignPublic); // the server cannot substitute another patient's key
  const signed = decodeGrant(unb64(body["grant"]));
  verifyGrant(signed, patientSignPublic); // a grant the server invented fails here
  const core = signed.core;
  const sameSections = core.sections.size === tok.sections.size
    && [...tok.sections].every((s) => core.sections.has(s));
  if (core.grantId !== tok.grantId || !sameSections || core.write !== tok.write
    || core.emergency !== tok.emergency || tok.expiresAt > core.expiresAt
    || !equal(fingerprint(core.recipientSignPublic), tok.recipientFpr) || core.dossierId !== dossierId)
    throw new TokenError("invalid_token", "this consent token is not valid");
  if (core.recipientId !== me.psId || !equal(core.recipientSignPublic, me.signPublic))
    throw new TokenError("wrong_recipient", "this consent was issued to someone else");
  const keys = openGrantKeys(signed, me.boxSecret);
  const unreadable: string[] = [];
  const items = decryptItems(dossierId, (body["items"] as Json[]) ?? [], keys, unreadable);
  return { text, dossierId, patientSignPublic, patientBoxPublic: unb64(d["box_public"]), core, keys,
    sections: new Set(keys.current.keys()), write: core.write,
    expiresAt: Math.min(core.expiresAt, tok.expiresAt), items, unreadable };
}

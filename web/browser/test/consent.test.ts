import assert from "node:assert/strict";
import { before, test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { boxPublic, ready } from "../src/crypto.js";
import { decodeGrant, InvalidGrant, openGrantKeys, signedMessage, verifyGrant } from "../src/grant.js";
import { checkRecipient, checkTime, decodeToken, verifyToken } from "../src/token.js";
import { vectors } from "./vectors.js";

const c = vectors("consent");
const g2 = vectors("grant_v2");
before(ready);

test("token: decode, patient signature, time and recipient", () => {
  const t = decodeToken(h(c["token"].bytes));
  verifyToken(t, h(c["patient_sign_public"]));
  checkRecipient(t, h(c["recipient_sign_public"]));
  assert.throws(() => checkRecipient(t, h(c["patient_sign_public"])), { code: "wrong_recipient" });
  assert.throws(() => verifyToken(t, h(c["recipient_sign_public"])), { code: "invalid_token" });
  checkTime(t, t.issuedAt);
  assert.throws(() => checkTime(t, t.expiresAt), { code: "token_expired" });
  assert.throws(() => checkTime(t, t.issuedAt - 121), { code: "invalid_token" });
  const widened = h(c["token"].bytes);
  widened[2] = (widened[2] as number) | 0x01;
  assert.throws(() => verifyToken(decodeToken(widened), h(c["patient_sign_public"])));
  const reserved = h(c["token"].bytes);
  reserved[1] = 0x80;
  assert.throws(() => decodeToken(reserved), { code: "invalid_token" });
  assert.throws(() => decodeToken(h(c["token"].bytes).slice(0, 123)), { code: "invalid_token" });
});

test("grant v1: signature, sealed keys opened by the recipient and checked against the core", () => {
  const g = decodeGrant(h(c["grant"].bytes));
  verifyGrant(g, h(c["patient_sign_public"]));
  assert.throws(() => verifyGrant(g, h(c["recipient_sign_public"])), InvalidGrant);
  const keys = openGrantKeys(g, h(c["recipient_box_secret"]));
  assert.deepEqual([...keys.keys.keys()].sort(), [...g.core.sections].sort());
  assert.equal(toHex(boxPublic(h(c["recipient_box_secret"]))), toHex(g.core.recipientBoxPublic));
  assert.throws(() => openGrantKeys(g, new Uint8Array(32).fill(7)), InvalidGrant);
  const tampered = h(c["grant"].bytes);
  tampered[tampered.length - 70] = (tampered[tampered.length - 70] as number) ^ 1; // inside sealed
  assert.throws(() => verifyGrant(decodeGrant(tampered), h(c["patient_sign_public"])), InvalidGrant);
});

test("grant v2 (re-sealed): generation, current refs and signed message as in the vector", () => {
  const g = decodeGrant(h(g2["v2"].bytes));
  assert.equal(g.core.version, 2);
  assert.equal(g.core.generation, g2["v2"].generation);
  assert.deepEqual(g.core.currentRefs, g2["v2"].current_refs);
  assert.deepEqual(g.core.keyRefs, g2["v2"].key_refs);
  assert.equal(toHex(signedMessage(g.core)), g2["v2"].signed_message);
  verifyGrant(g, h(g2["patient_sign_public"]));
  const keys = openGrantKeys(g, h(g2["recipient_box_secret"]));
  assert.deepEqual([...keys.current.values()].sort(), g.core.currentRefs);
  const v1 = decodeGrant(h(g2["v1"].bytes));
  verifyGrant(v1, h(g2["patient_sign_public"]));
  assert.equal(v1.core.grantId, g.core.grantId);
});

test("directory countersignature: the message rebuilt from its fields, the authority's signature", async () => {
  const { entryMessage, verifyEntry, UntrustedEntry } = await import("../src/directory.js");
  const { signingKeypair } = await import("../src/crypto.js");
  const { Reader } = await import("../src/codec.js");
  const { fromUtf8 } = await import("../src/bytes.js");
  const d = c["directory"];
  const r = new Reader(h(d.message), "entry");
  r.take(16 + 1);
  const text = () => fromUtf8(r.take(r.u16()));
  const [psId, name, profession, specialty, city, roles] = [text(), text(), text(), text(), text(), text()];
  const entry = { psId, name, profession, specialty, city, roles: roles ? roles.split(",") : [],
    signPublic: r.take(32), boxPublic: r.take(32) };
  r.end();
  assert.equal(toHex(entryMessage(entry)), d.message);
  const authority = signingKeypair(h(d.authority_seed)).publicKey;
  verifyEntry(entry, h(d.signature), authority);
  assert.throws(() => verifyEntry({ ...entry, city: "Ailleurs" }, h(d.signature), authority), UntrustedEntry);
  assert.throws(() => verifyEntry({ ...entry, boxPublic: new Uint8Array(32) }, h(d.signature), authority), UntrustedEntry);
});

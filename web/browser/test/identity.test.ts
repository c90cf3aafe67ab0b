/** The professional's identity QR (consent/identity.py) against tests/vectors/links.json:
 * the browser draws the link Python draws and reads it back; other codes are refused. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { fromHex, toHex } from "../src/bytes.js";
import { ready } from "../src/crypto.js";
import { identityLink, identityMatches, parseIdentity } from "../src/identity.js";
import { vectors } from "./vectors.js";

interface Code { origin: string; kind: string; payload: string; link: string }

test("identity links are Python's, both ways", async () => {
  await ready();
  const codes = (vectors("links")["codes"] as Code[]).filter((c) => c.kind === "P");
  assert.ok(codes.length > 0);
  for (const c of codes) {
    const raw = fromHex(c.payload);
    const n = raw[1] as number;
    const psId = new TextDecoder().decode(raw.subarray(2, 2 + n));
    const fpr = raw.slice(2 + n);
    assert.equal(identityLink(c.origin, psId, fpr), c.link);
    const id = parseIdentity(c.link);
    assert.equal(id.psId, psId);
    assert.equal(toHex(id.fingerprint), toHex(fpr));
  }
});

test("other codes and damaged ones are refused; the key must match", async () => {
  await ready();
  const consent = (vectors("links")["codes"] as Code[]).find((c) => c.kind === "C") as Code;
  assert.throws(() => parseIdentity(consent.link));
  assert.throws(() => parseIdentity("bonjour docteur"));
  const p = (vectors("links")["codes"] as Code[]).find((c) => c.kind === "P") as Code;
  assert.throws(() => parseIdentity(p.link.slice(0, -3)));
  const id = parseIdentity(p.link);
  assert.equal(identityMatches(id, new Uint8Array(32)), false);
});

import assert from "node:assert/strict";
import { before, test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { ready, sign, signingKeypair } from "../src/crypto.js";
import { loginMessage, requestMessage, sha256, signedHeaders } from "../src/request.js";
import { vectors } from "./vectors.js";

const r = vectors("requests");
before(ready);

test("login message and signature", () => {
  const l = r["login"];
  assert.equal(toHex(loginMessage(l.challenge)), l.message);
  assert.equal(toHex(signingKeypair(h(l.seed)).publicKey), l.public);
  assert.equal(toHex(sign(h(l.seed), loginMessage(l.challenge))), l.signature);
});

test("a professional's signed request: message, signature and headers", () => {
  const q = r["request"];
  assert.equal(toHex(sha256(h(q.body))), q.body_sha256);
  assert.equal(toHex(requestMessage(q.method, q.path, h(q.body), h(q.nonce), q.at)), q.message);
  assert.deepEqual(signedHeaders(h(q.seed), q.method, q.path, h(q.body), h(q.nonce), q.at), q.headers);
});

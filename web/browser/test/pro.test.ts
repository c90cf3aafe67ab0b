import assert from "node:assert/strict";
import { test } from "node:test";

import { fromHex, toHex } from "../src/bytes.js";
import { ready, signingKeypair } from "../src/crypto.js";
import { sealHome, unsealHome } from "../src/prohome.js";
import { precheck } from "../src/proscan.js";
import { signToken, TokenError, tokenLink } from "../src/token.js";
import { scripted } from "./vectors.js";

// web/client/home.py ``seal`` of this profile with salt 0x11*16 and nonce 0x22*24.
const PYTHON_FILE = "01000000447b2273616c74223a22455245524552455245524552455245524552455245513d3d222c226f70736c696d6974223a332c226d656d6c696d6974223a36373130383836347d01222222222222222222222222222222222222222222222222bf67f750c66321e3fc3aa78cdd3dd62872df06a244e121576d257ce45aa8029c0b030fd90d45d79e8e086dcfe8fc1867612afc4c68d02f5401769189f4d71bf10fade99ef946122647cbdda07c32765d03c7a060ed974aab92b24338860721adb34948ba17d9d33d34eb11451f93a86a24d28637f6012ebf14bb04964fe6704c201c35abed80b665825cc341b076a016f4f1dc05c6bd69af5acd0efc46a64de08855dd7105b6fcf3dd7cb93773d31ee02aeba1378e541804b2bc17ffefbaacfd52978e665285ecd15419946820c56e";
const PASS = "cerise fanfare lampion boussole";
const profile = { server: "http://127.0.0.1:8000", psId: "810000000131",
  signSeed: Uint8Array.from({ length: 32 }, (_, i) => i),
  boxSecret: Uint8Array.from({ length: 32 }, (_, i) => 32 + i), name: "Dr Claire Lefèvre",
  profession: "médecin" };

test("the professional's key file is the Python client's, byte for byte", async () => {
  await ready();
  const rng = scripted(new Uint8Array(16).fill(0x11), new Uint8Array(24).fill(0x22));
  assert.equal(toHex(sealHome(profile, PASS, { rng })), PYTHON_FILE);
  const opened = unsealHome(fromHex(PYTHON_FILE), PASS);
  assert.equal(opened.psId, profile.psId);
  assert.equal(opened.name, profile.name);
  assert.deepEqual(opened.signSeed, profile.signSeed);
  assert.deepEqual(opened.boxSecret, profile.boxSecret);
});

test("a wrong passphrase or a tampered file does not open; a foreign file is a FormatError", async () => {
  await ready();
  assert.throws(() => unsealHome(fromHex(PYTHON_FILE), "une autre phrase"), { name: "UnlockFailed" });
  const bad = fromHex(PYTHON_FILE);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
  assert.throws(() => unsealHome(bad, PASS), { name: "UnlockFailed" });
  assert.throws(() => unsealHome(new Uint8Array([2, 0, 0, 0, 0]), PASS), { name: "FormatError" });
});

test("a scanned text is checked before anything is sent: a consent, not expired, ours", async () => {
  await ready();
  const patient = new Uint8Array(32).fill(7);
  const me = signingKeypair(new Uint8Array(32).fill(8)).publicKey;
  const other = signingKeypair(new Uint8Array(32).fill(9)).publicKey;
  const tok = signToken(patient, { sections: new Set(["allergies"]), write: false, emergency: false,
    grantId: "ab".repeat(16), recipientSignPublic: me, issuedAt: 1000, expiresAt: 2000 });
  const link = tokenLink(tok, "https://carnet.example");
  assert.equal(precheck(link, me, 1500).grantId, "ab".repeat(16));
  const code = (t: string, key: Uint8Array, now: number): string => {
    try {
      precheck(t, key, now);
    } catch (e) {
      if (e instanceof TokenError) return e.code;
      throw e;
    }
    return "ok";
  };
  assert.equal(code(link, me, 2000), "token_expired");
  assert.equal(code(link, other, 1500), "wrong_recipient");
  assert.equal(code("https://example.org/some/page", me, 1500), "not_a_carnet_token");
  assert.equal(code("", me, 1500), "not_a_carnet_token");
});

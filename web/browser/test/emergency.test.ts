import assert from "node:assert/strict";
import { before, test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { boxPublic, open, openSealed, ready, signingKeypair } from "../src/crypto.js";
import { base45Decode, cardAd, contactCode, decodeSummaryKeys, isCard, isContactCode,
  openCardPackage, openForService, parseCard, sealNote, serviceKeyFromText } from "../src/emergency.js";
import { buildLink, fromDigits } from "../src/link.js";
import { scripted, vectors } from "./vectors.js";

const v = vectors("card");
const links = vectors("links");
before(ready);

const plain = (keys: Map<string, Map<string, Uint8Array>>): Record<string, Record<string, string>> =>
  Object.fromEntries([...keys].map(([s, ks]) => [s, Object.fromEntries([...ks].map(([r, k]) => [r, toHex(k)]))]));

test("card: the legacy text and the link give the card id and share", () => {
  const c = v["card"];
  const fromText = parseCard(c.text);
  assert.equal(toHex(fromText.cardId), c.card_id);
  assert.equal(toHex(fromText.share), c.card_share);
  const link = buildLink("https://carnet.example.fr", "E", h("01" + c.card_id + c.card_share));
  const fromLink = parseCard(`  ${link.toLowerCase()}\n`);
  assert.equal(toHex(fromLink.cardId), c.card_id);
  assert.equal(toHex(fromLink.share), c.card_share);
  for (const code of links["codes"].filter((x: { kind: string }) => x.kind === "E")) {
    assert.equal("01" + toHex(parseCard(code.link).cardId) + toHex(parseCard(code.legacy_text).share),
      code.payload);
  }
  for (const bad of [links["codes"][0].link, "https://example.org/", "HTTPS://CRNT.FR/E/AB",
    c.text.slice(0, -2), link.slice(0, -3), "hello"]) {
    assert.equal(isCard(bad), false, bad);
    assert.throws(() => parseCard(bad), { code: "not_an_emergency_card" });
  }
});

test("card: K = card share XOR server share opens the package into the vector's keys", () => {
  const c = v["card"];
  assert.equal(toHex(cardAd(v["dossier_id"], h(c.card_id))), c.ad);
  assert.equal(toHex(open(h(c.key), h(c.package), h(c.ad))), v["keys_plaintext"]);
  const keys = openCardPackage(h(c.package), h(c.card_share), h(c.server_share), v["dossier_id"],
    h(c.card_id));
  assert.deepEqual(plain(keys), v["keys"]);
  assert.deepEqual([...keys.values()].flatMap((m) => [...m.keys()]).sort(), c.key_refs);
  const other = h(c.server_share);
  other[0] = (other[0] as number) ^ 1;
  assert.throws(() => openCardPackage(h(c.package), h(c.card_share), other, v["dossier_id"],
    h(c.card_id)), { code: "emergency_package_unreadable" });
  assert.throws(() => openCardPackage(h(c.package), h(c.card_share), h(c.server_share),
    "ffffffffffffffffffffffffffffffff", h(c.card_id)), { code: "emergency_package_unreadable" });
});

test("break-glass: the service's key opens the sealed package; no other key does", () => {
  const b = v["break_glass"];
  assert.equal(toHex(openSealed(h(b.service_box_secret), h(b.sealed))), v["keys_plaintext"]);
  assert.deepEqual(plain(openForService(h(b.sealed), h(b.service_box_secret))), v["keys"]);
  assert.throws(() => openForService(h(b.sealed), new Uint8Array(32).fill(3)), { code: "emergency_package_unreadable" });
  assert.deepEqual(serviceKeyFromText(` ${b.service_box_secret.toUpperCase()}\n`), h(b.service_box_secret));
  assert.throws(() => serviceKeyFromText("abc"));
});

test("summary keys: a bad version or shape is unreadable", () => {
  assert.deepEqual(plain(decodeSummaryKeys(h(v["keys_plaintext"]))), v["keys"]);
  const wrong = h(v["keys_plaintext"]);
  wrong[0] = 2;
  assert.throws(() => decodeSummaryKeys(wrong), { code: "emergency_package_unreadable" });
  assert.throws(() => decodeSummaryKeys(h("0181a4626f6f6b01")), { code: "emergency_package_unreadable" });
});

test("sealed note: 0x01 | len(purpose) | purpose | text, sealed to the patient", () => {
  const b = v["break_glass"];
  const sealed = sealNote(h(b.service_box_public), "card-who", "SAMU 69", scripted(new Uint8Array(32).fill(9)));
  const inside = openSealed(h(b.service_box_secret), sealed);
  assert.equal(toHex(inside), "0108" + Buffer.from("card-whoSAMU 69").toString("hex"));
  assert.equal(sealed.length, 32 + 16 + 2 + 8 + 7);
  assert.throws(() => sealNote(h(b.service_box_public), "card-who", "a\nb"));
});

test("base45: strict decoding", () => {
  assert.deepEqual(base45Decode("BB8"), new Uint8Array([0x41, 0x42]));
  assert.equal(base45Decode("GGW"), null); // 65536 overflows
  assert.equal(base45Decode("A"), null);
  assert.equal(base45Decode("ab"), null);
});

test("contact code: the K link of the vector, from the dossier's keys", () => {
  const k = links["codes"].find((x: { kind: string }) => x.kind === "K");
  assert.ok(isContactCode(k.link) && isContactCode(k.legacy_text));
  assert.equal(isContactCode(v["card"].text), false);
  const me = { dossierId: v["dossier_id"], signSeed: new Uint8Array(32).fill(1),
    boxSecret: new Uint8Array(32).fill(2) };
  const code = contactCode(me, "https://carnet.example.fr");
  assert.ok(isContactCode(code) && code.startsWith("HTTPS://CARNET.EXAMPLE.FR/K#"));
  const payload = fromDigits(code.split("#")[1] as string);
  assert.equal(toHex(payload as Uint8Array), "01" + v["dossier_id"] +
    toHex(signingKeypair(me.signSeed).publicKey) + toHex(boxPublic(me.boxSecret)));
});

import assert from "node:assert/strict";
import { before, test } from "node:test";

import { openArchive } from "../src/archive.js";
import { openAttachment } from "../src/attachment.js";
import { fromHex as h, toHex, utf8 } from "../src/bytes.js";
import { associatedData, derive, normalizePassphrase, open, ready, seal } from "../src/crypto.js";
import { decodeItem, encodeItem, itemAd, openItemWithKey, unwrapItemKey } from "../src/item.js";
import { boxPublicKey, decode, emergencyRecord, encode, openKeyring, sealKeyring, signPublic,
  withEmergency } from "../src/keyring.js";
import { parse as parseRecovery } from "../src/recovery.js";
import { makeSlot, openSlot, stretchSecret, UnlockFailed } from "../src/slots.js";
import { decodeTombstone, encodeTombstone, verifyTombstone } from "../src/tombstone.js";
import { scripted, vectors } from "./vectors.js";

const v = vectors("vault");
before(ready);

test("derive", () => {
  for (const c of v["derive"].cases) assert.equal(toHex(derive(h(v["derive"].root), c.purpose)), c.key);
});

test("associated data", () => {
  for (const c of v["associated_data"]) {
    const fields = c.fields.map((f: string | number) => f);
    assert.equal(toHex(associatedData(c.purpose, ...fields)), c.ad);
  }
});

test("envelope seals to the same bytes and opens; tampering fails", () => {
  const e = v["envelope"];
  const blob = h(e.blob);
  assert.equal(toHex(seal(h(e.key), h(e.plaintext), h(e.ad), scripted(blob.slice(1, 25)))), e.blob);
  assert.equal(toHex(open(h(e.key), blob, h(e.ad))), e.plaintext);
  const bad = blob.slice();
  bad[30] = (bad[30] as number) ^ 1;
  assert.throws(() => open(h(e.key), bad, h(e.ad)), { name: "DecryptionFailed" });
  assert.throws(() => open(h(e.key), blob, utf8("other")), { name: "DecryptionFailed" });
});

test("passphrase slot: NFKC, Argon2id, wrap and login keys, the wrapped master", () => {
  const s = v["passphrase_slot"];
  assert.equal(toHex(normalizePassphrase(s.passphrase)), s.nfkc_utf8);
  const params = { salt: h(s.salt), opslimit: s.opslimit, memlimit: s.memlimit };
  const secrets = stretchSecret("passphrase", s.passphrase, params);
  assert.equal(toHex(secrets.wrapKey), s.wrap_key);
  assert.equal(toHex(secrets.loginPublic), s.login_public);
  const slot = { name: "passphrase" as const, ...params, wrapped: h(s.wrapped), loginPublic: h(s.login_public) };
  assert.equal(toHex(openSlot(slot, s.passphrase, s.dossier_id)), s.master);
  assert.throws(() => openSlot(slot, "not it", s.dossier_id), UnlockFailed);
  assert.throws(() => openSlot(slot, s.passphrase, "00".repeat(16)), UnlockFailed);
  const again = makeSlot("passphrase", s.passphrase, h(s.master), s.dossier_id, params,
    scripted(h(s.wrapped).slice(1, 25)));
  assert.equal(toHex(again.wrapped), s.wrapped);
});

test("recovery slot and code", () => {
  const s = v["recovery_slot"];
  assert.equal(toHex(parseRecovery(s.code)), s.secret);
  assert.equal(toHex(parseRecovery(s.code.toLowerCase().replaceAll("-", " "))), s.secret);
  const typo = (s.code[0] === "A" ? "B" : "A") + s.code.slice(1);
  assert.throws(() => parseRecovery(typo), /typing mistake/);
  const slot = { name: "recovery" as const, salt: h(s.salt), opslimit: s.opslimit,
    memlimit: s.memlimit, wrapped: h(s.wrapped), loginPublic: new Uint8Array(0) };
  assert.equal(toHex(openSlot(slot, s.code, "0123456789abcdef0123456789abcdef")), s.master);
});

test("keyring opens, re-encodes byte-identical and seals to the same blob", () => {
  const k = v["keyring"];
  const ring = openKeyring(h(k.blob), h(k.master), k.dossier_id, k.version);
  assert.equal(toHex(encode(ring)), k.plaintext);
  assert.equal(toHex(encode(decode(h(k.plaintext)))), k.plaintext);
  assert.equal(toHex(signPublic(ring)), k.sign_public);
  assert.equal(toHex(boxPublicKey(ring)), k.box_public);
  assert.equal(toHex(sealKeyring(ring, h(k.master), k.dossier_id, k.version,
    scripted(h(k.blob).slice(1, 25)))), k.blob);
  assert.throws(() => openKeyring(h(k.blob), h(k.master), k.dossier_id, k.version + 1),
    { name: "DecryptionFailed" });
});

test("keyring's emergency record: Python's bytes read and written again byte-identical", () => {
  const k = v["keyring_emergency"];
  const ring = decode(h(k.plaintext));
  const record = emergencyRecord(ring);
  assert.ok(record);
  assert.deepEqual(Object.fromEntries(record.cards), k.cards);
  assert.equal(toHex(record.breakGlass ?? new Uint8Array(0)), k.break_glass);
  assert.equal(toHex(encode(withEmergency(ring, record))), k.plaintext);
  // built here in another order: the same bytes
  const cards = new Map([...record.cards].reverse());
  assert.equal(toHex(encode(withEmergency(ring, { cards, breakGlass: record.breakGlass }))), k.plaintext);
  assert.equal(emergencyRecord(decode(h(v["keyring"].plaintext))), null); // before the record
  const bad = withEmergency(ring, { cards: new Map([["not-a-card-id", 1]]), breakGlass: null });
  assert.throws(() => decode(encode(bad)), { name: "FormatError" });
});

test("item revision: unwrap, open, re-encode; masked wrap; wrong section fails", () => {
  const it = v["item"];
  const record = { dossierId: it.dossier_id, itemId: it.item_id, revision: it.revision,
    keyRef: it.section_key_ref, wrappedKey: h(it.wrapped_key), ciphertext: h(it.ciphertext), createdAt: 0 };
  assert.equal(toHex(itemAd("item", it.dossier_id, it.section, it.item_id, it.revision)), it.item_ad);
  assert.equal(toHex(itemAd("item-key", it.dossier_id, it.section, it.item_id, it.revision)), it.item_key_ad);
  const wrapping = { ref: it.section_key_ref, key: h(it.section_key), section: it.section };
  const key = unwrapItemKey(record, wrapping, it.section);
  const item = openItemWithKey(record, key, it.section);
  assert.equal(toHex(encodeItem(item)), it.plaintext);
  assert.deepEqual(decodeItem(h(it.plaintext), it.item_id, it.revision), item);
  assert.throws(() => unwrapItemKey(record, wrapping, "blood_group"), { name: "DecryptionFailed" });
  const masked = { ...record, keyRef: "mask", wrappedKey: h(it.masked_wrapped_key), ciphertext: h(it.masked_ciphertext) };
  const mkey = unwrapItemKey(masked, { ref: "mask", key: h(it.mask_key), section: null }, it.section);
  assert.equal(openItemWithKey(masked, mkey, it.section, true).title, item.title);
  assert.throws(() => unwrapItemKey(masked, wrapping, it.section), { name: "DecryptionFailed" });
});

test("tombstone", () => {
  const t = v["tombstone"];
  const stone = decodeTombstone(h(t.blob));
  assert.equal(stone.dossierId, t.dossier_id);
  assert.equal(stone.closedAt, t.closed_at);
  assert.ok(verifyTombstone(stone));
  assert.equal(toHex(encodeTombstone(stone)), t.blob);
  assert.ok(!verifyTombstone({ ...stone, closedAt: stone.closedAt + 1 }));
});

test("attachment chunks open to the pattern; a reordered chunk fails", () => {
  const a = v["open"].attachment;
  const ref = { id: a.attachment_id, name: "a.pdf", mediaType: "application/pdf", size: a.size,
    chunks: a.chunks.length, key: h(a.key), header: h(a.header) };
  const data = openAttachment(ref, a.chunks.map(h), a.dossier_id);
  assert.equal(data.length, a.size);
  assert.ok(data.every((b, i) => b === i % 256));
  assert.throws(() => openAttachment(ref, [...a.chunks].reverse().map(h), a.dossier_id));
});

test("archive opens with the passphrase", () => {
  const a = v["open"].archive;
  const contents = openArchive(h(a.blob), { passphrase: a.passphrase });
  assert.deepEqual(contents.entries.map((e) => e.item.title), a.titles);
  assert.throws(() => openArchive(h(a.blob), { passphrase: "wrong" }), UnlockFailed);
  assert.throws(() => openArchive(h(a.blob).slice(0, -3), { passphrase: a.passphrase }));
});

test("BLAKE2b in TypeScript agrees with libsodium (keyed, unkeyed, every length class)", async () => {
  const { blake2bRaw } = await import("../src/blake2b.js");
  const { lib } = await import("../src/crypto.js");
  for (const n of [0, 1, 127, 128, 129, 255, 256, 1000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
    for (const out of [16, 24, 32, 64]) {
      assert.equal(toHex(blake2bRaw(data, out)), toHex(lib().crypto_generichash(out, data, null)));
      const key = Uint8Array.from({ length: 32 }, (_, i) => i);
      assert.equal(toHex(blake2bRaw(data, out, { key })), toHex(lib().crypto_generichash(out, data, key)));
    }
  }
  const root = h(v["derive"].root);
  const personal = new Uint8Array(16);
  personal.set(utf8("carnet.wrap"));
  assert.equal(toHex(blake2bRaw(new Uint8Array(0), 32, { key: root, salt: new Uint8Array(16), personal })),
    v["derive"].cases[0].key);
});

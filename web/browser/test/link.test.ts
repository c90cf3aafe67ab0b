import assert from "node:assert/strict";
import { test } from "node:test";

import { fromHex as h, toHex } from "../src/bytes.js";
import { buildLink, fromDigits, normalizeOrigin, parseLink, toDigits } from "../src/link.js";
import { vectors } from "./vectors.js";

const v = vectors("links");

test("digits: fixed-width decimal, both ways; bad widths refused", () => {
  for (const d of v["digits"]) {
    assert.equal(toDigits(h(d.payload)), d.digits);
    assert.equal(toHex(fromDigits(d.digits) as Uint8Array), d.payload);
  }
  assert.equal(fromDigits("1234"), null);
  assert.equal(fromDigits("256"), null);
  assert.equal(fromDigits("12a"), null);
});

test("origins normalised or refused as in Python", () => {
  for (const [url, want] of Object.entries(v["origins"] as Record<string, string | null>)) {
    if (want === null) assert.throws(() => normalizeOrigin(url), url);
    else assert.equal(normalizeOrigin(url), want, url);
  }
});

test("every code's link, built and parsed", () => {
  for (const c of v["codes"]) {
    assert.equal(buildLink(c.origin, c.kind, h(c.payload)), c.link);
    const p = parseLink(c.link.toLowerCase());
    assert.ok(p);
    assert.equal(p.kind, c.kind);
    assert.equal(toHex(fromDigits(p.digits) as Uint8Array), c.payload);
  }
});

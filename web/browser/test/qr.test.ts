import assert from "node:assert/strict";
import { test } from "node:test";

import { createRequire } from "node:module";

type Decoder = (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
const loaded = createRequire(import.meta.url)("jsqr") as Decoder | { default: Decoder };
const jsQR: Decoder = typeof loaded === "function" ? loaded : loaded.default;

import { fromHex as h } from "../src/bytes.js";
import { buildLink } from "../src/link.js";
import { linkQr, pixels } from "../src/qr.js";
import { vectors } from "./vectors.js";

const v = vectors("links");

test("every code's QR has the version Python measured and decodes (jsQR) to its link", () => {
  for (const c of v["codes"]) {
    const link = buildLink(c.origin, c.kind, h(c.payload));
    const q = linkQr(link);
    assert.equal(q.version, c.qr_version_m, c.kind);
    const img = pixels(q, 4);
    const read = jsQR(img.data, img.width, img.width);
    assert.ok(read, c.kind);
    assert.equal(read.data, link);
  }
});

/** BLAKE2b (RFC 7693) with key, salt and personalisation, in 32-bit halves. libsodium.js
 * exposes salt and personal only for an empty message (its KDF helper), while Carnet's
 * fingerprints and hashes personalise a message: this fills that gap, and is checked against
 * libsodium on the vectors. */

const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]); // little-endian halves: [lo, hi] per 64-bit word

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
].map((row) => row.map((i) => 2 * i));

const v = new Uint32Array(32);
const m = new Uint32Array(32);

function add(a: number, b: number): void { // v[a] += v[b] (64-bit)
  const lo = v[a]! + v[b]!;
  v[a + 1] = v[a + 1]! + v[b + 1]! + (lo > 0xffffffff ? 1 : 0);
  v[a] = lo;
}

function addM(a: number, x: number): void { // v[a] += m[x]
  const lo = v[a]! + m[x]!;
  v[a + 1] = v[a + 1]! + m[x + 1]! + (lo > 0xffffffff ? 1 : 0);
  v[a] = lo;
}

function xorRot(a: number, b: number, r: number): void { // v[a] = rotr64(v[a] ^ v[b], r)
  const lo = v[a]! ^ v[b]!;
  const hi = v[a + 1]! ^ v[b + 1]!;
  if (r === 32) {
    v[a] = hi;
    v[a + 1] = lo;
  } else if (r < 32) {
    v[a] = (lo >>> r) | (hi << (32 - r));
    v[a + 1] = (hi >>> r) | (lo << (32 - r));
  } else {
    const s = r - 32;
    v[a] = (hi >>> s) | (lo << (32 - s));
    v[a + 1] = (lo >>> s) | (hi << (32 - s));
  }
}

function g(a: number, b: number, c: number, d: number, x: number, y: number): void {
  add(a, b); addM(a, x); xorRot(d, a, 32);
  add(c, d); xorRot(b, c, 24);
  add(a, b); addM(a, y); xorRot(d, a, 16);
  add(c, d); xorRot(b, c, 63);
}

function compress(h: Uint32Array, block: Uint8Array, t: number, last: boolean): void {
  for (let i = 0; i < 16; i++) { v[i] = h[i]!; v[i + 16] = IV[i]!; }
  v[24] = v[24]! ^ (t >>> 0);
  v[25] = v[25]! ^ Math.floor(t / 0x100000000);
  if (last) { v[28] = ~v[28]!; v[29] = ~v[29]!; }
  for (let i = 0; i < 32; i++) {
    const o = i * 4;
    m[i] = block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24);
  }
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10]!;
    g(0, 8, 16, 24, s[0]!, s[1]!);
    g(2, 10, 18, 26, s[2]!, s[3]!);
    g(4, 12, 20, 28, s[4]!, s[5]!);
    g(6, 14, 22, 30, s[6]!, s[7]!);
    g(0, 10, 20, 30, s[8]!, s[9]!);
    g(2, 12, 22, 24, s[10]!, s[11]!);
    g(4, 14, 16, 26, s[12]!, s[13]!);
    g(6, 8, 18, 28, s[14]!, s[15]!);
  }
  for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!;
}

export interface Blake2bOptions {
  key?: Uint8Array;
  salt?: Uint8Array; // 16 bytes
  personal?: Uint8Array; // 16 bytes
}

function words(data: Uint8Array | undefined, h: Uint32Array, at: number): void {
  if (!data) return;
  if (data.length !== 16) throw new RangeError("salt and personal are 16 bytes");
  for (let i = 0; i < 4; i++) {
    const o = i * 4;
    h[at + i] = h[at + i]! ^ (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24));
  }
}

export function blake2bRaw(data: Uint8Array, outlen: number, o: Blake2bOptions = {}): Uint8Array {
  const keylen = o.key?.length ?? 0;
  if (outlen < 1 || outlen > 64 || keylen > 64) throw new RangeError("bad BLAKE2b sizes");
  const h = new Uint32Array(IV);
  h[0] = h[0]! ^ (0x01010000 | (keylen << 8) | outlen);
  words(o.salt, h, 8);
  words(o.personal, h, 12);
  const block = new Uint8Array(128);
  let t = 0;
  let fill = 0;
  const feed = (bytes: Uint8Array): void => {
    for (const b of bytes) {
      if (fill === 128) {
        t += 128;
        compress(h, block, t, false);
        fill = 0;
      }
      block[fill++] = b;
    }
  };
  if (keylen) {
    const kb = new Uint8Array(128);
    kb.set(o.key as Uint8Array);
    feed(kb);
  }
  feed(data);
  t += fill;
  block.fill(0, fill);
  compress(h, block, t, true);
  const out = new Uint8Array(outlen);
  for (let i = 0; i < outlen; i++) out[i] = (h[i >> 2]! >>> (8 * (i & 3))) & 0xff;
  return out;
}

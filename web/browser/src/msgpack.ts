/** The MessagePack subset Carnet writes (nil, booleans, integers, float64, str, bin, arrays,
 * maps with text keys), encoded as msgspec does (smallest integer and header forms, maps in
 * insertion order) and decoded with a size and depth bound, like ``vault.bounded``: any bad
 * input is a FormatError, never a RangeError or a stack overflow. */

import { concat, FormatError, fromUtf8, utf8 } from "./bytes.js";

export type Value = null | boolean | number | string | Uint8Array | Value[] | MsgMap;
export type MsgMap = Map<string, Value>;

export function encode(value: Value): Uint8Array {
  const out: Uint8Array[] = [];
  write(value, out);
  return concat(...out);
}

function head(out: Uint8Array[], small: number, fix: number, codes: [number, number, number],
  n: number, fixMax: number): void {
  if (n <= fixMax && fix >= 0) out.push(new Uint8Array([fix | n]));
  else if (n <= 0xff && codes[0] >= 0) out.push(new Uint8Array([codes[0], n]));
  else if (n <= 0xffff) out.push(new Uint8Array([codes[1], n >>> 8, n & 0xff]));
  else {
    const b = new Uint8Array(5);
    b[0] = codes[2];
    new DataView(b.buffer).setUint32(1, n);
    out.push(b);
  }
  void small;
}

function writeInt(n: number, out: Uint8Array[]): void {
  if (!Number.isSafeInteger(n)) throw new RangeError("integer out of range");
  const b = new Uint8Array(9);
  const v = new DataView(b.buffer);
  if (n >= 0) {
    if (n < 0x80) out.push(new Uint8Array([n]));
    else if (n <= 0xff) out.push(new Uint8Array([0xcc, n]));
    else if (n <= 0xffff) out.push(new Uint8Array([0xcd, n >>> 8, n & 0xff]));
    else if (n <= 0xffffffff) { b[0] = 0xce; v.setUint32(1, n); out.push(b.subarray(0, 5)); }
    else { b[0] = 0xcf; v.setBigUint64(1, BigInt(n)); out.push(b); }
  } else if (n >= -32) out.push(new Uint8Array([n & 0xff]));
  else if (n >= -0x80) { b[0] = 0xd0; v.setInt8(1, n); out.push(b.subarray(0, 2)); }
  else if (n >= -0x8000) { b[0] = 0xd1; v.setInt16(1, n); out.push(b.subarray(0, 3)); }
  else if (n >= -0x80000000) { b[0] = 0xd2; v.setInt32(1, n); out.push(b.subarray(0, 5)); }
  else { b[0] = 0xd3; v.setBigInt64(1, BigInt(n)); out.push(b); }
}

function write(value: Value, out: Uint8Array[]): void {
  if (value === null) out.push(new Uint8Array([0xc0]));
  else if (value === true) out.push(new Uint8Array([0xc3]));
  else if (value === false) out.push(new Uint8Array([0xc2]));
  else if (typeof value === "number") {
    if (Number.isInteger(value)) writeInt(value, out);
    else {
      const b = new Uint8Array(9);
      b[0] = 0xcb;
      new DataView(b.buffer).setFloat64(1, value);
      out.push(b);
    }
  } else if (typeof value === "string") {
    const raw = utf8(value);
    head(out, 0, 0xa0, [0xd9, 0xda, 0xdb], raw.length, 31);
    out.push(raw);
  } else if (value instanceof Uint8Array) {
    head(out, 0, -1, [0xc4, 0xc5, 0xc6], value.length, -1);
    out.push(value);
  } else if (Array.isArray(value)) {
    head(out, 0, 0x90, [-1, 0xdc, 0xdd], value.length, 15);
    for (const v of value) write(v, out);
  } else {
    head(out, 0, 0x80, [-1, 0xde, 0xdf], value.size, 15);
    for (const [k, v] of value) {
      write(k, out);
      write(v, out);
    }
  }
}

export interface Bounds {
  maxSize: number;
  maxDepth: number;
  what: string;
}

/** Decode exactly one value filling ``data``; FormatError on anything else. */
export function decode(data: Uint8Array, bounds: Bounds): Value {
  if (data.length > bounds.maxSize) throw new FormatError(`${bounds.what} is too large`);
  const r = new Reader(data, bounds);
  const v = r.value(0);
  if (r.at !== data.length) throw new FormatError(`${bounds.what}: trailing bytes`);
  return v;
}

class Reader {
  at = 0;
  private readonly view: DataView;
  constructor(private readonly data: Uint8Array, private readonly bounds: Bounds) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private bad(): never {
    throw new FormatError(`${this.bounds.what} is malformed`);
  }

  private need(n: number): number {
    const at = this.at;
    if (at + n > this.data.length) this.bad();
    this.at += n;
    return at;
  }

  private u(n: 1 | 2 | 4): number {
    const at = this.need(n);
    return n === 1 ? this.view.getUint8(at) : n === 2 ? this.view.getUint16(at)
      : this.view.getUint32(at);
  }

  private bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.data.subarray(at, at + n);
  }

  private str(n: number): string {
    try {
      return fromUtf8(this.bytes(n));
    } catch {
      return this.bad();
    }
  }

  private safe(v: bigint): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.bad();
    return Number(v);
  }

  value(depth: number): Value {
    const t = this.u(1);
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t >= 0xa0 && t <= 0xbf) return this.str(t & 0x1f);
    if (t >= 0x90 && t <= 0x9f) return this.array(t & 0x0f, depth);
    if (t >= 0x80 && t <= 0x8f) return this.map(t & 0x0f, depth);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bytes(this.u(1)).slice();
      case 0xc5: return this.bytes(this.u(2)).slice();
      case 0xc6: return this.bytes(this.u(4)).slice();
      case 0xca: return this.view.getFloat32(this.need(4));
      case 0xcb: return this.view.getFloat64(this.need(8));
      case 0xcc: return this.u(1);
      case 0xcd: return this.u(2);
      case 0xce: return this.u(4);
      case 0xcf: return this.safe(this.view.getBigUint64(this.need(8)));
      case 0xd0: return this.view.getInt8(this.need(1));
      case 0xd1: return this.view.getInt16(this.need(2));
      case 0xd2: return this.view.getInt32(this.need(4));
      case 0xd3: return this.safe(this.view.getBigInt64(this.need(8)));
      case 0xd9: return this.str(this.u(1));
      case 0xda: return this.str(this.u(2));
      case 0xdb: return this.str(this.u(4));
      case 0xdc: return this.array(this.u(2), depth);
      case 0xdd: return this.array(this.u(4), depth);
      case 0xde: return this.map(this.u(2), depth);
      case 0xdf: return this.map(this.u(4), depth);
      default: return this.bad();
    }
  }

  private enter(depth: number, n: number): void {
    if (depth + 1 > this.bounds.maxDepth)
      throw new FormatError(`${this.bounds.what} is nested too deeply`);
    if (n > this.data.length - this.at) this.bad(); // each element takes at least one byte
  }

  private array(n: number, depth: number): Value[] {
    this.enter(depth, n);
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(n: number, depth: number): MsgMap {
    this.enter(depth, 2 * n);
    const out: MsgMap = new Map();
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      if (typeof k !== "string" || out.has(k)) this.bad();
      out.set(k, this.value(depth + 1));
    }
    return out;
  }
}

/** Typed accessors for decoded maps: each mismatch is a FormatError naming ``what``. */
export class Fields {
  constructor(private readonly map: Value, private readonly what: string) {
    if (!(map instanceof Map)) throw new FormatError(`${what} is not a map`);
  }

  private get m(): MsgMap {
    return this.map as MsgMap;
  }

  has(key: string): boolean {
    return this.m.has(key);
  }

  raw(key: string): Value | undefined {
    return this.m.get(key);
  }

  private fail(key: string): never {
    throw new FormatError(`${this.what}: bad ${key}`);
  }

  str(key: string): string {
    const v = this.m.get(key);
    return typeof v === "string" ? v : this.fail(key);
  }

  optStr(key: string): string | null {
    const v = this.m.get(key);
    if (v === undefined || v === null) return null;
    return typeof v === "string" ? v : this.fail(key);
  }

  int(key: string): number {
    const v = this.m.get(key);
    return typeof v === "number" && Number.isInteger(v) ? v : this.fail(key);
  }

  bin(key: string): Uint8Array {
    const v = this.m.get(key);
    return v instanceof Uint8Array ? v : this.fail(key);
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.m.get(key);
    if (v === undefined && fallback !== undefined) return fallback;
    return typeof v === "boolean" ? v : this.fail(key);
  }

  map_(key: string): MsgMap {
    const v = this.m.get(key);
    return v instanceof Map ? v : this.fail(key);
  }

  strList(key: string, fallback?: string[]): string[] {
    const v = this.m.get(key);
    if (v === undefined && fallback !== undefined) return fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) return this.fail(key);
    return v as string[];
  }
}

/** A decoded map or JSON-like value as plain JavaScript (for item bodies shown to people). */
export function toPlain(v: Value): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toPlain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

/** Plain JSON-like JavaScript into a Value (objects become maps in key order). */
export function fromPlain(v: unknown): Value {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string" ||
      v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [String(k), fromPlain(x)]));
  if (typeof v === "object") return new Map(Object.entries(v).map(([k, x]) => [k, fromPlain(x)]));
  throw new FormatError("not a JSON-like value");
}

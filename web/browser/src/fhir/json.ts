/** JSON as Python's ``json`` module reads and writes it, so that the text the browser keeps
 * in an item (``body.fhir.json``) and the IPS export are the bytes the Python client writes:
 * a float literal whose JavaScript spelling differs from Python's (``5.0``, ``1e-05``) or an
 * integer beyond 2^53 is kept as a :class:`JsonNumber` carrying Python's spelling. */

export class JsonNumber extends Number {
  constructor(value: number, readonly text: string) {
    super(value);
  }
}

export type JsonValue = null | boolean | number | string | JsonNumber | JsonValue[]
  | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(readonly pos: number, readonly line: number, readonly column: number) {
    super(`not valid JSON at line ${line}, column ${column}`);
    this.name = "JsonSyntaxError";
  }
}

/** Python's ``repr`` of a float (shortest round-trip digits, exponent outside 1e-4..1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant = "", exp = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const decpt = Number(exp) + 1;
  if (decpt > 16 || decpt < -3) {
    const e = decpt - 1;
    const rest = digits.slice(1);
    const ee = String(Math.abs(e)).padStart(2, "0");
    return `${sign}${digits[0]}${rest ? `.${rest}` : ""}e${e < 0 ? "-" : "+"}${ee}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

function number(text: string): number | JsonNumber {
  const n = Number(text);
  if (/^-?\d+$/.test(text)) {
    return Number.isSafeInteger(n) ? (Object.is(n, -0) ? 0 : n) : new JsonNumber(n, BigInt(text).toString());
  }
  const py = pyFloat(n);
  return py === String(n) ? n : new JsonNumber(n, py);
}

const WS = new Set([" ", "\t", "\n", "\r"]);
const ESC: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

/** Parse like Python's ``json.loads`` (errors carry Python's line and column). */
export function parseJson(text: string, maxDepth = 1000): JsonValue {
  let i = 0;
  const fail = (at: number): never => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    throw new JsonSyntaxError(at, line, at - before.lastIndexOf("\n"));
  };
  const ws = (): void => { while (i < text.length && WS.has(text[i] as string)) i++; };
  const str = (): string => {
    const start = i++;
    let out = "";
    for (;;) {
      const j = i;
      while (i < text.length && text[i] !== '"' && text[i] !== "\\" && text.charCodeAt(i) >= 0x20) i++;
      out += text.slice(j, i);
      const c = text[i];
      if (c === '"') { i++; return out; }
      if (c === undefined) return fail(start);
      if (c !== "\\") return fail(i);
      const e = text[i + 1];
      if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail(i);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && ESC[e] !== undefined) {
        out += ESC[e];
        i += 2;
      } else {
        return fail(i);
      }
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > maxDepth) throw new RangeError("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: JsonValue } = {};
      ws();
      if (text[i] === "}") { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') return fail(i);
        const key = str();
        ws();
        if (text[i] !== ":") return fail(i);
        i++;
        const v = value(depth + 1);
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return obj; }
        return fail(i);
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return arr; }
        return fail(i);
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) return fail(i);
    i += m[0].length;
    return number(m[0]);
  };
  const out = value(0);
  ws();
  if (i < text.length) fail(i);
  return out;
}

function quote(s: string, ascii: boolean): string {
  const q = JSON.stringify(s);
  return ascii ? q.replace(/[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : q;
}

export interface DumpOptions {
  ascii?: boolean; // ensure_ascii (Python's default)
  sortKeys?: boolean;
  indent?: number; // None: compact separators (",", ":")
}

function codePointCompare(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = (x[k] as string).codePointAt(0)! - (y[k] as string).codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

/** ``json.dumps(value, ensure_ascii=..., sort_keys=..., indent=..., separators=(",", ":"))``
 * (the compact separators when no indent; Python's ``(",", ": ")`` with one). */
export function pyDumps(value: unknown, o: DumpOptions = {}): string {
  const ascii = o.ascii ?? false;
  const walk = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (v instanceof JsonNumber) return v.text;
    if (typeof v === "number") return String(v); // the parser kept Python's other spellings
    if (typeof v === "string") return quote(v, ascii);
    const nl = o.indent === undefined ? "" : `\n${" ".repeat(o.indent * (level + 1))}`;
    const end = o.indent === undefined ? "" : `\n${" ".repeat(o.indent * level)}`;
    const sep = o.indent === undefined ? ":" : ": ";
    if (Array.isArray(v)) {
      if (!v.length) return "[]";
      return `[${v.map((x) => nl + walk(x, level + 1)).join(",")}${end}]`;
    }
    const keys = Object.keys(v as object);
    if (!keys.length) return "{}";
    if (o.sortKeys) keys.sort(codePointCompare);
    const rec = v as Record<string, unknown>;
    return `{${keys.map((k) => `${nl}${quote(k, ascii)}${sep}${walk(rec[k], level + 1)}`).join(",")}${end}}`;
  };
  return walk(value, 0);
}

/** Python's ``str()`` of a JSON value, for the few places the mapping formats one. */
export function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof JsonNumber) return v.text === "Infinity" ? "inf" : v.text === "-Infinity" ? "-inf" : v.text;
  if (typeof v === "number") return String(v);
  return pyDumps(v, { ascii: false }).replace(/"/g, "'"); // approximately Python's repr
}

/** Python's truthiness of a JSON value (empty lists and objects are false). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof JsonNumber) return v.valueOf() !== 0;
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

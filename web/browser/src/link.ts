/** The link every Carnet QR code carries (consent/link.py):
 *   ORIGIN (upper-cased) | "/" | kind | "#" | the payload as a fixed-width decimal number.
 * The secret part sits after "#", which a browser never sends to any server. */

import { FormatError } from "./bytes.js";

export const MAX_ORIGIN_CHARS = 100;
export const KINDS = ["C", "E", "P", "K"] as const;
export type Kind = (typeof KINDS)[number];
const HOST = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const LINK = /^(https?:\/\/[A-Z0-9.-]+(?::[0-9]{1,5})?)\/([A-Z])#([0-9]*)$/i;

/** ``scheme://host[:port]`` in lower case; FormatError for anything else. */
export function normalizeOrigin(url: string): string {
  const bad = (): never => { throw new FormatError("the public URL must be http(s)://host[:port], without a path"); };
  const text = url.trim();
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) bad();
  const m = /^([a-zA-Z]+):\/\/([^/?#@[\]]*?)(?::([0-9]{1,5}))?(\/?)$/.exec(text);
  if (!m) return bad();
  const scheme = (m[1] as string).toLowerCase();
  const host = (m[2] as string).toLowerCase();
  if ((scheme !== "http" && scheme !== "https") || !HOST.test(host)) bad();
  const port = m[3] === undefined ? "" : `:${Number(m[3])}`;
  if (m[3] !== undefined && Number(m[3]) > 65535) bad();
  const origin = `${scheme}://${host}${port}`;
  if (origin.length > MAX_ORIGIN_CHARS) throw new FormatError("the public URL is too long");
  return origin;
}

export function digitsFor(size: number): number {
  return ((1n << BigInt(8 * size)) - 1n).toString().length;
}

export function toDigits(payload: Uint8Array): string {
  if (!payload.length) throw new FormatError("a link needs a payload");
  let n = 0n;
  for (const b of payload) n = (n << 8n) | BigInt(b);
  return n.toString().padStart(digitsFor(payload.length), "0");
}

export function fromDigits(text: string): Uint8Array | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const guess = Math.floor(text.length / Math.log10(256));
  for (const size of [guess - 1, guess, guess + 1]) {
    if (size <= 0 || digitsFor(size) !== text.length) continue;
    let n = BigInt(text);
    if (n >= 1n << BigInt(8 * size)) return null;
    const out = new Uint8Array(size);
    for (let i = size - 1; i >= 0; i--) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return out;
  }
  return null;
}

export function buildLink(origin: string, kind: Kind, payload: Uint8Array): string {
  return `${normalizeOrigin(origin).toUpperCase()}/${kind}#${toDigits(payload)}`;
}

/** (origin lower-cased, kind, digits) of a Carnet link, or null. */
export function parseLink(text: string): { origin: string; kind: string; digits: string } | null {
  const m = LINK.exec(text.trim());
  if (!m) return null;
  return { origin: (m[1] as string).toLowerCase(), kind: (m[2] as string).toUpperCase(),
    digits: m[3] as string };
}

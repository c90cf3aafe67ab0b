/** QR codes of Carnet links, drawn in the browser (npm qrcode-generator), error correction
 * M, with the segments consent/qr.py uses: the upper-cased origin and kind in alphanumeric
 * mode, ``#`` in byte mode, the digits in numeric mode (a consent token on an origin of up to
 * 32 characters fits version 8). */

import qrcode from "qrcode-generator";

export const MAX_VERSION = 10;

export interface QrModules {
  version: number;
  size: number;
  dark: (row: number, col: number) => boolean;
}

export function linkQr(link: string): QrModules {
  const hash = link.indexOf("#");
  if (hash < 0) throw new RangeError("not a Carnet link");
  const qr = qrcode(0, "M");
  qr.addData(link.slice(0, hash).toUpperCase(), "Alphanumeric");
  qr.addData("#", "Byte");
  const digits = link.slice(hash + 1);
  if (digits) qr.addData(digits, "Numeric");
  qr.make();
  const size = qr.getModuleCount();
  const version = (size - 17) / 4;
  if (version > MAX_VERSION) throw new RangeError(`QR version ${version} is above ${MAX_VERSION}`);
  return { version, size, dark: (r, c) => qr.isDark(r, c) };
}

/** RGBA pixels of the code with a quiet zone of 4 modules, ``scale`` pixels a module. */
export function pixels(q: QrModules, scale = 6): { width: number; data: Uint8ClampedArray<ArrayBuffer> } {
  const width = (q.size + 8) * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let r = 0; r < q.size; r++) {
    for (let c = 0; c < q.size; c++) {
      if (!q.dark(r, c)) continue;
      for (let y = 0; y < scale; y++) {
        for (let x = 0; x < scale; x++) {
          const at = (((r + 4) * scale + y) * width + (c + 4) * scale + x) * 4;
          data[at] = data[at + 1] = data[at + 2] = 0;
        }
      }
    }
  }
  return { width, data };
}

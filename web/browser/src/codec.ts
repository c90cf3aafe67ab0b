/** Binary reading and the consent formats' shared tables (consent/_codec.py): the section
 * bitmask (fixed order, part of the format) and the flags byte. */

import { FormatError, readU16, readU32, readU64, toHex } from "./bytes.js";
import { SECTIONS, type Section } from "./sections.js";

export class Reader {
  at = 0;
  constructor(private readonly data: Uint8Array, private readonly what: string) {}

  fail(): never {
    throw new FormatError(`${this.what} is malformed`);
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.at + n > this.data.length) this.fail();
    const out = this.data.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0] as number;
  }

  u16(): number {
    return readU16(this.take(2), 0);
  }

  u32(): number {
    return readU32(this.take(4), 0);
  }

  u64(): number {
    try {
      return readU64(this.take(8), 0);
    } catch {
      return this.fail();
    }
  }

  hex(n: number): string {
    return toHex(this.take(n));
  }

  end(): void {
    if (this.at !== this.data.length) this.fail();
  }
}

/** Bit i of the mask is SECTIONS[i]; bits 10-15 must be 0 and one bit at least set. */
export function sectionsOf(mask: number, what: string): Set<Section> {
  if (mask === 0 || mask >> SECTIONS.length) throw new FormatError(`${what} is malformed`);
  return new Set(SECTIONS.filter((_, i) => mask & (1 << i)));
}

export function sectionsMask(sections: Iterable<Section>): number {
  let mask = 0;
  for (const s of sections) mask |= 1 << SECTIONS.indexOf(s);
  return mask;
}

export function flagsOf(byte: number, what: string): { write: boolean; emergency: boolean } {
  if (byte & ~0b11) throw new FormatError(`${what} is malformed`);
  return { write: (byte & 1) !== 0, emergency: (byte & 2) !== 0 };
}

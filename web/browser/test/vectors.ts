/** Reading tests/vectors/*.json from the browser library's tests (Node). */

import { readFileSync } from "node:fs";

const ROOT = new URL("../../../../tests/vectors/", import.meta.url);

export function vectors(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, ROOT), "utf8")) as Record<string, any>;
}

/** A Random that hands out exactly the given byte strings, in order (nonces from a vector). */
export function scripted(...chunks: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const next = chunks.shift();
    if (!next || next.length !== n) throw new Error(`scripted random: wanted ${n} bytes`);
    return next;
  };
}

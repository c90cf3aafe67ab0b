/** The passphrase meter against the Python client's verdicts (tests/vectors/passphrases.json):
 * the browser is the only gate for its users, so it must refuse what Python refuses and
 * accept what Python accepts. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { acceptable, loadStrength, log10Guesses, score, strengthLoaded } from "../src/strength.js";
import { vectors } from "./vectors.js";

interface Case { passphrase: string; user_inputs: string[]; acceptable: boolean; log10_guesses: number }

test("nothing is acceptable before zxcvbn is loaded", () => {
  if (strengthLoaded()) return; // another test of this file loaded it first
  assert.equal(acceptable("cerise fanfare lampion boussole matelot orage"), false);
  assert.ok(score("cerise fanfare lampion boussole matelot orage") < 4);
});

test("the browser's verdict is Python's on every vector", async () => {
  await loadStrength();
  const cases = vectors("passphrases")["cases"] as Case[];
  assert.ok(cases.length > 40);
  assert.ok(cases.some((c) => c.acceptable) && cases.some((c) => !c.acceptable));
  for (const c of cases) {
    assert.equal(acceptable(c.passphrase, c.user_inputs), c.acceptable, c.passphrase);
    const g = log10Guesses(c.passphrase, c.user_inputs);
    assert.ok(g !== null && Math.abs(g - c.log10_guesses) < 0.5, `${c.passphrase}: ${g} vs ${c.log10_guesses}`);
  }
});

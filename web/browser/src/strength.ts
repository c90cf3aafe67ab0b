/** Passphrase strength: the Python client's rule (web/client/passphrase.py), the same
 * estimator. A new passphrase needs MIN_LENGTH characters and 10^10 guesses by zxcvbn
 * (dictionaries, names, keyboard patterns, dates, repeats; the NIR, idNat_PS and name count
 * as known inputs), on its first 100 characters. The browser is the only gate for its users
 * (the server never sees a passphrase), so it runs the same zxcvbn (npm ``zxcvbn`` 4.4.2, the
 * release the Python port follows): ``tests/vectors/passphrases.json`` holds Python's
 * verdicts and the Node tests check these against them.
 *
 * zxcvbn's dictionaries weigh ~400 KB (gzip): they load as a separate chunk, the first time a
 * passphrase is scored (typing in a new-passphrase field), not with the page. Until they are
 * in, ``score`` gives a rough estimate capped below the floor and ``acceptable`` says no;
 * ``loadStrength()`` waits for them. */

export const MIN_LENGTH = 12;
export const FLOOR_LOG10 = 10;
const ESTIMATE_PREFIX = 100;

type Estimator = (password: string, userInputs?: string[]) => { guesses: number };
let estimator: Estimator | null = null;
let loading: Promise<void> | null = null;

/** Load zxcvbn (once); resolves when ``acceptable`` gives real answers. */
export function loadStrength(): Promise<void> {
  loading ??= import("zxcvbn").then((m) => {
    const mod = m as unknown as { default?: Estimator } & Estimator;
    estimator = typeof mod.default === "function" ? mod.default : mod;
  });
  return loading;
}

export function strengthLoaded(): boolean {
  return estimator !== null;
}

/** log10 of zxcvbn's guesses (known inputs given), or null before zxcvbn is loaded. */
export function log10Guesses(passphrase: string, knownInputs: string[] = []): number | null {
  if (!estimator) return null;
  const inputs = knownInputs.filter((k) => k);
  const result = estimator([...passphrase].slice(0, ESTIMATE_PREFIX).join(""), inputs);
  return Math.log10(Math.max(result.guesses, 1));
}

/** 0..4 as a meter shows it; 4 only at the floor (so only once zxcvbn is loaded). */
export function score(passphrase: string, knownInputs: string[] = []): 0 | 1 | 2 | 3 | 4 {
  void loadStrength();
  const length = [...passphrase.trim()].length;
  if (length < MIN_LENGTH) return length < 6 ? 0 : 1;
  const g = log10Guesses(passphrase, knownInputs);
  if (g === null) return 1;
  return g >= FLOOR_LOG10 ? 4 : g >= 8 ? 3 : g >= 6 ? 2 : 1;
}

/** Python's ``check_new_passphrase`` verdict; false until zxcvbn is loaded. */
export function acceptable(passphrase: string, knownInputs: string[] = []): boolean {
  return score(passphrase, knownInputs) === 4;
}

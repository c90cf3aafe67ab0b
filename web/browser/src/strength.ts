/** A passphrase strength estimate for the meter (pure): log10 of the guesses an attacker who
 * knows common patterns would need, from the length, the characters used and the word count,
 * with repeated characters and sequences discounted. The Python client's rule
 * (web/client/passphrase.py: 12 characters and 10^10 guesses by zxcvbn) is the reference;
 * this estimate is stricter on short inputs and never accepts below 12 characters. */

export const MIN_LENGTH = 12;
export const FLOOR_LOG10 = 10;

export function log10Guesses(passphrase: string, knownInputs: string[] = []): number {
  let text = passphrase.normalize("NFKC");
  for (const known of knownInputs) if (known) text = text.split(known).join("");
  const chars = [...text];
  if (chars.length === 0) return 0;
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[^a-zA-Z0-9\s]/.test(text)) pool += 33;
  if (/\s/.test(text)) pool += 1;
  // Count characters that are not a repeat or a +-1 sequence step of the previous one.
  let effective = 1;
  for (let i = 1; i < chars.length; i++) {
    const a = (chars[i - 1] as string).codePointAt(0) as number;
    const b = (chars[i] as string).codePointAt(0) as number;
    if (Math.abs(a - b) > 1) effective += 1;
    else effective += 0.25;
  }
  const perChar = Math.log10(Math.max(pool, 2)) * 0.6; // natural text is far from uniform
  const words = text.trim().split(/\s+/).filter((w) => w.length >= 3).length;
  return effective * perChar + Math.max(0, words - 1) * 0.5;
}

/** 0..4 as a meter shows it; 4 only at the floor. */
export function score(passphrase: string, knownInputs: string[] = []): 0 | 1 | 2 | 3 | 4 {
  if ([...passphrase].length < MIN_LENGTH) return passphrase.length < 6 ? 0 : 1;
  const g = log10Guesses(passphrase, knownInputs);
  return g >= FLOOR_LOG10 ? 4 : g >= 8 ? 3 : g >= 6 ? 2 : 1;
}

export function acceptable(passphrase: string, knownInputs: string[] = []): boolean {
  return score(passphrase, knownInputs) === 4;
}

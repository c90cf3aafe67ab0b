/** Normalising drug and class names before matching (clinical/text.py): lower case, no
 * accents, one space between words, no space around hyphens. */

// Python's str.split() white space (str.isspace), so both clients cut names alike.
const WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACES = new RegExp(`[${WS}]+`, "gu");
const HYPHEN = new RegExp(`[${WS}]*-[${WS}]*`, "gu");
const LIGATURES: Record<string, string> = {
  "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'", "‘": "'", "`": "'", "´": "'",
};
const LIGATURE = /[œŒæÆ’‘`´]/gu;
const MARK = /\p{M}/gu;
const combining = new Map<string, boolean>();

/** Python's `unicodedata.combining(c) != 0` (a canonical combining class), which JavaScript
 * does not expose: canonical ordering moves a mark of class > 1 before U+0334 (class 1), and
 * one of class 1..239 before U+0345 (class 240); a class-0 mark (U+034F) moves for neither.
 * Exact for every mark NFKD leaves alone (the only ones seen here), Unicode 14 to 17. */
function hasCombiningClass(c: string): boolean {
  let known = combining.get(c);
  if (known === undefined) {
    known = `a${c}\u0334`.normalize("NFD") !== `a${c}\u0334`
      || `a\u0345${c}`.normalize("NFD") !== `a\u0345${c}`;
    combining.set(c, known);
  }
  return known;
}

export function normalise(name: string): string {
  let text = name.replace(LIGATURE, (c) => LIGATURES[c] ?? c);
  text = text.normalize("NFKD").replace(MARK, (c) => (hasCombiningClass(c) ? "" : c)).toLowerCase();
  text = text.replace(SPACES, " ").replace(/^ | $/gu, "");
  return text.replace(HYPHEN, "-");
}

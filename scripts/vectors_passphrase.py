"""Known-answer vectors of the passphrase rule (``tests/vectors/passphrases.json``): for each
candidate (weak French and English patterns, dates, keyboard walks, l33t, repeats, a NIR or a
name as a known input, and random word passphrases), the Python client's verdict
(``web.client.passphrase.check_new_passphrase``) and zxcvbn's log10 of the guesses. The
browser's meter must give the same verdict (``web/browser/test/strength.test.ts``): the
server never sees a passphrase, so the browser is the only gate for its users.

Regenerate with ``python -m scripts.vectors_passphrase`` (deterministic).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from web.client.passphrase import WeakPassphrase, check_new_passphrase, log10_guesses
from web.i18n.words import WORDS

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "passphrases.json"
NIR = "185057512345678"
WEAK = [
    "motdepasse123456", "soleil soleil soleil", "azertyuiopqsdf", "password1234567",
    "jetaime jetaime", "1234567890123", "marie1985marie1985", "Pa$$w0rd2024!!",
    "qwertyuiopasdf", "abcdefghijklmnop", "bonjour bonjour", "chocolat chocolat",
    "iloveyou iloveyou", "dragon dragon dragon", "aaaaaaaaaaaaaaaa", "monchienmonchien",
    "1qaz2wsx3edc4rfv", "p@ssw0rdp@ssw0rd", "football football", "     court     ",
    "azerty123456789", "qwerty123456789", "Motdepasse2026!", "carnet carnet carnet",
    "0102198501021985", "doudou doudou doudou", "liberte egalite", "princesse123456",
]
FAIR = [
    "Carnet2026Carnet", "Julien Dupont 1985", "01/02/1985 01/02/1985",
    "correct horse battery staple", "le petit chat est mort", "je suis malade",
    "cerise fanfare lampion boussole matelot orage", "Ma grand-mère a 3 chats roux !",
    "tulipe grenier falaise moineau", "€uro ünïcødé pässphrâse ñ",
]


def _case(passphrase: str, inputs: list[str]) -> dict[str, Any]:
    try:
        check_new_passphrase(passphrase, user_inputs=inputs)
        ok = True
    except WeakPassphrase:
        ok = False
    return {"passphrase": passphrase, "user_inputs": inputs, "acceptable": ok,
            "log10_guesses": round(log10_guesses(passphrase, inputs), 3)}


def build() -> dict[str, Any]:
    rng = random.Random(2026)
    cases = [_case(p, []) for p in WEAK + FAIR]
    cases += [_case(p, [NIR]) for p in (NIR + "abc", f"{NIR} {NIR}", f"mon nir {NIR}")]
    cases += [_case(p, ["Julien Dupont"]) for p in ("JulienDupont2026", "Julien Dupont !!")]
    for n in (2, 3, 4, 5):
        for _ in range(4):
            cases.append(_case(" ".join(rng.choice(WORDS) for _ in range(n)), []))
    return {"format": "carnet passphrase rule vectors 1",
            "about": "Python's check_new_passphrase verdicts (12 characters after strip, "
                     "10^10 guesses by zxcvbn on the first 100 characters, known inputs "
                     "given); the browser must agree on every case.",
            "cases": cases}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")

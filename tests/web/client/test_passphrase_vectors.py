"""tests/vectors/passphrases.json is what the Python rule says today (the browser's meter is
checked against the same file by web/browser/test/strength.test.ts)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.vectors_passphrase import OUT, build


def test_the_vector_file_is_current() -> None:
    committed = json.loads(Path(OUT).read_text(encoding="utf-8"))
    assert committed == build(), "regenerate with python -m scripts.vectors_passphrase"
    assert any(c["acceptable"] for c in committed["cases"])
    assert sum(not c["acceptable"] for c in committed["cases"]) >= 28

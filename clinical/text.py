"""Normalising drug and class names before matching (the thesaurus has rough edges:
accents, capitals, "bêta- bloquants", curly apostrophes, line breaks inside names)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["normalise"]

_HYPHEN: Final = re.compile(r"\s*-\s*")
_LIGATURES: Final = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae",
                                   "’": "'", "‘": "'", "`": "'", "´": "'"})


def normalise(name: str) -> str:
    """Lower case, no accents, one space between words, no space around hyphens."""
    text = name.translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = " ".join(text.split())
    return _HYPHEN.sub("-", text)

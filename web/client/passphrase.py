"""Passphrases that resist guessing.

A passphrase wraps the patient's master key (and seals a professional's keys in their home):
whoever steals a copy can try guesses offline, each costing one Argon2id. So a new
passphrase must be at least :data:`MIN_LENGTH` characters long and need, by the ``zxcvbn``
estimator (dictionaries, names, keyboard patterns, dates, repeats; the NIR, idNat_PS and name
given as ``user_inputs`` count as known), at least :data:`FLOOR_GUESSES` guesses. A refusal
proposes a passphrase drawn at random from :data:`web.i18n.words.WORDS` with its entropy.

Pure but for the estimator: randomness is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from vault.crypto import Random, system_random
from web.i18n import tr
from web.i18n.words import WORDS

__all__ = ["EXAMPLE_WORDS", "FLOOR_GUESSES", "MIN_LENGTH", "WeakPassphrase",
           "check_new_passphrase", "example", "example_bits", "log10_guesses"]

MIN_LENGTH: Final = 12
FLOOR_GUESSES: Final = 10**10  # zxcvbn's "very unguessable" (score 4)
EXAMPLE_WORDS: Final = 6
_ESTIMATE_PREFIX: Final = 100  # zxcvbn's cost grows with length; a longer tail only adds


class WeakPassphrase(ValueError):
    """A new passphrase below the floor (the message proposes one)."""

    code = "weak_passphrase"


def log10_guesses(passphrase: str, user_inputs: Iterable[str] = ()) -> float:
    """zxcvbn's estimate of the guesses needed, as a power of ten."""
    inputs = [i for i in user_inputs if i]
    from zxcvbn import zxcvbn  # 0.1 s of dictionaries: only when a passphrase is chosen

    result = zxcvbn(passphrase[:_ESTIMATE_PREFIX], user_inputs=inputs)
    return math.log10(max(float(result["guesses"]), 1.0))


def example(rng: Random = system_random, words: int = EXAMPLE_WORDS) -> str:
    """``words`` words drawn uniformly from the list (``len(WORDS)`` is a power of two)."""
    mask = len(WORDS) - 1
    return " ".join(WORDS[int.from_bytes(rng(2), "big") & mask] for _ in range(words))


def example_bits(words: int = EXAMPLE_WORDS) -> int:
    """The entropy of :func:`example`, in bits."""
    return round(words * math.log2(len(WORDS)))


def check_new_passphrase(passphrase: str, *, user_inputs: Iterable[str] = (),
                         rng: Random = system_random) -> None:
    """Raise :class:`WeakPassphrase` unless ``passphrase`` reaches the floor."""
    inputs = list(user_inputs)
    if len(passphrase.strip()) < MIN_LENGTH:
        reason = tr("it has fewer than {count} characters", count=MIN_LENGTH)
    elif log10_guesses(passphrase, inputs) < math.log10(FLOOR_GUESSES):
        reason = tr("common words, names, dates or patterns make it quick to guess")
    else:
        return
    raise WeakPassphrase(tr(
        "this passphrase is too easy to guess: {reason}. Choose several words at random, "
        "for example \"{example}\" ({words} words drawn among {size}: {bits} bits)",
        reason=reason, example=example(rng), words=EXAMPLE_WORDS, size=len(WORDS),
        bits=example_bits()))

"""French social security numbers (NIR, "numéro de sécurité sociale"). Pure: no I/O.

Layout of the 15 characters (positions counted from 1)::

    1      sex: 1 man, 2 woman; 3, 4, 7, 8 for provisional or temporary numbers
    2-3    year of birth (two digits)
    4-5    month of birth: 01-12, or 20-42 / 50-99 when the month is unknown (fictitious)
    6-7    department of birth: two digits (01-99; 99 = born abroad, 97/98 overseas),
           or 2A / 2B for Corsica
    8-10   commune (or country) of birth
    11-13  order number
    14-15  key = 97 - (n mod 97), n being the first 13 characters read as a number, with
           2A read as 19 and 2B as 18

The Corsican rule above is python-stdnum's and INSEE's; "read 2A/2B as 20, then subtract
1 000 000 / 2 000 000" is the same rule written differently. The shared test vectors
(``shared/data/nir_vectors.json``) are the reference.

Error messages name the rule that failed and the positions involved, never the digits:
a NIR is personal data and errors end up in logs.
"""

from __future__ import annotations

import datetime
from typing import Final

from consent.errors import CodedError

__all__ = ["NIR_LENGTH", "InvalidNir", "nir_birth_matches", "nir_key", "parse_nir"]


class InvalidNir(CodedError, ValueError):
    """A social security number (NIR) that is malformed or whose key does not match.

    Defined here, beside the rules, so that the client and the CLI can check a NIR without
    importing the server; the server maps it to 400 like its own errors."""

    code = "invalid_nir"
    default_detail = "this is not a valid social security number (NIR)"

NIR_LENGTH: Final = 15
_BODY_LENGTH: Final = 13
# Longer input is refused before any work: nothing legitimate is that long.
_MAX_INPUT: Final = 64
_DIGITS: Final = frozenset("0123456789")
_SEPARATORS: Final = frozenset(" .-\t\u00a0\u202f")
_SEX_DIGITS: Final = frozenset("123478")
# For the key only: Corsica's letters stand for these digits.
_CORSICA: Final = {"2A": "19", "2B": "18"}


def _is_digits(text: str) -> bool:
    # Not str.isdigit(): that accepts "²" and non-ASCII digits, which int() then mangles.
    return bool(text) and all(c in _DIGITS for c in text)


def _valid_month(month: int) -> bool:
    return 1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


def nir_key(body: str) -> str:
    """The 2-digit key of a 13-character NIR body (digits, 2A/2B allowed at positions 6-7).

    Raises :class:`InvalidNir` if ``body`` is not 13 such characters.
    """
    if len(body) != _BODY_LENGTH:
        raise InvalidNir("a NIR without its key has 13 characters")
    department = body[5:7]
    digits = body[:5] + _CORSICA.get(department, department) + body[7:]
    if not _is_digits(digits):
        raise InvalidNir("a NIR contains only digits, and 2A or 2B as Corsican department")
    return f"{97 - int(digits) % 97:02d}"


def _normalise(text: str) -> str:
    if len(text) > _MAX_INPUT:
        raise InvalidNir("too long for a social security number (NIR)")
    return "".join(c for c in text if c not in _SEPARATORS).upper()


def parse_nir(text: str) -> str:
    """The normalised 15-character NIR in ``text``, or :class:`InvalidNir` saying why not.

    Spaces, dots and hyphens are ignored and letters upper-cased ("2a" is "2A"). Checks, in
    order: length, characters, sex digit, month, department, key. Only ``InvalidNir`` is
    ever raised, whatever the text.
    """
    nir = _normalise(text)
    if len(nir) == _BODY_LENGTH:
        raise InvalidNir("the 2-digit key is missing: a NIR has 15 characters (13 + key)")
    if len(nir) != NIR_LENGTH:
        raise InvalidNir(
            f"a NIR has 15 characters (13 + a 2-digit key), not {len(nir)}")
    if not (_is_digits(nir[:5]) and _is_digits(nir[7:])):
        raise InvalidNir(
            "a NIR contains only digits (letters only as 2A or 2B, at positions 6-7)")
    if nir[0] not in _SEX_DIGITS:
        raise InvalidNir("the first digit (sex) must be 1 or 2 (or 3, 4, 7, 8 for a "
                         "provisional number)")
    if not _valid_month(int(nir[3:5])):
        raise InvalidNir("the month of birth (positions 4-5) must be 01-12, or 20-42 or "
                         "50-99 when unknown")
    department = nir[5:7]
    if department not in _CORSICA and (not _is_digits(department) or department == "00"):
        raise InvalidNir("the department of birth (positions 6-7) must be two digits, or "
                         "2A or 2B for Corsica")
    if nir_key(nir[:_BODY_LENGTH]) != nir[_BODY_LENGTH:]:
        raise InvalidNir("the key (last 2 digits) does not match: check for a typing error")
    return nir


def nir_birth_matches(nir: str, birth_date: datetime.date) -> bool:
    """Whether ``nir`` is consistent with ``birth_date``.

    The two-digit year must match; the month must match unless the NIR carries a fictitious
    month (20-42, 50-99), which says nothing. Raises :class:`InvalidNir` if ``nir`` is not a
    valid NIR.
    """
    normalised = parse_nir(nir)
    if int(normalised[1:3]) != birth_date.year % 100:
        return False
    month = int(normalised[3:5])
    return not 1 <= month <= 12 or month == birth_date.month

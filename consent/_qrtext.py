"""The text every Carnet QR code carries: ``PREFIX | base45(version | body)``.

One codec for the consent token (``HTTPS://CRNT.FR/C/``), the emergency card (``/E/``), the
professional's identity (``/P/``) and the emergency-contact code (``/K/``). Prefixes use only
QR alphanumeric characters so the whole text is encoded in alphanumeric mode.

Reading: surrounding white space is dropped and the prefix is compared case-insensitively
(ASCII only: a scanner may lowercase the scheme and host); the base45 part must be exact and
at most ``max_chars`` long. Text without the prefix raises the kind's ``foreign`` error, a
bad payload or an unknown version its ``garbled`` error (the same class for every kind but
the token, which tells "not a Carnet token" from "a broken one").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from consent import base45

MAX_TEXT_CHARS: Final = 1024


@dataclass(frozen=True, slots=True)
class QrText:
    """One kind of QR text. ``foreign`` and ``garbled`` build the errors to raise."""

    prefix: str
    version: int
    foreign: Callable[[], Exception]
    garbled: Callable[[], Exception]
    max_chars: int = MAX_TEXT_CHARS

    def encode(self, body: bytes) -> str:
        """``prefix | base45(version | body)``."""
        return self.encode_raw(bytes([self.version]) + bytes(body))

    def encode_raw(self, data: bytes) -> str:
        """``prefix | base45(data)``, for a format whose bytes start with their version."""
        return self.prefix + base45.encode(bytes(data))

    def decode(self, text: object) -> bytes:
        """The body after the version byte (which must be ``version``)."""
        raw = self.decode_raw(text)
        if not raw or raw[0] != self.version:
            raise self.garbled()
        return raw[1:]

    def decode_raw(self, text: object) -> bytes:
        """Every byte after the prefix, the version byte included and not checked."""
        if not isinstance(text, str):
            raise self.foreign()
        text = text.strip()
        head = text[:len(self.prefix)]
        if not (head.isascii() and head.upper() == self.prefix):
            raise self.foreign()
        payload = text[len(self.prefix):]
        if not payload or len(payload) > self.max_chars:
            raise self.garbled()
        try:
            return base45.decode(payload)
        except base45.Base45Error:
            raise self.garbled() from None

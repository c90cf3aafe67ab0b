"""The text every Carnet QR code carries, in two forms, one codec for every kind of code: the
consent token (kind ``C``), the emergency card (``E``), the professional's identity (``P``) and
the emergency-contact code (``K``).

- **Link** (what every code is made as): ``ORIGIN/KIND#digits``, ``consent.link``'s: the
  deployment's own origin, and the bytes ``version | body`` in decimal after ``#`` (the URL
  fragment, which a browser sends to no server).
- **Legacy** (still read, never made): ``HTTPS://CRNT.FR/KIND/ | base45(version | body)``.
  ``encode``/``encode_raw`` still write it, for the committed vectors and older readers.

Reading: surrounding white space is dropped; a link is recognised whatever its origin (the
server behind the token decides what it names) and in any case; the legacy prefix is compared
case-insensitively (ASCII only: a scanner may lowercase the scheme and host). The payload must
be exact and at most ``max_chars`` characters. Text of neither form, or of another kind,
raises the kind's ``foreign`` error; a bad payload or an unknown version its ``garbled`` error
(the same class for every kind but the token, which tells "not a Carnet token" from "a broken
one").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from consent import base45, link

MAX_TEXT_CHARS: Final = 1024
LEGACY_ORIGIN: Final = "HTTPS://CRNT.FR/"


@dataclass(frozen=True, slots=True)
class QrText:
    """One kind of QR text. ``foreign`` and ``garbled`` build the errors to raise; ``prefix``
    is the legacy one (``LEGACY_ORIGIN`` + kind + ``/``), the kind is its last letter."""

    prefix: str
    version: int
    foreign: Callable[[], Exception]
    garbled: Callable[[], Exception]
    max_chars: int = MAX_TEXT_CHARS

    @property
    def kind(self) -> str:
        return self.prefix.rstrip("/")[-1:]

    def encode(self, body: bytes) -> str:
        """Legacy text: ``prefix | base45(version | body)``."""
        return self.encode_raw(bytes([self.version]) + bytes(body))

    def encode_raw(self, data: bytes) -> str:
        """Legacy text ``prefix | base45(data)``, for a format whose bytes start with their
        version."""
        return self.prefix + base45.encode(bytes(data))

    def link(self, body: bytes, origin: str) -> str:
        """The link for ``version | body`` on the deployment at ``origin``."""
        return self.link_raw(bytes([self.version]) + bytes(body), origin)

    def link_raw(self, data: bytes, origin: str) -> str:
        """The link for ``data`` (bytes that start with their version) at ``origin``.
        Raises InvalidInput (a ValueError) for an origin ``consent.link`` refuses."""
        return link.build(origin, self.kind, data)

    def decode(self, text: object) -> bytes:
        """The body after the version byte (which must be ``version``)."""
        raw = self.decode_raw(text)
        if not raw or raw[0] != self.version:
            raise self.garbled()
        return raw[1:]

    def decode_raw(self, text: object) -> bytes:
        """Every byte of the payload, the version byte included and not checked."""
        if not isinstance(text, str):
            raise self.foreign()
        text = text.strip()
        found = link.parse(text)
        if found is not None:
            _, kind, digits = found
            if kind != self.kind:
                raise self.foreign()
            raw = link.from_digits(digits) if len(digits) <= self.max_chars else None
            if raw is None:
                raise self.garbled()
            return raw
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

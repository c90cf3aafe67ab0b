"""The link every Carnet QR code carries: the deployment's own origin, a one-letter path that
names the kind of code, and the code's bytes in the URL fragment, in decimal digits.

    link     = ORIGIN | "/" | kind | "#" | decimal(payload)
    ORIGIN   = the deployment's origin, upper-cased ("HTTPS://CARNET.EXAMPLE.FR")
    kind     = "C" consent token, "E" emergency card, "P" professional identity,
               "K" emergency-contact code
    decimal  = the payload read as one big-endian integer, written in base 10 and left-padded
               with zeros to ``digits_for(len(payload))`` digits (the digits of 256^n - 1)

Why this shape (measured in ``docs/formats.md``, "QR links"):

- a phone camera opens it: the origin is the deployment's (``CARNET_PUBLIC_URL``, published
  at ``GET /links``), the path is a page of that deployment (``web/server/routes/links.py``);
- the secret part (a card's key share, a token) sits after ``#``: a browser never sends the
  fragment to any server, not even to the deployment;
- digits survive every URL handling (no escaping, no case folding) and a QR code holds them
  in numeric mode at 3.33 bits a digit, 0.6 % above the payload's own size (base45 costs
  3 % more, base32 in alphanumeric mode 10 %); the upper-cased origin is in alphanumeric
  mode and ``#`` (outside that set) is one byte-mode character: a consent token with an
  origin of up to 32 characters fits QR version 8 at error correction M.

Pure: no I/O. The origin is passed in by the caller (the client asks its server).
"""

from __future__ import annotations

import functools
import re
from typing import Final
from urllib.parse import urlsplit

from vault.errors import InvalidInput

# A QR code with the longest origin still holds a consent token at version 10 (measured:
# up to 120 characters of upper-case origin; 100 leaves room).
MAX_ORIGIN_CHARS: Final = 100
KINDS: Final = frozenset("CEPK")
_HOST: Final = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$", re.ASCII)
_LINK: Final = re.compile(
    r"^(?P<origin>https?://[A-Z0-9.-]+(?::[0-9]{1,5})?)/(?P<kind>[A-Z])#(?P<digits>[0-9]*)$",
    re.ASCII | re.IGNORECASE)
_LOG10_256: Final = 2.408239965311849  # log10(256)


def normalize_origin(url: str) -> str:
    """``scheme://host[:port]`` in lower case, from an origin or a URL with an empty path.

    Only ``http`` and ``https``, a DNS name or IPv4 address (letters, digits, dots and
    hyphens: every character stays in the QR alphanumeric set once upper-cased), no user,
    path, query or fragment, at most ``MAX_ORIGIN_CHARS`` characters. Raises InvalidInput
    (a ValueError) otherwise.
    """
    if not isinstance(url, str) or not url.isascii():
        raise InvalidInput("the public URL must be http(s)://host[:port]")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidInput("the public URL must be http(s)://host[:port]") from None
    host = parts.hostname or ""
    if (parts.scheme.lower() not in ("http", "https") or not _HOST.match(host)
            or parts.username is not None or parts.password is not None
            or parts.path not in ("", "/") or parts.query or parts.fragment
            or "[" in parts.netloc):
        raise InvalidInput("the public URL must be http(s)://host[:port], without a path")
    origin = f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")
    if len(origin) > MAX_ORIGIN_CHARS:
        raise InvalidInput(f"the public URL must be at most {MAX_ORIGIN_CHARS} characters")
    return origin


@functools.cache
def digits_for(size: int) -> int:
    """How many decimal digits a payload of ``size`` bytes takes (those of 256^size - 1).
    Remembered: a token check asked it twice per link, at ~4 µs each (issue 14)."""
    return len(str(256 ** size - 1))


def to_digits(payload: bytes) -> str:
    """``payload`` as a fixed-width decimal number (see the module's docstring)."""
    data = bytes(payload)
    if not data:
        raise InvalidInput("a link needs a payload")
    return str(int.from_bytes(data, "big")).zfill(digits_for(len(data)))


def from_digits(text: str) -> bytes | None:
    """The payload ``to_digits`` wrote, or None if ``text`` is not such a number (a width
    no payload size gives, a value too large for it, anything but ASCII digits)."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    size = int(len(text) / _LOG10_256)  # digits_for(n) - n * log10(256) is in [0, 1]
    for n in (size - 1, size, size + 1):
        if n > 0 and digits_for(n) == len(text):
            value = int(text)
            return value.to_bytes(n, "big") if value < 256 ** n else None
    return None


def build(origin: str, kind: str, payload: bytes) -> str:
    """The link for ``payload`` (its version byte first) on the deployment at ``origin``."""
    if kind not in KINDS:
        raise InvalidInput("unknown link kind")
    return f"{normalize_origin(origin).upper()}/{kind}#{to_digits(payload)}"


def parse(text: str) -> tuple[str, str, str] | None:
    """(origin in lower case, kind in upper case, the digits) of a Carnet link, or None if
    ``text`` has not the shape of one (the digits are not checked). White space around it is
    ignored and case does not matter (a scanner may lower-case a URL)."""
    found = _LINK.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    return found["origin"].lower(), found["kind"].upper(), found["digits"]

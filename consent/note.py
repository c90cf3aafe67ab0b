"""Free text in the history, sealed to the patient (P2, issue 8): who opened an emergency
card, the reason a professional broke the glass. The client that submits the text seals it to
the patient's X25519 key; the server keeps the sealed note in the event's ``detail`` and
cannot read it; the patient's client opens it (``readable_detail``). Pure: randomness comes
from the caller. Format (``docs/formats.md``, "Sealed notes"):

    note = standard base64( seal_to(patient box public,
                                    0x01 | u8 len(purpose) | purpose (ASCII) | UTF-8 text) )

The version byte and the purpose are inside the box: a note opens only as what it was sealed
for. Events written before notes were sealed keep their plaintext (``by``, ``reason``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from consent import _codec
from consent.audit import Event
from consent.errors import MalformedAudit
from vault.crypto import Random, open_sealed, seal_to
from vault.errors import DecryptionFailed

__all__ = ["NOTE_TEXT_MAX", "NOTE_VERSION", "SEALED_NOTES", "note_text", "open_note",
           "readable_detail", "seal_note", "sealed_note_ok", "sealed_note_size"]

NOTE_VERSION: Final = 0x01
NOTE_TEXT_MAX: Final = 1024  # UTF-8 bytes: the sealed note stays under DETAIL_TEXT_MAX
# detail key of the sealed note -> (purpose bound inside it, key of the plaintext it replaces)
SEALED_NOTES: Final = {"by_sealed": ("card-who", "by"),
                       "reason_sealed": ("break-glass-reason", "reason")}
_SEAL_OVERHEAD: Final = 32 + 16


def _note_plaintext(purpose: str, text: str) -> bytes:
    raw, tag = text.encode("utf-8"), purpose.encode("ascii")
    if not 1 <= len(tag) <= 32:
        raise MalformedAudit("a note's purpose is 1 to 32 ASCII bytes")
    return bytes([NOTE_VERSION, len(tag)]) + tag + raw


def seal_note(box_public: bytes, purpose: str, text: str, rng: Random) -> bytes:
    """Seal free ``text`` to the patient's X25519 key, bound to ``purpose`` (a value of
    ``SEALED_NOTES``). ``MalformedAudit`` for text over ``NOTE_TEXT_MAX`` bytes or with
    control characters."""
    if not _codec.text_ok(text, NOTE_TEXT_MAX):
        raise MalformedAudit("a note is at most 1024 bytes of text")
    return seal_to(box_public, _note_plaintext(purpose, text), rng)


def sealed_note_size(purpose: str, text_bytes: int) -> int:
    """The size of a note sealed for ``purpose`` around ``text_bytes`` bytes of text (the
    server cannot see more of it)."""
    return _SEAL_OVERHEAD + 2 + len(purpose.encode("ascii")) + text_bytes


def sealed_note_ok(blob: bytes) -> bool:
    """Whether ``blob`` may be a sealed note (the server cannot check more than its size)."""
    return (isinstance(blob, bytes)
            and _SEAL_OVERHEAD + 2 < len(blob) <= sealed_note_size("x" * 32, NOTE_TEXT_MAX))


def note_text(blob: bytes) -> str:
    """How a sealed note is kept in an event's ``detail``: standard base64."""
    return base64.b64encode(blob).decode("ascii")


def open_note(value: str, purpose: str, box_secret: bytes) -> str:
    """The text of a sealed note kept in ``detail``. ``DecryptionFailed`` if it does not
    open with ``box_secret`` or was sealed for another purpose."""
    try:
        blob = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionFailed() from None
    plain = open_sealed(box_secret, blob)
    tag = purpose.encode("ascii")
    if plain[:2] != bytes([NOTE_VERSION, len(tag)]) or plain[2:2 + len(tag)] != tag:
        raise DecryptionFailed()
    try:
        return plain[2 + len(tag):].decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionFailed() from None


def readable_detail(event: Event, box_secret: bytes) -> dict[str, str | int]:
    """``event.detail`` with every sealed note opened under the key of the plaintext it
    replaces (``reason_sealed`` -> ``reason``); a note that does not open reads
    ``"(unreadable)"``. Events written before notes were sealed keep their plaintext."""
    out: dict[str, str | int] = {}
    for key, value in event.detail.items():
        note = SEALED_NOTES.get(key)
        if note is None or not isinstance(value, str):
            out.setdefault(key, value)
            continue
        purpose, plain_key = note
        try:
            out[plain_key] = open_note(value, purpose, box_secret)
        except DecryptionFailed:
            out[plain_key] = "(unreadable)"
    return out

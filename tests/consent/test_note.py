"""Sealed notes (``consent.note``): free text in the history opens only with the patient's
key and only as what it was sealed for; older plaintext still reads."""

from __future__ import annotations

import nacl.public
import pytest

from consent import note as n
from consent.audit import Event
from consent.errors import MalformedAudit
from tests.support import DeterministicRandom
from vault.errors import DecryptionFailed

T0 = 1_790_000_000
rng = DeterministicRandom(b"note tests")
PATIENT_BOX = nacl.public.PrivateKey(rng(32))
PATIENT_BOX_PUBLIC = PATIENT_BOX.public_key.encode()


def test_sealed_note_round_trip_and_binding() -> None:
    blob = n.seal_note(PATIENT_BOX_PUBLIC, "card-who", "SAMU 75, Dr Lemoine", rng)
    assert n.sealed_note_ok(blob)
    assert b"SAMU" not in blob
    assert len(blob) == n.sealed_note_size("card-who", len(b"SAMU 75, Dr Lemoine"))
    text = n.note_text(blob)
    assert n.open_note(text, "card-who", bytes(PATIENT_BOX)) == "SAMU 75, Dr Lemoine"
    with pytest.raises(DecryptionFailed):  # moved into another field
        n.open_note(text, "break-glass-reason", bytes(PATIENT_BOX))
    with pytest.raises(DecryptionFailed):  # not the patient's key
        n.open_note(text, "card-who", bytes(nacl.public.PrivateKey(rng(32))))
    with pytest.raises(DecryptionFailed):
        n.open_note("not base64!", "card-who", bytes(PATIENT_BOX))
    with pytest.raises(MalformedAudit):
        n.seal_note(PATIENT_BOX_PUBLIC, "card-who", "x" * (n.NOTE_TEXT_MAX + 1), rng)
    with pytest.raises(MalformedAudit):
        n.seal_note(PATIENT_BOX_PUBLIC, "card-who", "line\nbreak", rng)
    assert not n.sealed_note_ok(b"short")


def test_readable_detail_opens_sealed_notes_and_keeps_old_plaintext() -> None:
    reason = n.note_text(n.seal_note(PATIENT_BOX_PUBLIC, "break-glass-reason",
                                     "patient inconscient", rng))
    by = n.note_text(n.seal_note(PATIENT_BOX_PUBLIC, "card-who", "Pompiers", rng))
    new = Event(seq=0, at=T0, kind="card_used", actor="card:" + "cc" * 16,
                detail={"result": "opened", "by_sealed": by, "items": 2})
    assert n.readable_detail(new, bytes(PATIENT_BOX)) == {"result": "opened", "by": "Pompiers",
                                                         "items": 2}
    glass = Event(seq=1, at=T0, kind="mask_changed", actor="patient",
                  detail={"reason_sealed": reason})
    assert n.readable_detail(glass, bytes(PATIENT_BOX)) == {"reason": "patient inconscient"}
    old = Event(seq=2, at=T0, kind="card_used", actor="card:" + "cc" * 16,
                detail={"result": "opened", "by": "SAMU 69"})  # written before notes were sealed
    assert n.readable_detail(old, bytes(PATIENT_BOX)) == {"result": "opened", "by": "SAMU 69"}
    swapped = Event(seq=3, at=T0, kind="card_used", actor="card:" + "cc" * 16,
                    detail={"by_sealed": reason})
    assert n.readable_detail(swapped, bytes(PATIENT_BOX)) == {"by": "(unreadable)"}

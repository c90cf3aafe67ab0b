"""The patient's own actions in the dossier's history (issue 10, item 7), zero-knowledge.

What the server sees of a patient's action it records itself, by kind and opaque ids only:
an item added or edited (``item_added``, ``item_edited``: item id and revision), deleted
(``item_deleted``), key slots replaced (``keys_changed``: slot names), a deposit filed
(``deposit_filed``: deposit id). What happens only on the patient's device (an export, an
import, masking and unmasking, using the recovery code) the patient's client declares
(``declare``), from a closed list (``consent.audit.DECLARED_KINDS``), with at most a count
and a note sealed to the patient (``consent.note``: which section, which title), which the
server cannot read. Every such event's actor is ``"patient"``.

Deleting a professional's item (``docs/consent.md``): refused for an item a professional
(or contact) wrote through a grant; the patient masks it instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from consent import audit, note
from vault.records import ItemRecord
from web.server.services.consent import ConsentService
from web.server.services.errors import ProfessionalItem, ServiceError

__all__ = ["COUNT_MAX", "check_delete", "declare", "deposit_filed", "item_deleted",
           "item_put", "keys_changed"]

COUNT_MAX: Final = 1_000_000
PATIENT: Final = "patient"
# The sealed note a declared event may carry: its purpose, bound inside the box.
DECLARED_NOTE: Final = ("what_sealed", "patient-action")


async def item_put(consent: ConsentService, item: ItemRecord) -> None:
    """Log the patient's new item revision, once stored: ``item_added`` (revision 1) or
    ``item_edited``."""
    kind = "item_added" if item.revision == 1 else "item_edited"
    await consent.record(item.dossier_id, kind, PATIENT,
                         {"item": item.item_id, "revision": item.revision})


async def check_delete(consent: ConsentService, dossier_id: str, item_id: str) -> None:
    """Before the patient deletes ``item_id``: ``ProfessionalItem`` (403) if a professional
    (or contact) wrote it through a grant (``docs/consent.md``)."""
    if await consent.item_author(dossier_id, item_id) is not None:
        raise ProfessionalItem()


async def item_deleted(consent: ConsentService, dossier_id: str, item_id: str) -> None:
    """Log the patient's deletion of ``item_id`` (every revision), once done."""
    await consent.record(dossier_id, "item_deleted", PATIENT, {"item": item_id})


async def keys_changed(consent: ConsentService, dossier_id: str,
                       slot_names: Sequence[str]) -> None:
    """Key slots replaced (a new passphrase, a recovery, a new recovery code)."""
    await consent.record(dossier_id, "keys_changed", PATIENT,
                         {"slots": ",".join(slot_names)})


async def deposit_filed(consent: ConsentService, dossier_id: str, deposit_id: str) -> None:
    """A deposit removed from the waiting list by the patient's client, once filed."""
    await consent.record(dossier_id, "deposit_filed", PATIENT, {"deposit": deposit_id})


async def declare(consent: ConsentService, dossier_id: str, kind: str, *, count: int | None,
                  sealed: bytes) -> None:
    """An action only the patient's client sees, as it declares it. ``ServiceError`` for a
    kind outside ``DECLARED_KINDS``, a count out of range or a note that cannot be a sealed
    note (the server cannot check more of it)."""
    if kind not in audit.DECLARED_KINDS:
        allowed = ", ".join(sorted(audit.DECLARED_KINDS))
        raise ServiceError(f"a patient declares only these events: {allowed}")
    detail: dict[str, str | int] = {}
    if count is not None:
        if not 0 <= count <= COUNT_MAX:
            raise ServiceError(f"count is 0 to {COUNT_MAX}")
        detail["count"] = count
    if sealed:
        if not note.sealed_note_ok(sealed):
            raise ServiceError("a sealed note is a sealed box of at most 1024 bytes of text")
        detail[DECLARED_NOTE[0]] = note.note_text(sealed)
    await consent.record(dossier_id, kind, PATIENT, detail)

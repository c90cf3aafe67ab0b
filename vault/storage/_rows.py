"""Rows of the vault's tables <-> the records of ``vault.records`` (piccolo adapter helpers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vault.errors import InvalidInput
from vault.records import ItemRecord, KeySlot
from vault.storage.tables import KeySlotRow

Row = dict[str, Any]


def fit(value: str, length: int, what: str) -> None:
    if not isinstance(value, str) or len(value) > length:
        raise InvalidInput(f"{what} must be a string of at most {length} characters")


def item_of(row: Row) -> ItemRecord:
    return ItemRecord(
        dossier_id=row["dossier_id"],
        item_id=row["item_id"],
        revision=int(row["revision"]),
        key_ref=row["key_ref"],
        wrapped_key=bytes(row["wrapped_key"]),
        ciphertext=bytes(row["ciphertext"]),
        created_at=int(row["created_at"]),
    )


def slot_of(row: Row) -> KeySlot:
    return KeySlot(
        name=row["name"],
        salt=bytes(row["salt"]),
        opslimit=int(row["opslimit"]),
        memlimit=int(row["memlimit"]),
        wrapped=bytes(row["wrapped"]),
        login_public=bytes(row["login_public"]),
    )


def slot_values(slot: KeySlot) -> dict[Any, Any]:
    return {
        KeySlotRow.salt: slot.salt,
        KeySlotRow.opslimit: slot.opslimit,
        KeySlotRow.memlimit: slot.memlimit,
        KeySlotRow.wrapped: slot.wrapped,
        KeySlotRow.login_public: slot.login_public,
    }


def slot_row(dossier_id: str, slot: KeySlot) -> KeySlotRow:
    return KeySlotRow(
        dossier_id=dossier_id,
        name=slot.name,
        salt=slot.salt,
        opslimit=slot.opslimit,
        memlimit=slot.memlimit,
        wrapped=slot.wrapped,
        login_public=slot.login_public,
    )


def last_by_name(slots: Iterable[KeySlot]) -> list[KeySlot]:
    """One slot per name, the last one winning (as a dict keyed by name would)."""
    return list({s.name: s for s in slots}.values())

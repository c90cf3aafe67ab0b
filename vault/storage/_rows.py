"""Rows of the vault's tables <-> the records of ``vault.records`` (piccolo adapter helpers)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from vault.errors import InvalidInput
from vault.records import ChunkRecord, ItemRecord, KeySlot
from vault.storage.tables import ChunkRow, ItemRow, KeySlotRow

# Rows per INSERT statement for chunks (keeps far below both engines' parameter limits).
CHUNK_BATCH: Final = 64

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


def item_row(item: ItemRecord, *, latest: bool) -> ItemRow:
    return ItemRow(dossier_id=item.dossier_id, item_id=item.item_id, revision=item.revision,
                   latest=latest, key_ref=item.key_ref, wrapped_key=item.wrapped_key,
                   ciphertext=item.ciphertext, size=item.size, created_at=item.created_at)


async def insert_chunks(dossier_id: str, chunks: Sequence[ChunkRecord]) -> None:
    """Chunks filed under ``dossier_id`` whatever their own field says (as MemoryStore does:
    a call can only ever write into one dossier), ``CHUNK_BATCH`` rows per statement."""
    rows = [ChunkRow(dossier_id=dossier_id, item_id=c.item_id, attachment_id=c.attachment_id,
                     chunk_index=c.index, size=len(c.blob), blob=c.blob) for c in chunks]
    for start in range(0, len(rows), CHUNK_BATCH):
        await ChunkRow.insert(*rows[start:start + CHUNK_BATCH])

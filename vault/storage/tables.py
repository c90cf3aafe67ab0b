"""The server's tables: ids, integers (unix seconds, versions, sizes) and opaque bytes only.

Every table carries ``dossier_id`` and is indexed by it (P14): every query filters on
``dossier_id`` first and never scans another dossier's rows. Ids are 32 lowercase hex
characters. Composite UNIQUE indexes (one revision per item, one slot per name, one chunk
per position) are created by the second migration in ``piccolo_migrations``.

These classes are bound to one engine at a time (``Table._meta.db``), set by
:class:`vault.storage.piccolo_store.PiccoloStore`.
"""

from __future__ import annotations

from typing import Final

from piccolo.columns import BigInt, Boolean, Bytea, Varchar
from piccolo.table import Table

ID_LENGTH: Final = 32
NAME_LENGTH: Final = 32
KEY_REF_LENGTH: Final = 64


def _dossier_id(*, unique: bool = False) -> Varchar:
    # A unique column is already indexed by its constraint.
    return Varchar(length=ID_LENGTH, unique=unique, index=not unique)


class DossierRow(Table, tablename="carnet_dossier"):
    dossier_id = _dossier_id(unique=True)
    created_at = BigInt()
    sign_public = Bytea()
    box_public = Bytea()


class KeySlotRow(Table, tablename="carnet_key_slot"):
    dossier_id = _dossier_id()
    name = Varchar(length=NAME_LENGTH)
    salt = Bytea()
    opslimit = BigInt()
    memlimit = BigInt()
    wrapped = Bytea()
    login_public = Bytea()


class KeyringRow(Table, tablename="carnet_keyring"):
    dossier_id = _dossier_id(unique=True)
    version = BigInt()
    blob = Bytea()


class ItemRow(Table, tablename="carnet_item"):
    """One revision of one item; ``latest`` marks the highest revision of each item."""

    dossier_id = _dossier_id()
    item_id = Varchar(length=ID_LENGTH)
    revision = BigInt()
    latest = Boolean(default=False)
    key_ref = Varchar(length=KEY_REF_LENGTH)
    wrapped_key = Bytea()
    ciphertext = Bytea()
    size = BigInt()
    created_at = BigInt()


class ChunkRow(Table, tablename="carnet_chunk"):
    """One encrypted chunk of an attachment (``chunk_index`` is the record's ``index``)."""

    dossier_id = _dossier_id()
    item_id = Varchar(length=ID_LENGTH)
    attachment_id = Varchar(length=ID_LENGTH)
    chunk_index = BigInt()
    size = BigInt()
    blob = Bytea()


class TombstoneRow(Table, tablename="carnet_tombstone"):
    dossier_id = _dossier_id(unique=True)
    closed_at = BigInt()
    blob = Bytea()


# Rows held for a live dossier (the tombstone is what remains after closing).
DOSSIER_TABLES: Final[tuple[type[Table], ...]] = (
    DossierRow, KeySlotRow, KeyringRow, ItemRow, ChunkRow,
)
ALL_TABLES: Final[tuple[type[Table], ...]] = (*DOSSIER_TABLES, TombstoneRow)

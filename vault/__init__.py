"""Carnet's vault: the end-to-end encrypted dossier, its formats and its storage port."""

from vault.archive import Contents as ArchiveContents
from vault.archive import open_ as open_archive
from vault.dossier import Dossier, NewAttachment
from vault.errors import (
    Conflict,
    DecryptionFailed,
    DossierClosed,
    FormatError,
    InvalidInput,
    LimitExceeded,
    NotAllowed,
    NotFound,
    UnlockFailed,
    VaultError,
    WeakParameters,
)
from vault.items import Author, Item
from vault.keyring import Keyring
from vault.records import DossierRecord, ItemRecord, KeySlot
from vault.sections import EMERGENCY_SUMMARY, Section
from vault.store import DossierStore, MemoryStore

__all__ = [
    "EMERGENCY_SUMMARY",
    "ArchiveContents",
    "Author",
    "Conflict",
    "DecryptionFailed",
    "Dossier",
    "DossierClosed",
    "DossierRecord",
    "DossierStore",
    "FormatError",
    "InvalidInput",
    "Item",
    "ItemRecord",
    "KeySlot",
    "Keyring",
    "LimitExceeded",
    "MemoryStore",
    "NewAttachment",
    "NotAllowed",
    "NotFound",
    "Section",
    "UnlockFailed",
    "VaultError",
    "WeakParameters",
    "open_archive",
]

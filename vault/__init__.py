"""Carnet's vault: the end-to-end encrypted dossier, its formats and its storage port.

``__all__`` is what other packages use (``tests/test_public_api.py`` keeps it exact). The
format modules (``crypto``, ``envelope``, ``items``, ``records``, ``keyring``, ...) are public
too and are imported by name; ``vault.storage`` is the piccolo adapter, for the server only.
"""

from vault._archiving import NewAttachment
from vault.archive import Contents as ArchiveContents
from vault.archive import open_ as open_archive
from vault.dossier import Dossier
from vault.errors import (
    Conflict,
    DecryptionFailed,
    DossierClosed,
    FormatError,
    InvalidInput,
    ItemGone,
    LimitExceeded,
    NotAllowed,
    NotFound,
    StaleKeyring,
    StaleRevision,
    StorageUnavailable,
    UnlockFailed,
    VaultError,
    WeakParameters,
)
from vault.itembox import (
    item_ad,
    open_item_with_key,
    open_records,
    seal_item,
    unwrap_item_key,
    wrap_item_key,
)
from vault.items import Author, Item
from vault.keyring import KeyLookup, Keyring
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
    "ItemGone",
    "ItemRecord",
    "KeyLookup",
    "KeySlot",
    "Keyring",
    "LimitExceeded",
    "MemoryStore",
    "NewAttachment",
    "NotAllowed",
    "NotFound",
    "Section",
    "StaleKeyring",
    "StaleRevision",
    "StorageUnavailable",
    "UnlockFailed",
    "VaultError",
    "WeakParameters",
    "item_ad",
    "open_archive",
    "open_item_with_key",
    "open_records",
    "seal_item",
    "unwrap_item_key",
    "wrap_item_key",
]

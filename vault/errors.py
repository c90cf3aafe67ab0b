"""The vault's error tree. Crypto failures say nothing about which key or part failed.

Every error has a stable machine-readable ``code``; none knows HTTP (``web/server/errors.py``
holds the status table). Errors about bad input are also ``ValueError``, as pynacl's are.

The tree (``code`` in brackets)::

    * VaultError                    [vault_error]
      x DecryptionFailed            [decryption_failed]      ValueError
      x UnlockFailed                [unlock_failed]          ValueError
      x FormatError                 [bad_format]             ValueError
      x InvalidInput                [invalid_input]          ValueError
        + LimitExceeded             [too_large]
      x WeakParameters              [weak_kdf_parameters]    ValueError
      x NotFound                    [not_found]              LookupError
      x Conflict                    [conflict]
        + AttachmentTaken           [attachment_taken]
        + StaleKeyring              [stale_keyring]
        + StaleRevision             [stale_revision]
        + ItemGone                  [item_gone]
      x DossierClosed               [dossier_closed]
      x NotAllowed                  [not_allowed]
      x StorageUnavailable          [storage_unavailable]
      x RolledBack                  [keyring_rolled_back]
      x MigrationError              [migration_failed]       RuntimeError, vault.storage.migrate
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the vault raises. ``code`` is a stable machine-readable name."""

    code = "vault_error"


class DecryptionFailed(VaultError, ValueError):
    """A ciphertext, wrap or stream did not open. Deliberately says nothing more."""

    code = "decryption_failed"

    def __init__(self, detail: str = "could not decrypt") -> None:
        super().__init__(detail)


class UnlockFailed(VaultError, ValueError):
    """The passphrase or recovery code did not open the dossier (never says which)."""

    code = "unlock_failed"

    def __init__(self, detail: str = "the passphrase or recovery code is not valid") -> None:
        super().__init__(detail)


class FormatError(VaultError, ValueError):
    """Bytes that do not follow a documented format (truncated, garbled, unknown version)."""

    code = "bad_format"


class InvalidInput(VaultError, ValueError):
    """A value the caller supplied breaks a documented rule (empty title, unknown section...)."""

    code = "invalid_input"


class LimitExceeded(InvalidInput):
    """A value is larger than a documented limit."""

    code = "too_large"


class WeakParameters(VaultError, ValueError):
    """Key-derivation parameters below the floor: refused rather than used."""

    code = "weak_kdf_parameters"


class NotFound(VaultError, LookupError):
    """No such dossier, item, revision or attachment."""

    code = "not_found"


class Conflict(VaultError):
    """A concurrent change won (stale version, duplicate id)."""

    code = "conflict"


class AttachmentTaken(Conflict):
    """Chunks were sent for an attachment id that already has chunks: an attachment is
    written once, with the item revision that creates it, and belongs to that item (P5: a
    write grant cannot touch an attachment it did not create)."""

    code = "attachment_taken"


class StaleKeyring(Conflict):
    """A patient's write (item, deletion, rewrap, keyring) was based on a keyring version
    that is no longer the current one: another device masked, rotated or unmasked meanwhile.
    Nothing was written; the client reloads the keyring and applies the change again (an
    item written under the old keyring could land unmasked, or under a key a revoked
    professional holds: P2, P5)."""

    code = "stale_keyring"

    def __init__(self, detail: str = "the keyring changed on another device; "
                                      "reload it and try again") -> None:
        super().__init__(detail)


class StaleRevision(Conflict):
    """A patient's edit or deletion was based on a revision of the item that is no longer
    its latest: the item was changed on another device. Nothing was written, and nothing is
    merged: the patient shows the item again and redoes the change."""

    code = "stale_revision"

    def __init__(self, detail: str = "this item was changed on another device; show it again "
                                      "and redo the edit") -> None:
        super().__init__(detail)


class ItemGone(Conflict):
    """A patient's edit or deletion was based on a revision of an item that no longer
    exists: it was deleted on another device. Nothing was written (the item does not come
    back)."""

    code = "item_gone"

    def __init__(self, detail: str = "this item was deleted on another device") -> None:
        super().__init__(detail)


class DossierClosed(VaultError):
    """The dossier was closed: its id is tombstoned and can never be reused."""

    code = "dossier_closed"


class NotAllowed(VaultError):
    """The action is not permitted in this state (editing another's item, a closed dossier)."""

    code = "not_allowed"


class RolledBack(VaultError):
    """The server answered an older keyring than this client has already seen (a restored
    backup, or a dishonest server): nothing is read or written with it."""

    code = "keyring_rolled_back"

    def __init__(self, detail: str = "the server answered an older version of this dossier's "
                 "keys than this device has seen (restored from a backup, or altered): "
                 "nothing was changed; tell the service") -> None:
        super().__init__(detail)


class StorageUnavailable(VaultError):
    """The database cannot be reached or used right now (down, refusing connections, locked
    past its timeout, read-only or full). Nothing was decided: the caller may retry later."""

    code = "storage_unavailable"

    def __init__(self, detail: str = "the database is unavailable; try again shortly") -> None:
        super().__init__(detail)

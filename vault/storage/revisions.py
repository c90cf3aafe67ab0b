"""An item's revisions in one statement (issue 14): whether the dossier is live, closed or
absent, and every revision of the item, read with :func:`vault.storage.hot.read` (on SQLite
the loop thread's reader, no transaction's thread hops; on PostgreSQL one query). A single
statement sees one snapshot, as the transaction it replaces did."""

from __future__ import annotations

from typing import Any, Final

from piccolo.engine.base import Engine

from vault.errors import DossierClosed, NotFound
from vault.records import ItemRecord
from vault.storage import hot

_SQL: Final = """
SELECT d.dossier_id AS live,
       (SELECT count(*) FROM carnet_tombstone t WHERE t.dossier_id = q.did) AS closed,
       i.item_id, i.revision, i.key_ref, i.wrapped_key, i.ciphertext, i.created_at
FROM (SELECT CAST({} AS VARCHAR(32)) AS did) q
LEFT JOIN carnet_dossier d ON d.dossier_id = q.did
LEFT JOIN carnet_item i ON i.dossier_id = d.dossier_id AND i.item_id = {}
ORDER BY i.revision
"""


async def revisions(engine: Engine[Any], dossier_id: str, item_id: str) -> list[ItemRecord]:
    """Every revision of ``item_id``, oldest first; DossierClosed if the dossier is
    tombstoned, NotFound if it or the item is absent."""
    rows = await hot.read(engine, _SQL, dossier_id, item_id)
    first = rows[0]
    if first["live"] is None:
        if int(first["closed"]):
            raise DossierClosed("this dossier was closed")
        raise NotFound("no such dossier")
    if first["item_id"] is None:
        raise NotFound("no such item")
    return [ItemRecord(dossier_id, r["item_id"], int(r["revision"]), r["key_ref"],
                       bytes(r["wrapped_key"]), bytes(r["ciphertext"]), int(r["created_at"]))
            for r in rows]

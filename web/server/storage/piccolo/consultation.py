"""A consent scan's reads in one statement (issue 14): the grant, its dossier (or its
tombstone), the presenter's block, the history's head and the granted items.

Raw SQL, one text for both engines but for the substring function: the grant and what hangs
off it are one row (a materialized CTE, so its subqueries run once), left-joined to the
dossier's latest item revisions whose key ref is one of the grant's (``key_refs`` is stored
comma-joined). Every lookup is by an indexed ``dossier_id`` or ``grant_id`` (P14).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from vault.records import DossierRecord, ItemRecord
from vault.storage import hot
from vault.storage.engine import guard_storage
from web.server.storage.piccolo import _rows
from web.server.storage.ports import Consultation
from web.server.storage.tables import GrantRow

__all__ = ["PiccoloConsultations"]

_CTE: Final = """
WITH c AS MATERIALIZED (
  SELECT g.grant_id, g.dossier_id, g.recipient_id, g.recipient_fpr, g.key_refs, g.write,
         g.issued_at, g.expires_at, g.revoked_at, g.blob,
         d.created_at AS d_created_at, d.sign_public AS d_sign_public,
         d.box_public AS d_box_public,
         (SELECT count(*) FROM carnet_tombstone t WHERE t.dossier_id = g.dossier_id)
           AS closed,
         (SELECT count(*) FROM carnet_block b
           WHERE b.dossier_id = g.dossier_id AND b.ps_id = {}) AS blocked,
         (SELECT a.seq FROM carnet_audit a WHERE a.dossier_id = g.dossier_id
           ORDER BY a.seq DESC LIMIT 1) AS head_seq,
         (SELECT a.hash FROM carnet_audit a WHERE a.dossier_id = g.dossier_id
           ORDER BY a.seq DESC LIMIT 1) AS head_hash
  FROM carnet_grant g LEFT JOIN carnet_dossier d ON d.dossier_id = g.dossier_id
  WHERE g.grant_id = {}
)
"""
# The grant's row first, then one row per granted item: the grant's columns are not repeated
# on every item row (a 1 KiB grant blob over 115 items), and item rows are read by position.
# ``k`` orders the answer: '' for the grant's row, then the items by id (32 hex digits).
_GRANT_COLUMNS: Final = ("grant_id", "dossier_id", "recipient_id", "recipient_fpr", "key_refs",
                         "write", "issued_at", "expires_at", "revoked_at", "blob",
                         "d_created_at", "d_sign_public", "d_box_public", "closed", "blocked",
                         "head_seq", "head_hash")
_ITEM_COLUMNS: Final = ("item_id", "revision", "key_ref", "wrapped_key", "ciphertext",
                        "created_at")
_ITEM_AT: Final = 1 + len(_GRANT_COLUMNS)  # k, the grant's columns, then the item's
_SQL: Final = _CTE + (  # noqa: S608 - built from the constant names above
    "SELECT '' AS k, " + ", ".join(f"c.{n}" for n in _GRANT_COLUMNS) + ", "
    + ", ".join(f"NULL AS i_{n}" for n in _ITEM_COLUMNS) + " FROM c\nUNION ALL\n"
    + "SELECT i.item_id, " + ", ".join("NULL" for _ in _GRANT_COLUMNS) + ", "
    + ", ".join(f"i.{n}" for n in _ITEM_COLUMNS) + """
FROM c JOIN carnet_item i
  ON c.d_created_at IS NOT NULL AND i.dossier_id = c.dossier_id AND i.latest = {}
     AND FIND(',' || c.key_refs || ',', ',' || i.key_ref || ',') > 0
ORDER BY 1
""")
# SQLite's instr(haystack, needle) is PostgreSQL's strpos(haystack, needle).
_QUERIES: Final = {"sqlite": _SQL.replace("FIND(", "instr("),
                   "postgres": _SQL.replace("FIND(", "strpos(")}
# Without the items (a token check): the grant's row alone, the same columns.
_ITEMLESS: Final = _CTE + "SELECT c.* FROM c"  # noqa: S608 - constant text


def _cells(row: Any) -> Sequence[Any]:
    """A row's values by position: ``sqlite3.Row`` indexes; piccolo's dict on PostgreSQL
    keeps the statement's column order."""
    return tuple(row.values()) if isinstance(row, dict) else row


@guard_storage
class PiccoloConsultations:
    """:class:`web.server.storage.ports.Consultations` on the tables piccolo binds (the
    vault's and the service's, one database)."""

    async def consultation(self, grant_id: str, ps_id: str, *,
                           items: bool = True) -> Consultation | None:
        engine = GrantRow._meta.db
        rows = await (hot.read(engine, _QUERIES[str(engine.engine_type)], ps_id, grant_id, True)
                      if items else hot.read(engine, _ITEMLESS, ps_id, grant_id))
        if not rows:
            return None
        first = rows[0]
        dossier_id = first["dossier_id"]
        dossier = None if first["d_created_at"] is None else DossierRecord(
            dossier_id=dossier_id, created_at=int(first["d_created_at"]),
            sign_public=bytes(first["d_sign_public"]), box_public=bytes(first["d_box_public"]))
        head = None if first["head_seq"] is None else (int(first["head_seq"]),
                                                         bytes(first["head_hash"]))
        at = _ITEM_AT
        found = tuple(ItemRecord(dossier_id, *_item(_cells(r)[at:])) for r in rows[1:])
        return Consultation(grant=_rows.grant(first), dossier=dossier,
                            closed=int(first["closed"]) > 0, blocked=int(first["blocked"]) > 0,
                            head=head, items=found)


def _item(v: Sequence[Any]) -> tuple[str, int, str, bytes, bytes, int]:
    """(item id, revision, key ref, wrapped key, ciphertext, created at) of an item row."""
    return v[0], int(v[1]), v[2], bytes(v[3]), bytes(v[4]), int(v[5])


if TYPE_CHECKING:
    from web.server.storage.ports import Consultations

    def _is_consultations(c: PiccoloConsultations) -> Consultations:
        return c

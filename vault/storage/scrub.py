"""After rows were deleted (a closure), push what can be pushed out of the database files.

- SQLite (connections run with ``secure_delete=ON``, so deleted cells are zeroed in the pages
  they leave): ``PRAGMA wal_checkpoint(TRUNCATE)``, run once the LAST delete committed, so
  the WAL's older page images (which still hold the rows) are written back and the WAL file
  is emptied;
- PostgreSQL: ``VACUUM`` of the given tables (and their TOAST tables), which makes the dead
  tuples' space reusable; it erases nothing for sure (``docs/operations.md``).

A failure is logged, never raised: the deletion itself is already committed. The one
implementation, used by the vault store and by the server's closure (which adds its tables).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from piccolo.engine.base import Engine
from piccolo.table import Table

__all__ = ["Scrub", "scrubber"]

log = logging.getLogger(__name__)

Scrub = Callable[[], Awaitable[None]]


def scrubber(engine: Engine[Any], tables: Sequence[type[Table]]) -> Scrub:
    """The scrub to run after deletions on ``engine`` (over ``tables`` on PostgreSQL).
    Skipped, with a warning, when called inside a transaction (VACUUM cannot run there)."""

    async def scrub() -> None:
        if engine.current_transaction.get() is not None:
            log.warning("scrub skipped: called inside a transaction")
            return
        try:
            if str(engine.engine_type) == "sqlite":
                rows = cast(list[dict[str, Any]],
                            await engine.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)"))
                if rows and rows[0].get("busy"):
                    log.warning("WAL checkpoint incomplete: readers were active")
            else:
                names = ", ".join(t._meta.tablename for t in tables)
                await engine.run_ddl(f"VACUUM {names}")
        except Exception:
            log.exception("scrub after closing a dossier failed")

    return scrub

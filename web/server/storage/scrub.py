"""After a closure has deleted every row of a dossier (vault and service tables), push what
can be pushed out of the database files (P8, ``docs/operations.md``):

- SQLite (connections run with ``secure_delete=ON``, so deleted cells are zeroed in the pages
  they leave): ``PRAGMA wal_checkpoint(TRUNCATE)``, run once the LAST delete committed, so
  the WAL's older page images (which still hold the rows) are written back and the WAL file
  is emptied;
- PostgreSQL: ``VACUUM`` of every vault and service table (and their TOAST tables), which
  makes the dead tuples' space reusable; it erases nothing for sure, which is why what makes
  a dossier openable is sealed under a key outside the database (``web.server.atrest``).

A failure is logged, never raised: the closure itself is already committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.base import Engine
from piccolo.table import Table

from vault.storage import tables as vault_tables
from vault.storage.scrub import Scrub
from vault.storage.scrub import scrubber as tables_scrubber
from web.server.storage import tables as service_tables

__all__ = ["Scrub", "scrubber"]


def scrubber(engine: Engine[Any],
             tables: Sequence[type[Table]] = (*vault_tables.ALL_TABLES,
                                              *service_tables.ALL_TABLES)) -> Scrub:
    """The scrub to run after a closure on ``engine``: vault and service tables alike."""
    return tables_scrubber(engine, tables)

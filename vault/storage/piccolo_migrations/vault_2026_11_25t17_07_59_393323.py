"""Composite UNIQUE indexes (and the C collation of item ids on PostgreSQL).

- one row per (dossier, item, revision), per (dossier, slot name), per
  (dossier, attachment, chunk position);
- at most one ``latest`` revision per item (partial unique index);
- chunks looked up by (dossier, item) when an item is deleted;
- on PostgreSQL, ``carnet_item.item_id`` uses the "C" collation so that ordering and the
  ``after`` cursor compare bytes, as SQLite and the in-memory store do.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T17:07:59:393323"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

INDEXES = (
    "CREATE UNIQUE INDEX carnet_item_revision_uq"
    " ON carnet_item (dossier_id, item_id, revision)",
    "CREATE UNIQUE INDEX carnet_item_latest_uq"
    " ON carnet_item (dossier_id, item_id) WHERE latest",
    "CREATE UNIQUE INDEX carnet_key_slot_name_uq"
    " ON carnet_key_slot (dossier_id, name)",
    "CREATE UNIQUE INDEX carnet_chunk_position_uq"
    " ON carnet_chunk (dossier_id, attachment_id, chunk_index)",
    "CREATE INDEX carnet_chunk_item_ix"
    " ON carnet_chunk (dossier_id, item_id)",
)

INDEX_NAMES = (
    "carnet_item_revision_uq",
    "carnet_item_latest_uq",
    "carnet_key_slot_name_uq",
    "carnet_chunk_position_uq",
    "carnet_chunk_item_ix",
)


def _engine():
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("piccolo found no engine (is PICCOLO_CONF set?)")
    return engine


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="vault", description=DESCRIPTION
    )

    async def create_indexes():
        engine = _engine()
        if engine.engine_type == "postgres":
            await engine.run_ddl(
                'ALTER TABLE carnet_item ALTER COLUMN item_id TYPE VARCHAR(32) COLLATE "C"'
            )
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    async def drop_indexes():
        engine = _engine()
        for name in INDEX_NAMES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        if engine.engine_type == "postgres":
            await engine.run_ddl(
                "ALTER TABLE carnet_item ALTER COLUMN item_id TYPE VARCHAR(32)"
                ' COLLATE "default"'
            )

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)

    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one audit event per (dossier, seq)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="web", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS carnet_audit_dossier_seq "
                             "ON carnet_audit (dossier_id, seq)")

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX IF EXISTS carnet_audit_dossier_seq")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

"""piccolo app "vault": the storage tables and their migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from vault.storage.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="vault",
    migrations_folder_path=str(Path(__file__).resolve().parent / "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)

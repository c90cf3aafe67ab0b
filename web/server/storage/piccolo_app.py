"""piccolo app "web": the service tables and their migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from web.server.storage.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="web",
    migrations_folder_path=str(Path(__file__).resolve().parent / "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T18:19:52:333581"
VERSION = "1.38.0"
DESCRIPTION = "directory countersignature"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="web", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ProfessionalRow",
        tablename="carnet_professional",
        column_name="countersignature",
        db_column_name="countersignature",
        column_class_name="Bytea",
        column_class=Bytea,
        params={
            "default": b"",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager

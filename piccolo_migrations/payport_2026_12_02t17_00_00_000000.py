from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stripe onboarding: disabled_reason and deauthorized_at on the connection"

COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
          "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    manager.add_column(
        table_class_name="StripeConnection", tablename="stripe_connection", column_name="disabled_reason",
        db_column_name="disabled_reason", column_class_name="Varchar", column_class=Varchar,
        params={"length": 100, "default": "", "null": False, **COMMON}, schema=None,
    )
    manager.add_column(
        table_class_name="StripeConnection", tablename="stripe_connection", column_name="deauthorized_at",
        db_column_name="deauthorized_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params={"default": None, "null": True, **COMMON}, schema=None,
    )
    return manager

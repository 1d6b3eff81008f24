from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login throttle by account and address: growing delays, owner notices"

# Old rows were keyed by plain email with another meaning: they are dropped, not converted.
COLUMNS = {"lockouts": "INTEGER NOT NULL DEFAULT 0", "notified_at": "TIMESTAMPTZ NULL DEFAULT NULL"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def add_columns():
        await engine_finder().run_ddl("DELETE FROM login_throttle")
        for name, definition in COLUMNS.items():
            await engine_finder().run_ddl(f"ALTER TABLE login_throttle ADD COLUMN {name} {definition}")

    async def drop_columns():
        for name in COLUMNS:
            await engine_finder().run_ddl(f"ALTER TABLE login_throttle DROP COLUMN {name}")

    manager.add_raw(add_columns)
    manager.add_raw_backwards(drop_columns)
    return manager

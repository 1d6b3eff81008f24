from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T00:15:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "each reminder number once per invoice"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create_index():
        # The scheduler may run in two processes; the database decides who queues reminder N.
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS reminder_log_invoice_number_uq ON reminder_log (invoice, number)"
        )

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS reminder_log_invoice_number_uq")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager

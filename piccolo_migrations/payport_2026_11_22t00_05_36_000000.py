from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T00:05:36:000000"
VERSION = "1.38.0"
DESCRIPTION = "invoice numbers unique per vendor"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create_index():
        # Piccolo columns cannot declare a composite unique key; NULL numbers (drafts) never collide.
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS invoice_vendor_number_uq ON invoice (vendor, number)"
        )

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS invoice_vendor_number_uq")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager

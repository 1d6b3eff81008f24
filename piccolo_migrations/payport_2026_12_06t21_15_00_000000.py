"""ops19: a delivery's dedupe key, unique, so an event queued by several workers at once is queued once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T21:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ops19: webhook_delivery.dedupe_key (unique; NULL for replays)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def add():
        engine = engine_finder()
        await engine.run_ddl("ALTER TABLE webhook_delivery ADD COLUMN dedupe_key VARCHAR(120) NULL")
        # Deliveries queued before this column have none: NULLs never clash, so they stay as they are.
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS webhook_delivery_dedupe ON webhook_delivery (dedupe_key)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS webhook_delivery_dedupe")
        await engine.run_ddl("ALTER TABLE webhook_delivery DROP COLUMN dedupe_key")

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager

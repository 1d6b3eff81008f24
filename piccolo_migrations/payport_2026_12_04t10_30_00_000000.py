from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "recurring profiles and their periods (unique per profile and period date)"


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    json = "JSON"
    return [
        "ALTER TABLE invoice ADD COLUMN recurring_profile_id INTEGER NULL",
        f"CREATE TABLE recurring_profile (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT, "
        "name VARCHAR(120) NOT NULL, currency VARCHAR(3) NOT NULL, "
        f"lines {json} NOT NULL DEFAULT '[]', discount_percent NUMERIC(7, 4) NOT NULL DEFAULT 0, "
        "notes TEXT NOT NULL DEFAULT '', footer TEXT NOT NULL DEFAULT '', terms_days INTEGER NOT NULL DEFAULT 0, "
        "frequency VARCHAR(16) NOT NULL DEFAULT 'monthly', every INTEGER NOT NULL DEFAULT 1, "
        "day_of_month INTEGER NOT NULL DEFAULT 1, start_date DATE NOT NULL, "
        "end_mode VARCHAR(8) NOT NULL DEFAULT 'never', end_count INTEGER NULL, end_date DATE NULL, "
        "action VARCHAR(8) NOT NULL DEFAULT 'draft', catch_up VARCHAR(8) NOT NULL DEFAULT 'all', "
        "status VARCHAR(12) NOT NULL DEFAULT 'active', next_date DATE NULL, "
        "invoices_made INTEGER NOT NULL DEFAULT 0, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "
        "updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS recurring_profile_vendor_idx ON recurring_profile (vendor)",
        "CREATE INDEX IF NOT EXISTS recurring_profile_customer_idx ON recurring_profile (customer)",
        "CREATE INDEX IF NOT EXISTS recurring_profile_due_idx ON recurring_profile (status, next_date)",
        f"CREATE TABLE recurring_period (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "profile INTEGER NOT NULL REFERENCES recurring_profile (id) ON DELETE CASCADE, "
        "period_date DATE NOT NULL, "
        "invoice INTEGER NULL REFERENCES invoice (id) ON DELETE SET NULL, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        # The exactly-once guard: a period is claimed by inserting this key, in the invoice's transaction.
        "CREATE UNIQUE INDEX IF NOT EXISTS recurring_period_key ON recurring_period (profile, period_date)",
        "CREATE INDEX IF NOT EXISTS recurring_period_vendor_idx ON recurring_period (vendor)",
        "CREATE INDEX IF NOT EXISTS recurring_period_invoice_idx ON recurring_period (invoice)",
        "CREATE INDEX IF NOT EXISTS invoice_recurring_idx ON invoice (recurring_profile_id, issue_date)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in ("DROP INDEX IF EXISTS invoice_recurring_idx", "DROP TABLE IF EXISTS recurring_period", "DROP TABLE IF EXISTS recurring_profile",
                          "ALTER TABLE invoice DROP COLUMN recurring_profile_id"):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

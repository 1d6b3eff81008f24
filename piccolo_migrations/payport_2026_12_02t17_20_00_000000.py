from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "instalments (payment schedules) and the daily ledger check"


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    return [
        "ALTER TABLE invoice ADD COLUMN next_due_date DATE NULL",
        "ALTER TABLE invoice ADD COLUMN next_due_amount BIGINT NOT NULL DEFAULT 0",
        f"CREATE TABLE instalment (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "invoice INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE, "
        "position INTEGER NOT NULL DEFAULT 0, due_date DATE NOT NULL, amount BIGINT NOT NULL, "
        "percent NUMERIC(7, 4) NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS instalment_invoice_idx ON instalment (invoice, position)",
        "CREATE INDEX IF NOT EXISTS instalment_vendor_idx ON instalment (vendor)",
        f"CREATE TABLE ledger_check (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "account VARCHAR(64) NOT NULL DEFAULT '', day DATE NOT NULL, currency VARCHAR(3) NOT NULL, "
        "kind VARCHAR(16) NOT NULL, ours_gross BIGINT NOT NULL DEFAULT 0, ours_fee BIGINT NOT NULL DEFAULT 0, "
        "ours_net BIGINT NOT NULL DEFAULT 0, stripe_gross BIGINT NOT NULL DEFAULT 0, "
        "stripe_fee BIGINT NOT NULL DEFAULT 0, stripe_net BIGINT NOT NULL DEFAULT 0, "
        "matched BOOLEAN NOT NULL DEFAULT TRUE, "
        "checked_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE UNIQUE INDEX IF NOT EXISTS ledger_check_key ON ledger_check (vendor, account, day, currency, kind)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in ("DROP TABLE IF EXISTS ledger_check", "DROP TABLE IF EXISTS instalment",
                          "ALTER TABLE invoice DROP COLUMN next_due_amount",
                          "ALTER TABLE invoice DROP COLUMN next_due_date"):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

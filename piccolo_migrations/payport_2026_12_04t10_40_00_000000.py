from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T10:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "quotes: quotes, their lines and activity; quote numbering; viewed tracking of invoices"


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    return [
        "ALTER TABLE vendor ADD COLUMN quote_number_pattern VARCHAR(60) NOT NULL DEFAULT 'QUO-{year}-{seq}'",
        "ALTER TABLE vendor ADD COLUMN next_quote_seq INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE vendor ADD COLUMN quote_auto_convert BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE invoice ADD COLUMN first_viewed_at TIMESTAMPTZ NULL",
        "ALTER TABLE invoice ADD COLUMN last_viewed_at TIMESTAMPTZ NULL",
        "ALTER TABLE invoice ADD COLUMN view_count INTEGER NOT NULL DEFAULT 0",
        f"CREATE TABLE quote (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT, "
        "number VARCHAR(64) NULL, status VARCHAR(24) NOT NULL DEFAULT 'draft', currency VARCHAR(3) NOT NULL, "
        "issue_date DATE NOT NULL, expiry_date DATE NOT NULL, "
        "discount_percent NUMERIC(7, 4) NOT NULL DEFAULT 0, notes TEXT NOT NULL DEFAULT '', "
        "footer TEXT NOT NULL DEFAULT '', subtotal BIGINT NOT NULL DEFAULT 0, "
        "discount_total BIGINT NOT NULL DEFAULT 0, tax_total BIGINT NOT NULL DEFAULT 0, "
        "total BIGINT NOT NULL DEFAULT 0, token VARCHAR(64) NOT NULL, sent_at TIMESTAMPTZ NULL, "
        "first_viewed_at TIMESTAMPTZ NULL, last_viewed_at TIMESTAMPTZ NULL, view_count INTEGER NOT NULL DEFAULT 0, "
        "accepted_at TIMESTAMPTZ NULL, accepted_name VARCHAR(200) NOT NULL DEFAULT '', "
        "accepted_address VARCHAR(64) NOT NULL DEFAULT '', declined_at TIMESTAMPTZ NULL, "
        "decline_reason TEXT NOT NULL DEFAULT '', "
        "invoice INTEGER NULL REFERENCES invoice (id) ON DELETE SET NULL, converted_at TIMESTAMPTZ NULL, "
        "version INTEGER NOT NULL DEFAULT 1, created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "
        "updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS quote_vendor_idx ON quote (vendor, status)",
        "CREATE INDEX IF NOT EXISTS quote_customer_idx ON quote (customer)",
        "CREATE INDEX IF NOT EXISTS quote_invoice_idx ON quote (invoice)",
        "CREATE UNIQUE INDEX IF NOT EXISTS quote_token_key ON quote (token)",
        "CREATE UNIQUE INDEX IF NOT EXISTS quote_vendor_number_key ON quote (vendor, number)",
        f"CREATE TABLE quote_line (id {serial}, "
        "quote INTEGER NOT NULL REFERENCES quote (id) ON DELETE CASCADE, position INTEGER NOT NULL DEFAULT 0, "
        "description TEXT NOT NULL, quantity NUMERIC(14, 4) NOT NULL, unit_price BIGINT NOT NULL, "
        "tax_rate NUMERIC(7, 4) NOT NULL DEFAULT 0, line_total BIGINT NOT NULL DEFAULT 0, "
        "tax_amount BIGINT NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS quote_line_quote_idx ON quote_line (quote, position)",
        f"CREATE TABLE quote_activity (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "quote INTEGER NOT NULL REFERENCES quote (id) ON DELETE CASCADE, kind VARCHAR(40) NOT NULL, "
        "message TEXT NOT NULL, data JSON NOT NULL DEFAULT '{}', "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS quote_activity_quote_idx ON quote_activity (quote, created_at)",
        "CREATE INDEX IF NOT EXISTS quote_activity_vendor_idx ON quote_activity (vendor)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in ("DROP TABLE IF EXISTS quote_activity", "DROP TABLE IF EXISTS quote_line",
                          "DROP TABLE IF EXISTS quote",
                          "ALTER TABLE invoice DROP COLUMN view_count",
                          "ALTER TABLE invoice DROP COLUMN last_viewed_at",
                          "ALTER TABLE invoice DROP COLUMN first_viewed_at",
                          "ALTER TABLE vendor DROP COLUMN quote_auto_convert",
                          "ALTER TABLE vendor DROP COLUMN next_quote_seq",
                          "ALTER TABLE vendor DROP COLUMN quote_number_pattern"):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T10:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "autopay: saved cards (Stripe Customer and card on file) and off-session attempts"


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    return [
        f"CREATE TABLE saved_card (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE, "
        "stripe_account VARCHAR(64) NOT NULL DEFAULT '', stripe_customer VARCHAR(64) NOT NULL, "
        "payment_method VARCHAR(64) NOT NULL DEFAULT '', brand VARCHAR(32) NOT NULL DEFAULT '', "
        "last4 VARCHAR(4) NOT NULL DEFAULT '', exp_month INTEGER NOT NULL DEFAULT 0, "
        "exp_year INTEGER NOT NULL DEFAULT 0, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "
        "updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE UNIQUE INDEX IF NOT EXISTS saved_card_place_key ON saved_card (customer, stripe_account)",
        "CREATE INDEX IF NOT EXISTS saved_card_vendor_idx ON saved_card (vendor)",
        "CREATE INDEX IF NOT EXISTS saved_card_stripe_customer_idx ON saved_card (stripe_customer)",
        f"CREATE TABLE autopay_attempt (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "invoice INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE, "
        "attempt INTEGER NOT NULL DEFAULT 1, status VARCHAR(20) NOT NULL DEFAULT 'creating', "
        "idempotency_key VARCHAR(80) NOT NULL, stripe_account VARCHAR(64) NOT NULL DEFAULT '', "
        "payment_method VARCHAR(64) NOT NULL DEFAULT '', payment_intent VARCHAR(64) NOT NULL DEFAULT '', "
        "amount BIGINT NOT NULL DEFAULT 0, currency VARCHAR(3) NOT NULL DEFAULT '', "
        "error_code VARCHAR(64) NOT NULL DEFAULT '', message TEXT NOT NULL DEFAULT '', "
        "next_retry_at TIMESTAMPTZ NULL, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "
        "updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE UNIQUE INDEX IF NOT EXISTS autopay_attempt_invoice_key ON autopay_attempt (invoice, attempt)",
        "CREATE INDEX IF NOT EXISTS autopay_attempt_vendor_idx ON autopay_attempt (vendor)",
        "CREATE INDEX IF NOT EXISTS autopay_attempt_retry_idx ON autopay_attempt (next_retry_at)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in ("DROP TABLE IF EXISTS autopay_attempt", "DROP TABLE IF EXISTS saved_card"):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T11:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api19: API keys, idempotent API answers, outgoing webhook endpoints and deliveries"

TABLES = ("webhook_delivery", "webhook_endpoint", "api_idempotency", "api_key")


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    now = "TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP"
    return [
        f"CREATE TABLE api_key (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "name VARCHAR(100) NOT NULL, scope VARCHAR(8) NOT NULL DEFAULT 'read', "
        "key_hash VARCHAR(64) NOT NULL UNIQUE, prefix VARCHAR(16) NOT NULL, "
        f"created_by VARCHAR(254) NOT NULL DEFAULT '', created_at {now}, "
        "last_used_at TIMESTAMPTZ NULL, revoked_at TIMESTAMPTZ NULL)",
        "CREATE INDEX IF NOT EXISTS api_key_vendor ON api_key (vendor)",
        f"CREATE TABLE api_idempotency (id {serial}, "
        "api_key INTEGER NOT NULL REFERENCES api_key (id) ON DELETE CASCADE, "
        "key_name VARCHAR(320) NOT NULL UNIQUE, request_hash VARCHAR(64) NOT NULL, "
        f"status INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL DEFAULT '', created_at {now})",
        "CREATE INDEX IF NOT EXISTS api_idempotency_api_key ON api_idempotency (api_key)",
        "CREATE INDEX IF NOT EXISTS api_idempotency_created_at ON api_idempotency (created_at)",
        f"CREATE TABLE webhook_endpoint (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "url TEXT NOT NULL, events TEXT NOT NULL DEFAULT '', secret_enc TEXT NOT NULL DEFAULT '', "
        "enabled BOOLEAN NOT NULL DEFAULT TRUE, disabled_reason TEXT NOT NULL DEFAULT '', "
        "failures INTEGER NOT NULL DEFAULT 0, failing_since TIMESTAMPTZ NULL, "
        f"created_at {now})",
        "CREATE INDEX IF NOT EXISTS webhook_endpoint_vendor ON webhook_endpoint (vendor)",
        f"CREATE TABLE webhook_delivery (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE RESTRICT, "
        "endpoint INTEGER NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE, "
        "event_id VARCHAR(40) NOT NULL, event_type VARCHAR(60) NOT NULL, payload TEXT NOT NULL, "
        "status VARCHAR(16) NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, "
        f"next_attempt_at {now}, claimed_at TIMESTAMPTZ NULL, response_status INTEGER NULL, "
        f"last_error TEXT NOT NULL DEFAULT '', delivered_at TIMESTAMPTZ NULL, created_at {now})",
        "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS webhook_delivery_endpoint ON webhook_delivery (endpoint, id)",
        "CREATE INDEX IF NOT EXISTS webhook_delivery_vendor ON webhook_delivery (vendor)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for table in TABLES:
            await engine.run_ddl(f"DROP TABLE IF EXISTS {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T10:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "customer portal: sign-in links, portal sessions, link requests"


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    return [
        f"CREATE TABLE portal_link (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE, "
        "token_hash VARCHAR(64) NOT NULL UNIQUE, email VARCHAR(254) NOT NULL, "
        "expires_at TIMESTAMPTZ NOT NULL, used_at TIMESTAMPTZ NULL, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS portal_link_customer_idx ON portal_link (customer, created_at)",
        "CREATE INDEX IF NOT EXISTS portal_link_vendor_idx ON portal_link (vendor)",
        f"CREATE TABLE portal_session (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE, "
        "key_hash VARCHAR(64) NOT NULL UNIQUE, expires_at TIMESTAMPTZ NOT NULL, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS portal_session_customer_idx ON portal_session (customer)",
        "CREATE INDEX IF NOT EXISTS portal_session_vendor_idx ON portal_session (vendor)",
        f"CREATE TABLE portal_request (id {serial}, address_hash VARCHAR(64) NOT NULL, "
        "created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE INDEX IF NOT EXISTS portal_request_address_idx ON portal_request (address_hash, created_at)",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in _statements(engine.engine_type == "sqlite"):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in ("DROP TABLE IF EXISTS portal_request", "DROP TABLE IF EXISTS portal_session",
                          "DROP TABLE IF EXISTS portal_link"):
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

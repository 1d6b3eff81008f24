"""ops19: API rate-limit windows shared by every worker, and CSV import jobs with their progress by rows."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ops19: api_rate_window (requests per key and window) and import_job (CSV import progress)"

TABLES = ("api_rate_window", "import_job")


def _statements(sqlite: bool) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if sqlite else "SERIAL PRIMARY KEY"
    now = "TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP"
    return [
        # One row per key and fixed window (its start in unix seconds); every request is one UPSERT on it.
        f"CREATE TABLE api_rate_window (id {serial}, "
        "api_key INTEGER NOT NULL REFERENCES api_key (id) ON DELETE CASCADE, "
        "window_start BIGINT NOT NULL, hits INTEGER NOT NULL DEFAULT 0, UNIQUE (api_key, window_start))",
        f"CREATE TABLE import_job (id {serial}, "
        "vendor INTEGER NOT NULL REFERENCES vendor (id) ON DELETE CASCADE, "
        "kind VARCHAR(16) NOT NULL, dry_run BOOLEAN NOT NULL DEFAULT TRUE, "
        "status VARCHAR(16) NOT NULL DEFAULT 'running', phase VARCHAR(16) NOT NULL DEFAULT 'checking', "
        "rows_total INTEGER NOT NULL DEFAULT 0, rows_done INTEGER NOT NULL DEFAULT 0, "
        f"report TEXT NOT NULL DEFAULT '', created_at {now}, updated_at {now})",
        "CREATE INDEX IF NOT EXISTS import_job_vendor ON import_job (vendor)",
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

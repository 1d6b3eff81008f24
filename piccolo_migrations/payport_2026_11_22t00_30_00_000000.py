from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "dashboard indexes"

# Each dashboard query reads one of these and nothing else (all aggregation happens in the database).
# Partial indexes keep paid history out of the open-invoice index and keep plans stable after ANALYZE.
INDEXES = {
    # Figures, ageing, overdue without reminder: open invoices only (queries repeat the IN term for SQLite).
    # id after due_date: PostgreSQL answers "overdue without a reminder" from the index alone, oldest first.
    "invoice_dashboard_open_idx":
        "ON invoice (vendor, status, due_date, id, currency, total) WHERE status IN ('draft', 'sent')",
    # Paid in the last 30 days and paid per month: status then a range on paid_at, covering the summed columns.
    # Three constraints (vendor, status, paid_at) keep SQLite on it after ANALYZE, even beside the list's indexes.
    "invoice_dashboard_paid_idx":
        "ON invoice (vendor, status, paid_at, currency, total, amount_refunded) WHERE paid_at IS NOT NULL",
    "invoice_needs_attention_idx": "ON invoice (vendor) WHERE needs_attention = TRUE",
    # Recent activity (newest first), failed payments by kind, and "has this invoice had a reminder?".
    "invoice_activity_vendor_created_idx": "ON invoice_activity (vendor, created_at)",
    "invoice_activity_vendor_kind_created_idx": "ON invoice_activity (vendor, kind, created_at)",
    # Vendor first: PostgreSQL builds its anti-join from this vendor's reminders only, from the index alone.
    "invoice_activity_vendor_kind_invoice_idx": "ON invoice_activity (vendor, kind, invoice)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create_indexes():
        for name, definition in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} {definition}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager

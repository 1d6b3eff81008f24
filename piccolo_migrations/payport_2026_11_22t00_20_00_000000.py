from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T00:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes for the invoice list, counts and customer pages"

# Every list query starts with the vendor, so each index leads with it; the trailing id breaks ties
# in ORDER BY ... , id so pages stay stable and SQLite can walk the index instead of sorting.
INDEXES = {
    "invoice_vendor_issue_idx": "invoice (vendor, issue_date, id)",
    "invoice_vendor_status_issue_idx": "invoice (vendor, status, issue_date, id)",
    "invoice_vendor_status_due_idx": "invoice (vendor, status, due_date, id)",
    "invoice_vendor_due_idx": "invoice (vendor, due_date, id)",
    "invoice_vendor_total_idx": "invoice (vendor, total, id)",
    "invoice_vendor_status_total_idx": "invoice (vendor, status, total, id)",
    "invoice_vendor_updated_idx": "invoice (vendor, updated_at)",
    "invoice_vendor_paid_idx": "invoice (vendor, paid_at)",
    "invoice_vendor_customer_idx": "invoice (vendor, customer, issue_date)",
    "invoice_line_position_idx": "invoice_line (invoice, position)",
    "invoice_activity_timeline_idx": "invoice_activity (invoice, created_at, id)",
    "customer_vendor_name_idx": "customer (vendor, archived_at, name, id)",
    "invoice_template_vendor_idx": "invoice_template (vendor, name)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager

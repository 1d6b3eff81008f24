from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T21:00:00"
VERSION = "1.38.0"
DESCRIPTION = "dashboard: covering indexes, so each dashboard aggregate reads one index range of one vendor"

# Each index holds every column its query reads, so the database never visits the table rows
# (at 500,000 invoices a vendor, row visits were most of the cost).
INDEXES = {
    # Headline figures: open invoices by status and currency, overdue judged on the instalment date or due date.
    "invoice_dashboard_figures_idx": "ON invoice (vendor, status, currency, next_due_date, due_date, amount_due, id) "
    "WHERE status IN ('draft', 'sent', 'partially_paid')",
    # Paid in the window, paid per month, platform fees: one range of paid_at per vendor.
    "payment_dashboard_idx": "ON payment (vendor, paid_at, currency, invoice, amount, deleted_at, application_fee, "
    "application_fee_refunded)",
    "refund_dashboard_idx": "ON refund (vendor, created_at, status, currency, invoice, amount)",
    # Credit notes and customer credit of the paid window.
    "credit_note_vendor_created_idx": "ON credit_note (vendor, created_at, currency, total)",
    "customer_credit_vendor_created_idx": "ON customer_credit (vendor, created_at, currency, amount)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def create():
        for name, definition in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} {definition}")

    async def drop():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

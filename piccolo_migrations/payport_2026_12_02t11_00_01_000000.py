from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T11:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "money: backfill balances, manual payments and refunds"

# Open balances per vendor (dashboard, ageing, attention) and the list's per-currency money totals.
INDEXES = {
    "invoice_open_balance_idx": "ON invoice (vendor, status, due_date, id, currency, amount_due) "
    "WHERE status IN ('draft', 'sent', 'partially_paid')",
    "invoice_vendor_status_currency_money_idx": "ON invoice (vendor, status, currency, amount_due, amount_paid, "
    "amount_refunded, total)",
    "payment_vendor_paid_at_idx": "ON payment (vendor, paid_at)",
    "refund_vendor_created_at_idx": "ON refund (vendor, created_at)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def backfill():
        # Every figure now reads the stored balance, and every payment made by hand becomes a payment row;
        # refunds received before this version are one row per payment (they were only kept as a sum).
        run = engine_finder().run_ddl
        await run(
            "UPDATE invoice SET amount_due = CASE WHEN status = 'void' THEN 0 "
            "ELSE total - amount_paid + amount_refunded END"
        )
        await run(
            "INSERT INTO payment (vendor, invoice, payment_intent, method, reference, note, stripe_account, charge, "
            "amount, currency, application_fee, amount_refunded, balance_transaction, application_fee_id, "
            "application_fee_refunded, settlement_currency, paid_at, deleted_reason, created_at) "
            "SELECT vendor, id, 'manual_legacy_' || CAST(id AS TEXT), "
            "CASE WHEN paid_method IN ('bank_transfer', 'cash', 'check', 'card') THEN paid_method ELSE 'other' END, "
            "paid_reference, '', '', '', amount_paid, currency, 0, 0, '', '', 0, '', "
            "COALESCE(paid_at, updated_at), '', updated_at FROM invoice "
            "WHERE amount_paid > 0 AND paid_method <> 'stripe' "
            "AND NOT EXISTS (SELECT 1 FROM payment WHERE payment.invoice = invoice.id)"
        )
        await run(
            "INSERT INTO refund (vendor, invoice, payment, idempotency_key, manual, amount, currency, status, reason, "
            "note, failure_reason, refund_application_fee, balance_transaction, application_fee_refunded, "
            "created_at, updated_at) "
            "SELECT vendor, invoice, id, 'legacy-' || CAST(id AS TEXT), FALSE, amount_refunded, currency, "
            "'succeeded', '', 'Refunded before PayPort kept refunds one by one.', '', FALSE, '', 0, "
            "created_at, created_at FROM payment WHERE amount_refunded > 0"
        )

        # Stripe payments learn the account they were taken on, from the invoice's Checkout attempts.
        await run(
            "UPDATE payment SET stripe_account = COALESCE((SELECT a.stripe_account FROM checkout_attempt a "
            "WHERE a.invoice = payment.invoice ORDER BY a.id DESC LIMIT 1), '') WHERE method = 'stripe'"
        )
        for name, definition in INDEXES.items():
            await run(f"CREATE INDEX IF NOT EXISTS {name} {definition}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(backfill)
    manager.add_raw_backwards(drop_indexes)
    return manager

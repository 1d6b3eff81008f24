"""The invoice list at a million invoices: keyset indexes, and its tab counts and totals kept by triggers.

Pages: the list pages by (sort column, id) after a cursor; each status tab reads one (vendor, status, column,
id) range per status. Issue date, due date and total had theirs (2026-11-22T00:20); the invoice number had only
the unique (vendor, number), which on PostgreSQL does not order drafts' missing numbers by id.

Counts and totals: `invoice_tally` holds, per vendor, status and currency, how many invoices, their totals, their
balances and what was paid net of refunds, as rows of changes that triggers append in the transaction of every
write (an insert only: concurrent writers never wait on one another's counter row, nor deadlock). The list sums a
vendor's rows (a few after services/invoices/tally.py folds them together). Overdue depends on the day, so it is
counted from the open invoices alone, through a covering partial index.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-06T21:20:00"
VERSION = "1.38.0"
DESCRIPTION = "list20: keyset indexes, invoice tally (counts and totals by trigger), overdue index"

INDEXES = {
    "invoice_vendor_number_id_idx": "ON invoice (vendor, number, id)",
    "invoice_vendor_status_number_idx": "ON invoice (vendor, status, number, id)",
    # Credit notes page newest first by id, after or before a cursor.
    "credit_note_vendor_id_idx": "ON credit_note (vendor, id)",
    # Overdue counts and totals: the open invoices only, every column they read.
    "invoice_list_open_idx": "ON invoice (vendor, status, currency, next_due_date, due_date, total, amount_due, "
    "amount_paid, amount_refunded) WHERE status IN ('sent', 'partially_paid')",
}

TALLY = ("CREATE TABLE invoice_tally (vendor INTEGER NOT NULL, status VARCHAR(24) NOT NULL, "
         "currency VARCHAR(3) NOT NULL, n BIGINT NOT NULL, total BIGINT NOT NULL, due BIGINT NOT NULL, "
         "paid BIGINT NOT NULL)")
TALLY_INDEX = "CREATE INDEX invoice_tally_vendor_idx ON invoice_tally (vendor, status, currency)"
# The columns a tally row holds; an update that changes none of them appends nothing.
WATCHED = ("vendor", "status", "currency", "total", "amount_due", "amount_paid", "amount_refunded")
FILL = ("INSERT INTO invoice_tally (vendor, status, currency, n, total, due, paid) "
        "SELECT vendor, status, currency, COUNT(*), SUM(total), SUM(amount_due), SUM(amount_paid - amount_refunded) "
        "FROM invoice GROUP BY vendor, status, currency")


def _row(ref: str, sign: str) -> str:
    return (f"INSERT INTO invoice_tally (vendor, status, currency, n, total, due, paid) VALUES ({ref}.vendor, "
            f"{ref}.status, {ref}.currency, {sign}1, {sign}{ref}.total, {sign}{ref}.amount_due, "
            f"{sign}({ref}.amount_paid - {ref}.amount_refunded));")


SQLITE = [
    TALLY, TALLY_INDEX,
    f"CREATE TRIGGER invoice_tally_ai AFTER INSERT ON invoice BEGIN {_row('new', '')} END",
    f"CREATE TRIGGER invoice_tally_ad AFTER DELETE ON invoice BEGIN {_row('old', '-')} END",
    f"CREATE TRIGGER invoice_tally_au AFTER UPDATE OF {', '.join(WATCHED)} ON invoice WHEN "
    + " OR ".join(f"old.{c} IS NOT new.{c}" for c in WATCHED)
    + f" BEGIN {_row('old', '-')} {_row('new', '')} END",
    FILL,
]
SQLITE_BACK = ["DROP TRIGGER IF EXISTS invoice_tally_ai", "DROP TRIGGER IF EXISTS invoice_tally_ad",
               "DROP TRIGGER IF EXISTS invoice_tally_au", "DROP TABLE IF EXISTS invoice_tally"]

PG = [
    TALLY, TALLY_INDEX,
    f"""CREATE FUNCTION payport_tally_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {_row('OLD', '-')} END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN {_row('NEW', '')} END IF;
        RETURN NULL;
      END $$""",
    "CREATE TRIGGER invoice_tally_ai AFTER INSERT OR DELETE ON invoice FOR EACH ROW "
    "EXECUTE FUNCTION payport_tally_invoice()",
    f"CREATE TRIGGER invoice_tally_au AFTER UPDATE OF {', '.join(WATCHED)} ON invoice FOR EACH ROW WHEN ("
    + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED) + ") EXECUTE FUNCTION payport_tally_invoice()",
    FILL,
]
PG_BACK = ["DROP TRIGGER IF EXISTS invoice_tally_au ON invoice", "DROP TRIGGER IF EXISTS invoice_tally_ai ON invoice",
           "DROP FUNCTION IF EXISTS payport_tally_invoice()", "DROP TABLE IF EXISTS invoice_tally"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for name, definition in INDEXES.items():
            await db.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        for statement in SQLITE if isinstance(db, SQLiteEngine) else PG:
            await db.run_ddl(statement)

    async def back():
        db = engine_finder()
        for statement in SQLITE_BACK if isinstance(db, SQLiteEngine) else PG_BACK:
            await db.run_ddl(statement)
        for name in INDEXES:
            await db.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(back)
    return manager

"""Indexes for the invoice list's keyset pages: every sort of every tab reads one index in order.

The list pages by (sort column, id) after a cursor; each status tab reads one (vendor, status, column, id) range
per status. Issue date, due date and total had theirs (2026-11-22T00:20); the invoice number had only the unique
(vendor, number), which on PostgreSQL does not order drafts' missing numbers by id.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-06T21:20:00"
VERSION = "1.38.0"
DESCRIPTION = "list20: keyset indexes for the invoice list by number, and the credit notes list"

INDEXES = {
    "invoice_vendor_number_id_idx": "invoice (vendor, number, id)",
    "invoice_vendor_status_number_idx": "invoice (vendor, status, number, id)",
    # Credit notes page newest first by id, after or before a cursor.
    "credit_note_vendor_id_idx": "credit_note (vendor, id)",
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

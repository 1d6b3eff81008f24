"""How many invoices a vendor has per status and currency, with their totals, balances and net paid, in a few rows.

Triggers (migration 2026-12-06T21:20) append a row to `invoice_tally` for every change that moves an invoice's
figures, in the transaction of the write: its status, currency, total, balance or payments, once with the old
values subtracted and once with the new added. Appending never makes two writers wait on one counter row. A read
sums the vendor's rows; once a vendor has gathered more than FOLD_AT of them they are folded into one per status
and currency, so a read stays a handful of rows however many invoices or changes the vendor has.
"""

from __future__ import annotations

from typing import Any

from app.db import is_sqlite, write_transaction
from app.tables.invoices import Invoice

FOLD_AT = 64

_SUMS = ("CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total, CAST(SUM(due) AS BIGINT) AS due, "
         "CAST(SUM(paid) AS BIGINT) AS paid")


async def rows(vendor_id: int) -> list[dict[str, Any]]:
    """The vendor's invoices summed per status and currency: n, total, due (balances), paid (net of refunds)."""
    found = await Invoice.raw(f"SELECT status, currency, {_SUMS}, COUNT(*) AS parts FROM invoice_tally "
                              "WHERE vendor = {} GROUP BY status, currency", vendor_id)
    if sum(row["parts"] for row in found) > FOLD_AT:
        await fold(vendor_id)
    return [{key: row[key] for key in ("status", "currency", "n", "total", "due", "paid")} for row in found
            if row["n"]]


async def fold(vendor_id: int) -> None:
    """Replace the vendor's rows by their sums, one per status and currency (rows appended meanwhile stay)."""
    keep = "GROUP BY status, currency HAVING SUM(n) <> 0"
    if not is_sqlite():
        # One statement: the rows it deletes are the rows it sums, whatever other writers append meanwhile.
        await Invoice.raw(
            "WITH gone AS (DELETE FROM invoice_tally WHERE vendor = {} RETURNING status, currency, n, total, due, paid) "
            "INSERT INTO invoice_tally (vendor, status, currency, n, total, due, paid) "
            f"SELECT {{}}, status, currency, SUM(n), SUM(total), SUM(due), SUM(paid) FROM gone {keep}",
            vendor_id, vendor_id)
        return
    async with write_transaction():  # SQLite: writers take turns, so the rows read are the rows deleted
        last = (await Invoice.raw("SELECT MAX(rowid) AS m FROM invoice_tally WHERE vendor = {}", vendor_id))[0]["m"]
        if last is None:
            return
        await Invoice.raw("INSERT INTO invoice_tally (vendor, status, currency, n, total, due, paid) "
                          "SELECT vendor, status, currency, SUM(n), SUM(total), SUM(due), SUM(paid) FROM invoice_tally "
                          f"WHERE vendor = {{}} AND rowid <= {{}} {keep}", vendor_id, last)
        await Invoice.raw("DELETE FROM invoice_tally WHERE vendor = {} AND rowid <= {}", vendor_id, last)

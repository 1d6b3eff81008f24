"""CSV export of the filtered invoice list, streamed in batches."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from app.money import to_major
from app.services.invoices.listing import ListQuery, iter_filtered
from app.services.rows import STATUS_LABELS, display_status

HEADER = ["Number", "Customer", "Customer email", "Status", "Issue date", "Due date", "Currency", "Subtotal",
          "Discount", "Tax", "Total", "Amount paid", "Refunded", "Credited", "Amount due", "Paid at (UTC)", "Invoice id"]


def _safe(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(row: dict, timezone: str) -> list[str]:
    cur = row["currency"]
    money = lambda amount: str(to_major(amount, cur))  # noqa: E731
    status = STATUS_LABELS[display_status(row["status"], row.get("next_due_date") or row["due_date"], timezone)]
    return [row["number"] or "Draft", _safe(row["customer_name"] or ""), _safe(row["customer_email"] or ""), status,
            row["issue_date"].isoformat(), row["due_date"].isoformat() if row["due_date"] else "", cur,
            money(row["subtotal"]), money(row["discount_total"]), money(row["tax_total"]), money(row["total"]),
            # Paid is net of refunds; the refunded column says how much went back (the balance service's figures).
            money(row["amount_paid"] - row["amount_refunded"]), money(row["amount_refunded"]),
            money(row["amount_credited"]), money(0 if row["status"] == "void" else max(row["amount_due"], 0)),
            row["paid_at"].isoformat() if row["paid_at"] else "", str(row["id"])]


async def csv_chunks(vendor_id: int, timezone: str, query: ListQuery) -> AsyncIterator[str]:
    """The CSV text, header first, one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    async for rows in iter_filtered(vendor_id, timezone, query):
        writer.writerows(_row(row, timezone) for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()

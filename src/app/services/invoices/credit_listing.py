"""The Credit notes tab of Billing Invoices: the vendor's notes with search, and the same list as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.money import to_major
from app.tables.credits import CreditNote

PAGE = 50
HEADER = ["Number", "Invoice", "Customer", "Issued (UTC)", "Currency", "Subtotal", "Tax", "Total", "Refunded",
          "Kept as credit", "Reason", "Credit note id"]
COLUMNS = (CreditNote.id, CreditNote.number, CreditNote.invoice.id.as_alias("invoice_id"),
           CreditNote.invoice.number.as_alias("invoice_number"), CreditNote.customer.name.as_alias("customer_name"),
           CreditNote.issue_date, CreditNote.currency, CreditNote.subtotal, CreditNote.tax_total, CreditNote.total,
           CreditNote.amount_refunded, CreditNote.amount_kept, CreditNote.reason)


def _query(vendor_id: int, q: str, ascending: bool = False):
    query = CreditNote.select(*COLUMNS).where(CreditNote.vendor == vendor_id)
    if q:
        like = f"%{q}%"
        query = query.where(CreditNote.number.ilike(like) | CreditNote.invoice.number.ilike(like)
                            | CreditNote.customer.name.ilike(like) | CreditNote.reason.ilike(like))
    return query.order_by(CreditNote.id, ascending=ascending)


@dataclass
class CreditPage:
    """One page of credit notes, newest first, and whether pages come before and after it."""

    rows: list[dict]
    has_prev: bool
    has_next: bool


async def list_credit_notes(vendor_id: int, q: str = "", after: int | None = None,
                            before: int | None = None) -> CreditPage:
    """One page of the vendor's credit notes matching the search, by keyset: after (Next) or before (Previous)
    a credit note's id, so a deep page reads as few index entries as the first."""
    q = q.strip()[:100]
    if before:
        rows = await _query(vendor_id, q, ascending=True).where(CreditNote.id > before).limit(PAGE + 1)
        if len(rows) > PAGE:
            return CreditPage(rows[:PAGE][::-1], True, True)
        after = None  # Previous reached the newest notes: the first page
    query = _query(vendor_id, q)
    rows = await (query.where(CreditNote.id < after) if after else query).limit(PAGE + 1)
    return CreditPage(rows[:PAGE], bool(after), len(rows) > PAGE)


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_row(row: dict) -> list[str]:
    """One credit note as a CSV row: amounts in major units of its currency."""
    cur = row["currency"]
    money = lambda amount: str(to_major(amount, cur))  # noqa: E731
    return [row["number"], row["invoice_number"] or "", _safe(row["customer_name"] or ""),
            row["issue_date"].isoformat(), cur, money(row["subtotal"]), money(row["tax_total"]), money(row["total"]),
            money(row["amount_refunded"]), money(row["amount_kept"]), _safe(row["reason"]), str(row["id"])]


async def csv_chunks(vendor_id: int, q: str = "") -> AsyncIterator[str]:
    """The matching credit notes as CSV text, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(csv_row(row) for row in await _query(vendor_id, q.strip()[:100]))
    yield buffer.getvalue()

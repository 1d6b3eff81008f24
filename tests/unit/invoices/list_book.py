"""A vendor's invoices for the list tests: every status, three currencies, drafts without numbers, some due dates
missing, ties on every sort column; written straight to the table (the search index follows by trigger)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from app.tables.invoices import Invoice
from tests import factories

STATUSES = ("draft", "sent", "partially_paid", "paid", "void", "refunded", "partially_refunded")
TODAY = date(2026, 6, 15)


async def write_book(vendor_id: int, count: int = 90, seed: int = 3) -> list[int]:
    """`count` invoices of one vendor (and a few of another, which the list must never show); their ids."""
    rng = random.Random(seed)
    customers = [await factories.customer(vendor_id, f"Client {n}", f"c{n}@example.com") for n in range(3)]
    now = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
    rows = []
    for n in range(count):
        status = STATUSES[n % len(STATUSES)]
        issue = TODAY - timedelta(days=rng.randrange(0, 40))  # few distinct dates: ties broken by id
        due = None if n % 5 == 0 else issue + timedelta(days=rng.choice((0, 7, 30)))
        total = rng.choice((1000, 2500, 9900, 15000))  # ties on the amount too
        paid = total if status in ("paid", "refunded", "partially_refunded") else (
            total // 2 if status == "partially_paid" else 0)
        refunded = total if status == "refunded" else (total // 2 if status == "partially_refunded" else 0)
        rows.append(Invoice(
            vendor=vendor_id, customer=customers[n % 3].id, status=status,
            number=None if status == "draft" else f"INV-2026-{n + 1:04d}", currency=("USD", "EUR", "JPY")[n % 3],
            issue_date=issue, due_date=due, subtotal=total, total=total, amount_paid=paid, amount_refunded=refunded,
            amount_due=0 if status == "void" else total - paid + refunded,
            paid_at=now - timedelta(days=n % 30) if paid else None, sent_at=None if status == "draft" else now))
    await Invoice.insert(*rows)
    found = await Invoice.select(Invoice.id).where(Invoice.vendor == vendor_id)
    return [row["id"] for row in found]

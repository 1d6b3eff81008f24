"""Invoices built for the purpose of checking each dashboard figure, and a frozen clock.

Each helper announces its change after writing, as the app's own writers do (pages cache on that).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timezone

import pytest

from app.live.announce import announce_invoice_changed, announce_vendor_changed
from app.services import clock
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund
from app.tables.vendors import Vendor
from tests import factories

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


@pytest.fixture
def frozen() -> Iterator[datetime]:
    """Time stands still at NOW (2026-03-15 12:00 UTC) for the test."""
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


async def set_timezone(vendor_id: int, tz: str) -> None:
    """Move the vendor to another time zone."""
    await Vendor.update({Vendor.timezone: tz}).where(Vendor.id == vendor_id)
    announce_vendor_changed(vendor_id, "profile")


async def customer_of(vendor_id: int, name: str = "Northwind Traders") -> int:
    """The vendor's customer called `name`, created on first use."""
    row = await Customer.select(Customer.id).where((Customer.vendor == vendor_id) & (Customer.name == name)).first()
    if row:
        return row["id"]
    customer = await factories.insert_customer(vendor_id, name, "billing@example.com")
    announce_vendor_changed(vendor_id, "customers")
    return customer.id


async def invoice(vendor_id: int, status: str = "sent", total: int = 10_000, currency: str = "USD",
                  due: date | None = None, paid_at: datetime | None = None, **fields) -> Invoice:
    """An invoice in the given state; sent invoices get a number, paid ones amount_paid = total."""
    if status == "refunded":
        fields.setdefault("amount_refunded", total)
    row = await factories.insert_invoice(
        vendor_id, await customer_of(vendor_id, fields.pop("customer_name", "Northwind Traders")),
        status=status, currency=currency, issue_date=fields.pop("issue_date", date(2026, 1, 1)), due_date=due,
        total=total, number=None if status == "draft" else f"TMP-{uuid.uuid4().hex}",
        amount_paid=total if paid_at else 0, paid_at=paid_at, **fields,
    )
    if paid_at:  # what the balance service counts: the payment (and refund) rows behind the figures
        payment = Payment(vendor=vendor_id, invoice=row.id, payment_intent=f"manual_{uuid.uuid4().hex}",
                          method="bank_transfer", amount=total, currency=currency, paid_at=paid_at)
        await payment.save()
        if row.amount_refunded:
            await Refund(vendor=vendor_id, invoice=row.id, payment=payment.id, manual=True, amount=row.amount_refunded,
                         currency=currency, status="succeeded", created_at=paid_at).save()
    if row.number:
        await Invoice.update({Invoice.number: f"INV-2026-{row.id:04d}"}).where(Invoice.id == row.id)
        row.number = f"INV-2026-{row.id:04d}"
    announce_invoice_changed(vendor_id, row.id)
    return row


async def activity(vendor_id: int, invoice_id: int, kind: str, message: str, at: datetime) -> None:
    """A timeline entry at a given instant."""
    await factories.insert_activity(vendor_id, invoice_id, kind, message, created_at=at)
    announce_invoice_changed(vendor_id, invoice_id)

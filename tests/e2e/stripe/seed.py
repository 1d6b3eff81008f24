"""`python -m tests.e2e.stripe.seed EMAIL [TOTAL]`: give that vendor a customer and a sent invoice; prints its id.

Run with the server's environment, so it writes to the server's database.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from decimal import Decimal

from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.vendors import User

LINES = [
    ("Brand identity workshop (half day)", 1, 60_000),
    ("Logo design, three concepts", 1, 45_000),
    ("Stationery templates", 2, 10_000),
]


async def seed(email: str) -> int:
    """A customer and a draft invoice with three lines for the vendor of `email`."""
    user = await User.objects().where(User.email == email).first()
    customer = Customer(vendor=user.vendor, name="Northwind Traders", email="ap@northwind.example", currency="USD")
    await customer.save()
    total = sum(qty * price for _, qty, price in LINES)
    today = date.today()
    invoice = Invoice(
        vendor=user.vendor,
        customer=customer.id,
        status="draft",
        currency="USD",
        issue_date=today,
        due_date=today + timedelta(days=14),
        terms="net_14",
        subtotal=total,
        total=total,
        amount_due=total,
        notes="Thank you for your business.",
    )
    await invoice.save()
    for position, (text, qty, price) in enumerate(LINES):
        await InvoiceLine(
            invoice=invoice.id,
            position=position,
            description=text,
            quantity=Decimal(qty),
            unit_price=price,
            line_total=qty * price,
        ).save()
    await InvoiceActivity(
        vendor=user.vendor, invoice=invoice.id, kind="created", message="Invoice created as a draft."
    ).save()
    return invoice.id


if __name__ == "__main__":
    print(asyncio.run(seed(sys.argv[1])))

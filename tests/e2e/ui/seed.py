"""`python -m tests.e2e.ui.seed EMAIL`: a customer with a long email and four invoices; prints their ids as JSON.

Run with the server's environment, so it writes to the server's database. One invoice is sent and overdue
(due ten days ago), which the forms cannot make; the others are drafts the test sends, pays and voids itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, timedelta
from decimal import Decimal

from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.vendors import User

LONG_EMAIL = "accounts.payable.department.for.northwind.traders.international@billing.northwind-example.com"
LINES = [
    ("Brand identity workshop (half day), facilitation and a written summary for the board", 1, 60_000),
    ("Logo design, three concepts", 1, 45_000),
    ("Stationery templates", 2, 10_000),
]


async def _invoice(vendor: int, customer: int, status: str, issue: date, due: date, number: str | None) -> int:
    total = sum(qty * price for _, qty, price in LINES)
    invoice = Invoice(vendor=vendor, customer=customer, status=status, currency="USD", issue_date=issue,
                      due_date=due, terms="custom", subtotal=total, total=total, amount_due=total, number=number,
                      sent_method="manual" if status == "sent" else None,
                      notes="Thank you for your business.")
    await invoice.save()
    for position, (text, qty, price) in enumerate(LINES):
        await InvoiceLine(invoice=invoice.id, position=position, description=text, quantity=Decimal(qty),
                          unit_price=price, line_total=qty * price).save()
    await InvoiceActivity(vendor=vendor, invoice=invoice.id, kind="created", message="Invoice created.").save()
    return invoice.id


async def seed(email: str) -> dict:
    """The customer and invoices: draft_link, draft_paid, draft_void (drafts) and overdue (sent, past due)."""
    user = await User.objects().where(User.email == email).first()
    customer = Customer(vendor=user.vendor, name="Northwind Traders International", email=LONG_EMAIL, currency="USD")
    await customer.save()
    today = date.today()
    ids = {"customer": customer.id}
    for name in ("draft_link", "draft_paid", "draft_void"):
        ids[name] = await _invoice(user.vendor, customer.id, "draft", today, today + timedelta(days=14), None)
    ids["overdue"] = await _invoice(user.vendor, customer.id, "sent", today - timedelta(days=40),
                                    today - timedelta(days=10), "INV-OLD-0001")
    return ids


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))

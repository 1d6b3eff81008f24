"""`python -m tests.e2e.stripe.seed EMAIL [CURRENCY [TOTAL]]`: give that vendor a customer and a sent invoice; prints its id.

Run with the server's environment, so it writes to the server's database.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta

from tests import factories
from tests.factories import Line

LINES = [
    Line("Brand identity workshop (half day)", 1, 60_000),
    Line("Logo design, three concepts", 1, 45_000),
    Line("Stationery templates", 2, 10_000),
]


async def seed(email: str, currency: str = "USD", total: int | None = None) -> int:
    """A customer and a draft invoice (three lines, or one line of `total` minor units) for the vendor of `email`."""
    vendor_id = await factories.owner_vendor_id(email)
    customer = await factories.insert_customer(vendor_id, "Northwind Traders", "ap@northwind.example", currency=currency)
    today = date.today()
    lines = [Line("Tea ceremony sample", 1, total)] if total else LINES
    invoice = await factories.insert_invoice(
        vendor_id, customer.id, lines, status="draft", currency=currency, issue_date=today,
        due_date=today + timedelta(days=14), terms="net_14", notes="Thank you for your business.",
    )
    await factories.insert_activity(vendor_id, invoice.id, "created", "Invoice created as a draft.")
    return invoice.id


if __name__ == "__main__":
    args = sys.argv[1:]
    print(asyncio.run(seed(args[0], *(args[1:2] or ["USD"]), *(int(a) for a in args[2:3]))))

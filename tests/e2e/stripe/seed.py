"""`python -m tests.e2e.stripe.seed EMAIL [TOTAL]`: give that vendor a customer and a sent invoice; prints its id.

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


async def seed(email: str) -> int:
    """A customer and a draft invoice with three lines for the vendor of `email`."""
    vendor_id = await factories.owner_vendor_id(email)
    customer = await factories.insert_customer(vendor_id, "Northwind Traders", "ap@northwind.example", currency="USD")
    today = date.today()
    invoice = await factories.insert_invoice(
        vendor_id, customer.id, LINES, status="draft", currency="USD", issue_date=today,
        due_date=today + timedelta(days=14), terms="net_14", notes="Thank you for your business.",
    )
    await factories.insert_activity(vendor_id, invoice.id, "created", "Invoice created as a draft.")
    return invoice.id


if __name__ == "__main__":
    print(asyncio.run(seed(sys.argv[1])))

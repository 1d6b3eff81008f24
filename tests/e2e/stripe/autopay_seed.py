"""`python -m tests.e2e.stripe.autopay_seed EMAIL NUMBER TOTAL`: a sent invoice for the vendor's newest customer.

The next period's invoice of the customer who saved a card; prints its id. Run with the server's environment.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta

from app.tables.customers import Customer
from tests import factories
from tests.factories import Line


async def seed(email: str, number: str, total: int) -> int:
    vendor_id = await factories.owner_vendor_id(email)
    customer = await Customer.objects().where(Customer.vendor == vendor_id).order_by(Customer.id, ascending=False).first()
    today = date.today()
    invoice = await factories.insert_invoice(
        vendor_id, customer.id, [Line("Monthly retainer", 1, total)], status="sent", currency="USD", issue_date=today,
        due_date=today + timedelta(days=14), number=number, sent_method="manual",
    )
    await factories.insert_activity(vendor_id, invoice.id, "sent", f"Invoice {number} sent.")
    return invoice.id


if __name__ == "__main__":
    print(asyncio.run(seed(sys.argv[1], sys.argv[2], int(sys.argv[3]))))

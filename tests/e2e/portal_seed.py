"""`python -m tests.e2e.portal_seed EMAIL`: two customers of that vendor, each with sent invoices behind pay links.

Prints the first customer's email and pay token, and the second customer's invoice number. Run with the
server's environment, so it writes to the server's database.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from datetime import date, timedelta

from app.db import write_transaction
from app.services.balance import settle
from app.services.rows import lock_invoice
from app.tables.payments import Payment, PaymentLink
from tests import factories
from tests.factories import Line


async def _sent(vendor_id: int, customer_id: int, number: str, lines: list[Line], issued: date) -> tuple[int, str]:
    invoice = await factories.insert_invoice(vendor_id, customer_id, lines, status="sent", number=number,
                                             issue_date=issued, due_date=issued + timedelta(days=30), terms="net_30")
    token = secrets.token_urlsafe(24)
    await PaymentLink.insert(PaymentLink(vendor=vendor_id, invoice=invoice.id, token=token))
    return invoice.id, token


async def seed(email: str) -> tuple[str, str, str]:
    vendor_id = await factories.owner_vendor_id(email)
    today = date.today()
    first = await factories.insert_customer(vendor_id, "Northwind Traders", "ap@northwind.example")
    second = await factories.insert_customer(vendor_id, "Contoso Pharma", "billing@contoso.example")
    _, token = await _sent(vendor_id, first.id, "INV-2026-0101", [Line("Brand workshop", 1, 600_00)],
                           today - timedelta(days=20))
    paid, _ = await _sent(vendor_id, first.id, "INV-2026-0102", [Line("Logo design", 1, 450_00)],
                          today - timedelta(days=10))
    async with write_transaction():
        await Payment.insert(Payment(vendor=vendor_id, invoice=paid, payment_intent=f"manual_{secrets.token_hex(8)}",
                                     method="bank_transfer", amount=200_00, currency="USD"))
        await settle(await lock_invoice(vendor_id, paid))
    await _sent(vendor_id, second.id, "INV-2026-0201", [Line("Lab supplies", 3, 99_00)], today - timedelta(days=5))
    return first.email, token, "INV-2026-0201"


if __name__ == "__main__":
    print(*asyncio.run(seed(sys.argv[1])))

"""Mark an invoice paid straight through the services, in a process of its own (no app, so no announcement).

    python -m tests.e2e.live.offline_change <invoice_id>     (with the app's environment)
"""

from __future__ import annotations

import asyncio
import sys


async def mark_paid_offline(invoice_id: int) -> None:
    from app.services.clock import utcnow
    from app.services.invoices.lifecycle import mark_paid
    from app.tables.invoices import Invoice

    invoice = await Invoice.objects().where(Invoice.id == invoice_id).first()
    await mark_paid(invoice.vendor, invoice_id, utcnow().date(), "bank_transfer", "OFFLINE-1")


if __name__ == "__main__":
    asyncio.run(mark_paid_offline(int(sys.argv[1])))

"""Viewed: the customer opened an invoice's pay page (the quote page counts in lifecycle.record_quote_view)."""

from __future__ import annotations

from app.db import write_transaction
from app.live.announce import announce_invoice_changed
from app.services.clock import utcnow
from app.services.rows import record_activity
from app.tables.invoices import Invoice


async def record_invoice_view(vendor_id: int, invoice_id: int) -> None:
    """Count one view of the invoice; the first one goes on its timeline. Never the vendor's own pages."""
    now = utcnow()
    async with write_transaction():
        first = await Invoice.update({Invoice.first_viewed_at: now}).where(
            (Invoice.id == invoice_id) & (Invoice.vendor == vendor_id) & Invoice.first_viewed_at.is_null()
        ).returning(Invoice.id)
        await Invoice.update({Invoice.view_count: Invoice.view_count + 1, Invoice.last_viewed_at: now}).where(
            (Invoice.id == invoice_id) & (Invoice.vendor == vendor_id))
        if first:
            await record_activity(vendor_id, invoice_id, "viewed", "Viewed by the customer.")
        announce_invoice_changed(vendor_id, invoice_id)

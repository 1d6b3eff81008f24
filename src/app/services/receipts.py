"""After a Stripe payment: a receipt to the customer and a "Paid" notification to the vendor.

The worker finds `payment_succeeded` activity rows (written by the webhook in the same transaction that
marks the invoice paid) that have no receipt yet. Dedupe keys per activity row mean a receipt is queued
exactly once, however many workers look, and never lost, since the activity row outlives any crash.
"""

from __future__ import annotations

from datetime import timedelta

from app.db import write_transaction
from app.services.mail import compose as mail
from app.services.clock import utcnow
from app.services.invoices.documents import load_document
from app.tables.invoices import InvoiceActivity
from app.tables.mail import OutboxMessage

# Payments older than this when the worker first sees them (e.g. after a long outage) get no receipt.
WINDOW = timedelta(days=7)


async def _pending_activities() -> list[dict]:
    rows = await InvoiceActivity.select(InvoiceActivity.id, InvoiceActivity.vendor, InvoiceActivity.invoice).where(
        (InvoiceActivity.created_at >= utcnow() - WINDOW) & (InvoiceActivity.kind == "payment_succeeded")
    ).order_by(InvoiceActivity.id)
    if not rows:
        return []
    done = await OutboxMessage.select(OutboxMessage.source_activity).where(
        OutboxMessage.source_activity.is_in([r["id"] for r in rows])
        & OutboxMessage.kind.is_in(["receipt", "paid_notice"]))
    seen = {r["source_activity"] for r in done}
    return [r for r in rows if r["id"] not in seen]


async def recipients_for(vendor_id: int, invoice_id: int, customer_email: str) -> tuple[list[str], list[str]]:
    """Whoever the invoice was last emailed to, else the customer's address."""
    last = await OutboxMessage.select(OutboxMessage.to, OutboxMessage.cc).where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.vendor == vendor_id)
        & (OutboxMessage.kind == "invoice") & (OutboxMessage.status != "draft")
    ).order_by(OutboxMessage.id, ascending=False).first()
    if last:
        return mail.parse_recipients(last["to"]), mail.parse_recipients(last["cc"], required=False)
    return ([customer_email] if customer_email else []), []


async def queue_receipts_for(activity: dict) -> bool:
    """Queue the receipt and the vendor's notice for one payment; False when there is nobody to write to."""
    doc = await load_document(activity["vendor"], activity["invoice"])
    to, cc = await recipients_for(activity["vendor"], activity["invoice"], doc.customer.get("email", ""))
    async with write_transaction():
        if to:
            receipt = mail.compose("receipt", doc, mail.default_message("receipt", doc))
            await mail.queue_message(doc, mail.NewMessage(
                vendor_id=doc.vendor["id"], invoice_id=doc.id, kind="receipt", to=to, cc=tuple(cc),
                composed=receipt, dedupe_key=f"receipt:{activity['id']}", source_activity=activity["id"]))
        notice = mail.compose("paid_notice", doc, mail.default_message("paid_notice", doc))
        await mail.queue_message(doc, mail.NewMessage(
            vendor_id=doc.vendor["id"], invoice_id=doc.id, kind="paid_notice", to=[doc.vendor["email"]],
            composed=notice, dedupe_key=f"paid_notice:{activity['id']}", attach_pdf=False,
            source_activity=activity["id"]))
    return bool(to)


async def queue_due_receipts() -> int:
    """The worker's receipts step; returns how many payments were handled."""
    pending = await _pending_activities()
    for activity in pending:
        await queue_receipts_for(activity)
    return len(pending)


async def queue_payment_receipts(vendor_id: int, invoice_id: int) -> None:
    """Optional nudge from the Stripe webhook after commit: the worker looks now instead of at its next poll."""
    mail.wake_worker()

"""Payments recorded by hand (bank transfer, cash, check...): several per invoice, deletable with a reason.

Each one is a payment row; the balance service turns the rows into the invoice's figures and status, in the
same transaction, under the invoice's row lock, so a payment by hand and a card payment can never both
settle the same balance unnoticed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.errors import NotAllowed, NotFound
from app.money import format_money
from app.services import balance
from app.services.webhook_queue import queue_event
from app.services.clock import today_for, utcnow
from app.services.rows import record_activity
from app.services.rows import lock_invoice, vendor_timezone
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund

PAID_METHODS = {
    "bank_transfer": "Bank transfer", "cash": "Cash", "check": "Check", "card": "Card (elsewhere)", "other": "Other",
}


def _paid_instant(paid_on: date, timezone: str) -> datetime:
    """Today means now; an earlier day means noon of that day in the vendor's time zone."""
    if paid_on == today_for(timezone):
        return utcnow()
    return datetime.combine(paid_on, time(12), ZoneInfo(timezone))


def _check(invoice: Invoice, paid_on: date, method: str, amount: int, timezone: str) -> None:
    if method not in PAID_METHODS:
        raise NotAllowed("Choose how the invoice was paid.")
    if paid_on > today_for(timezone):
        raise NotAllowed("The payment date cannot be in the future.")
    if paid_on < invoice.issue_date:
        raise NotAllowed("The payment date cannot be before the issue date.")
    if invoice.status in (Invoice.Status.draft, Invoice.Status.void):
        word = "a draft" if invoice.status == Invoice.Status.draft else "void"
        raise NotAllowed(f"This invoice is {word}; it cannot be marked as paid.")
    due = invoice.amount_due
    if due <= 0:
        raise NotAllowed("This invoice is already paid; nothing is due.")
    if amount < 1:
        raise NotAllowed("Enter an amount above zero.")
    if amount > due:
        raise NotAllowed(f"The amount is more than the balance of {format_money(due, invoice.currency)}.")


async def record_manual_payment(
    vendor_id: int, invoice_id: int, paid_on: date, method: str, amount: int | None = None,
    reference: str = "", note: str = "",
) -> Invoice:
    """Record money received outside Stripe (the whole balance unless an amount is given); call inside a change."""
    timezone = await vendor_timezone(vendor_id)
    invoice = await lock_invoice(vendor_id, invoice_id)
    amount = invoice.amount_due if amount is None else amount
    _check(invoice, paid_on, method, amount, timezone)
    reference, note = reference.strip()[:200], note.strip()[:2000]
    payment = Payment(
        vendor=vendor_id, invoice=invoice.id, payment_intent=f"manual_{uuid.uuid4().hex}", method=method,
        reference=reference, note=note, amount=amount, currency=invoice.currency,
        paid_at=_paid_instant(paid_on, timezone), created_at=utcnow(),
    )
    await payment.save()
    await queue_event(vendor_id, "payment.succeeded", "payment", payment)
    await balance.settle(invoice)
    ref = f" (reference {reference})" if reference else ""
    left = f" Balance left: {format_money(invoice.amount_due, invoice.currency)}." if invoice.amount_due > 0 else ""
    shown, how = format_money(amount, invoice.currency), f"{PAID_METHODS[method].lower()} on {paid_on:%b %-d, %Y}"
    full = invoice.amount_due <= 0
    await record_activity(
        vendor_id, invoice.id, "marked_paid" if full else "payment_recorded",
        f"Marked as paid: {shown} by {how}{ref}." if full else f"Payment of {shown} recorded: {how}{ref}.{left}",
        {"method": method, "reference": reference, "paid_on": paid_on.isoformat(), "amount": amount},
    )
    return invoice


async def delete_manual_payment(vendor_id: int, invoice_id: int, payment_id: int, reason: str) -> Invoice:
    """Delete a payment recorded by mistake, keeping the reason on the timeline; call inside a change."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed("Give a reason for deleting the payment.")
    invoice = await lock_invoice(vendor_id, invoice_id)
    payment = await Payment.objects().where(
        (Payment.id == payment_id) & (Payment.invoice == invoice.id) & (Payment.vendor == vendor_id)
    ).first()
    if payment is None or payment.deleted_at is not None:
        raise NotFound("That payment does not exist.")
    if payment.method == Payment.Method.stripe:
        raise NotAllowed("A card payment through Stripe cannot be deleted; refund it instead.")
    if await Refund.exists().where((Refund.payment == payment.id) & Refund.status.is_in(list(balance.HELD_REFUNDS))):
        raise NotAllowed("This payment has refunds recorded against it, so it cannot be deleted.")
    await Payment.update({Payment.deleted_at: utcnow(), Payment.deleted_reason: reason[:2000]}).where(
        Payment.id == payment.id
    )
    await balance.settle(invoice)
    await record_activity(
        vendor_id, invoice.id, "payment_deleted",
        f"Payment of {format_money(payment.amount, payment.currency)} by {PAID_METHODS.get(payment.method, 'hand')} "
        f"deleted: {reason[:500]}. Amount due: {format_money(max(invoice.amount_due, 0), invoice.currency)}.",
        {"payment": payment.id, "reason": reason[:2000]},
    )
    return invoice

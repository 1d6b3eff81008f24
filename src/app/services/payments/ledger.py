"""What Stripe's money movements do to an invoice: paid, refunded, or flagged for attention. Forward only.

Every function here runs inside the caller's write transaction and returns the invoice id it changed (or None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from app.money import format_money
from app.services.clock import utcnow
from app.services.rows import lock_invoice, record_activity
from app.services import balance
from app.services.webhook_queue import queue_event
from app.tables.invoices import Invoice
from app.tables.payments import CheckoutAttempt, Payment

Status = Invoice.Status


@dataclass(frozen=True)
class Collected:
    """A successful payment as Stripe reports it."""

    payment_intent: str
    amount: int
    currency: str  # upper case
    charge: str = ""
    at: datetime | None = None
    application_fee: int = 0
    account: str = ""  # where the charge lives: "" = the platform (Connect), else the vendor's own account
    expected: int | None = None  # what our Checkout attempt asked for; None when only the charge is known


def when(unix: int | None) -> datetime:
    """A Stripe timestamp as an aware datetime (now when missing)."""
    return datetime.fromtimestamp(unix, tz=timezone.utc) if unix else utcnow()


async def flag_attention(invoice: Invoice, reason: str) -> None:
    """Mark the invoice as needing a person's look, with the reason on the timeline."""
    invoice.needs_attention = True
    invoice.attention_reason = reason
    invoice.updated_at = utcnow()
    await invoice.save()
    await record_activity(invoice.vendor, invoice.id, "needs_attention", reason)


async def record_payment(vendor_id: int, invoice_id: int, paid: Collected) -> int | None:
    """Apply a successful payment once per PaymentIntent; a mismatch flags the invoice instead of paying it.

    The money is counted whatever the invoice's balance is by now (a payment by hand may have crossed it):
    the balance service then flags the overpayment rather than hiding it.
    """
    invoice = await lock_invoice(vendor_id, invoice_id)
    if await Payment.exists().where(Payment.payment_intent == paid.payment_intent):
        return None
    shown = format_money(paid.amount, paid.currency) if paid.currency else str(paid.amount)
    expected = paid.expected if paid.expected is not None else paid.amount
    if paid.currency != invoice.currency or paid.amount != expected or paid.amount <= 0:
        asked = format_money(expected, invoice.currency)
        await flag_attention(
            invoice,
            f"Stripe reported a payment of {shown}, but the customer was asked to pay {asked}. "
            "It was not counted; check the payment in Stripe.",
        )
        return invoice.id
    payment = Payment(
        vendor=vendor_id, invoice=invoice.id, payment_intent=paid.payment_intent, method=Payment.Method.stripe,
        stripe_account=paid.account, charge=paid.charge, amount=paid.amount, currency=paid.currency,
        application_fee=paid.application_fee, paid_at=paid.at or utcnow(),
    )
    await payment.save()
    await queue_event(vendor_id, "payment.succeeded", "payment", payment)
    await balance.settle(invoice)
    fee = f" (platform fee {format_money(paid.application_fee, paid.currency)})" if paid.application_fee else ""
    left = f" Balance left: {format_money(invoice.amount_due, invoice.currency)}." if invoice.amount_due > 0 else ""
    await record_activity(
        vendor_id, invoice.id, "payment_succeeded", f"Payment of {shown} received by card{fee}.{left}",
        {"payment_intent": paid.payment_intent, "amount": paid.amount},
    )
    if invoice.status == Status.void:
        await flag_attention(invoice, f"A card payment of {shown} arrived for this void invoice. Refund it.")
    return invoice.id


async def note_failed_attempt(vendor_id: int, invoice_id: int, reason: str, intent: str) -> int | None:
    """A declined or failed card attempt: on the timeline, nothing else changes."""
    invoice = await lock_invoice(vendor_id, invoice_id)
    await record_activity(
        vendor_id, invoice.id, "payment_failed", f"Payment attempt failed: {reason}", {"payment_intent": intent}
    )
    return invoice.id


async def set_attempt_status(session_id: str, status: str) -> CheckoutAttempt | None:
    """Move a Checkout attempt forward (creating -> open -> complete | expired); never back."""
    order = ["creating", "failed", "open", "expired", "complete"]
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.session_id == session_id).first()
    if attempt is None:
        return None
    if order.index(status) > order.index(attempt.status):
        attempt.status = status
        attempt.updated_at = utcnow()
        await attempt.save()
    return attempt

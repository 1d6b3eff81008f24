"""Invoice lifecycle: send, mark as paid, void. Transitions only move forward.

Each function changes the invoice, bumps its version, records an activity row in the same transaction,
and announces the change after commit. Called inside an outer write_transaction (e.g. by the Stripe
feature), it joins that transaction and leaves the announcement to the caller, after its commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from app.live.announce import announce_invoice_changed
from app.db import engine, write_transaction
from app.errors import NotAllowed
from app.services.clock import utcnow
from app.services.rows import STATUS_LABELS, bumped, get_invoice, invoice_row, record_activity
from app.services.webhook_queue import queue_event
from app.services.payments import manual as manual_payments
from app.services.invoices.totals import stripe_ready
from app.services.numbering import send_draft
from app.services.payments.checkout import close_open_checkouts
from app.services.payments.links import create_payment_link
from app.tables.invoices import Invoice

METHOD_LABELS = {"manual": "manually (no payment link)", "stripe": "with a Stripe payment link"}
PAID_METHODS = manual_payments.PAID_METHODS
STRIPE_NOT_READY = "Connect Stripe in Settings to send with a payment link."


@asynccontextmanager
async def invoice_change(vendor_id: int, invoice_id: int) -> AsyncIterator[None]:
    """A write transaction that announces the invoice change after its own commit."""
    outer = engine().current_transaction.get() is not None
    async with write_transaction():
        yield
        if not outer:
            announce_invoice_changed(vendor_id, invoice_id)  # sent once, after this transaction commits


def _forward(invoice: Invoice, allowed: tuple[str, ...], action: str) -> None:
    if invoice.status not in allowed:
        label = STATUS_LABELS.get(invoice.status, invoice.status).lower()
        raise NotAllowed(f"This invoice is {label}; it cannot be {action}.")


async def _transition(vendor_id: int, invoice_id: int, allowed: tuple[str, ...], action: str, values: dict) -> None:
    """Apply the change only if the status is still one it may come from (the row lock decides races)."""
    changed = await Invoice.update({**values, **bumped()}).where(
        (Invoice.id == invoice_id) & (Invoice.vendor == vendor_id) & Invoice.status.is_in(list(allowed))
    ).returning(Invoice.id)
    if not changed:
        _forward(await get_invoice(vendor_id, invoice_id), (), action)


async def send_invoice(vendor_id: int, invoice_id: int, method: str) -> Invoice:
    """Send a draft (numbering it) or record a resend; method is "manual" or "stripe"."""
    if method not in METHOD_LABELS:
        raise NotAllowed("Choose how to send the invoice: Manual or Stripe.")
    if method == "stripe" and not await stripe_ready(vendor_id):
        raise NotAllowed(STRIPE_NOT_READY)
    async with invoice_change(vendor_id, invoice_id):
        invoice = await get_invoice(vendor_id, invoice_id)
        _forward(invoice, ("draft", "sent"), "sent")
        number = await send_draft(vendor_id, invoice_id, method)
        first = number is not None
        if not first:  # a resend, or a concurrent send got there first
            invoice = await get_invoice(vendor_id, invoice_id)
            _forward(invoice, ("sent",), "sent")
            number = invoice.number
            await Invoice.update({Invoice.sent_method: method, **bumped()}).where(Invoice.id == invoice_id)
        verb = "Sent" if first else "Sent again"
        await record_activity(vendor_id, invoice_id, "sent", f"{verb} {METHOD_LABELS[method]} as {number}.",
                              {"method": method, "number": number, "first": first})
        if first:
            await queue_event(vendor_id, "invoice.sent", "invoice", await invoice_row(vendor_id, invoice_id))
        if method == "stripe":
            # Sending with Stripe shares the payment link: create it in the same transaction if missing.

            await create_payment_link(vendor_id, invoice_id)
    return await get_invoice(vendor_id, invoice_id)


async def _close_card_checkouts(invoice_id: int) -> None:
    # A customer with Stripe Checkout still open must not pay an invoice that is settled or void.

    await close_open_checkouts(invoice_id)


async def mark_paid(
    vendor_id: int, invoice_id: int, paid_on: date, method: str, reference: str = "", amount: int | None = None,
    note: str = "",
) -> Invoice:
    """Record a payment received outside Stripe: the whole balance, or `amount` of it, on `paid_on`."""
    async with invoice_change(vendor_id, invoice_id):
        await manual_payments.record_manual_payment(vendor_id, invoice_id, paid_on, method, amount, reference, note)
    # The open Checkout Session asked for the old balance: close it, the next Pay asks for the new one.
    await _close_card_checkouts(invoice_id)
    return await get_invoice(vendor_id, invoice_id)


async def delete_payment(vendor_id: int, invoice_id: int, payment_id: int, reason: str) -> Invoice:
    """Delete a payment recorded by hand; the status follows the balance back."""
    async with invoice_change(vendor_id, invoice_id):
        await manual_payments.delete_manual_payment(vendor_id, invoice_id, payment_id, reason)
    return await get_invoice(vendor_id, invoice_id)


async def void_invoice(vendor_id: int, invoice_id: int, reason: str) -> Invoice:
    """Void a draft, sent or fully refunded invoice; its number stays taken and is never reused."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed("Give a reason for voiding the invoice.")
    async with invoice_change(vendor_id, invoice_id):
        invoice = await get_invoice(vendor_id, invoice_id)
        # A refunded invoice kept nothing of its payments: it may be voided like one never paid.
        allowed = ("draft", "sent", "refunded") if invoice.amount_paid == invoice.amount_refunded else ("draft", "sent")
        _forward(invoice, allowed, "voided")
        await _transition(vendor_id, invoice_id, allowed, "voided", {
            Invoice.status: "void", Invoice.voided_at: utcnow(), Invoice.void_reason: reason[:2000],
        })
        await record_activity(vendor_id, invoice_id, "voided", f"Voided: {reason[:500]}", {"reason": reason[:2000]})
    await _close_card_checkouts(invoice_id)
    return await get_invoice(vendor_id, invoice_id)

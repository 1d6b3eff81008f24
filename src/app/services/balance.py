"""The one balance rule every figure uses: amount due = total - credits - (payments - refunds).

Payments are the invoice's payment rows (Stripe, or recorded by hand and not deleted); refunds count once Stripe
has accepted them (pending, requires action or succeeded) or when recorded by hand; a failed or canceled refund
gives the money back to the balance. `settle()` stores the figures and the status they imply on the invoice,
inside the caller's write transaction, so lists, dashboards and exports aggregate stored columns.

Status from the figures (draft and void are never changed here):
    balance 0 or less, with money or credit in        -> paid
    refunds, and nothing kept of the payments         -> refunded
    refunds, and a balance left                       -> partially refunded
    payments, and a balance left                      -> partially paid
    nothing paid                                      -> sent
A balance below 0 (two payments crossed) flags the invoice for attention; it is never silently overpaid.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Sum

from app.money import format_money
from app.services import instalments
from app.services.rows import bump, record_activity
from app.services.webhook_queue import queue_event
from app.tables.credits import CreditNote, CustomerCredit
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund

Status = Invoice.Status
COUNTED_REFUNDS = (Refund.Status.pending, Refund.Status.requires_action, Refund.Status.succeeded)
# Refund rows that hold part of a payment while Stripe decides: a new refund may not exceed what is left.
HELD_REFUNDS = (Refund.Status.requested, *COUNTED_REFUNDS)
# Statuses the customer is asked to pay in (pay page, reminders, Overdue).
COLLECTING = (Status.sent, Status.partially_paid)
SETTLED = (Status.paid, Status.partially_refunded, Status.refunded)


@dataclass(frozen=True)
class Balance:
    """An invoice's money figures in minor units of its currency."""

    total: int
    paid: int
    refunded: int
    credited: int

    @property
    def net_paid(self) -> int:
        """Payments kept: payments - refunds."""
        return self.paid - self.refunded

    @property
    def due(self) -> int:
        """Amount due; below 0 when more came in than was owed."""
        return self.total - self.credited - self.net_paid


def status_for(current: str, balance: Balance) -> str:
    """The status the figures imply (draft and void stay as they are)."""
    if current in (Status.draft, Status.void):
        return current
    if balance.due <= 0 and (balance.net_paid > 0 or balance.credited > 0):
        return Status.paid
    if balance.refunded > 0:
        return Status.refunded if balance.net_paid <= 0 else Status.partially_refunded
    return Status.partially_paid if balance.net_paid > 0 else Status.sent


def asked(status: str, amount_due: int) -> int:
    """What an invoice asks of the customer: its balance while it collects, else nothing.

    A refund with no credit note leaves a balance on a (partially) refunded invoice that is not asked back, and
    an overpaid invoice's negative balance is the vendor's to refund: the customer's balance counts neither.
    """
    return max(amount_due, 0) if status in COLLECTING else 0


def shown_due(invoice: Invoice) -> int:
    """The amount due to show: the stored balance, never below 0, and 0 for a void invoice."""
    return 0 if invoice.status == Status.void else max(invoice.amount_due, 0)


async def figures(invoice: Invoice) -> Balance:
    """The balance read from the invoice's payment and refund rows."""
    paid = await Payment.select(Sum(Payment.amount, alias="s")).where(
        (Payment.invoice == invoice.id) & Payment.deleted_at.is_null()
    ).first()
    refunded = await Refund.select(Sum(Refund.amount, alias="s")).where(
        (Refund.invoice == invoice.id) & Refund.status.is_in(list(COUNTED_REFUNDS))
    ).first()
    return Balance(invoice.total, int(paid["s"] or 0), int(refunded["s"] or 0), await credited(invoice.id))


async def credited(invoice_id: int) -> int:
    """The credits term: credit notes' totals, less what they left as customer credit, plus credit applied here."""
    notes = await CreditNote.select(Sum(CreditNote.total, alias="s")).where(CreditNote.invoice == invoice_id).first()
    moved = await CustomerCredit.select(Sum(CustomerCredit.amount, alias="s")).where(
        CustomerCredit.invoice == invoice_id).first()
    return int(notes["s"] or 0) - int(moved["s"] or 0)


async def _in_flight(invoice_id: int) -> int:
    """Refunds asked of Stripe and not yet answered (a credit note's refund): they will close a negative balance."""
    row = await Refund.select(Sum(Refund.amount, alias="s")).where(
        (Refund.invoice == invoice_id) & (Refund.status == Refund.Status.requested)
    ).first()
    return int(row["s"] or 0)


async def _last_payment(invoice_id: int) -> Payment | None:
    return await Payment.objects().where(
        (Payment.invoice == invoice_id) & Payment.deleted_at.is_null()
    ).order_by(Payment.paid_at, ascending=False).order_by(Payment.id, ascending=False).first()


async def settle(invoice: Invoice) -> Invoice:
    """Store the invoice's figures and status from its rows; call with the invoice locked, inside the change."""
    balance = await figures(invoice)
    was_paid = invoice.status == Status.paid
    status = status_for(invoice.status, balance)
    last = await _last_payment(invoice.id)
    invoice.amount_paid, invoice.amount_refunded = balance.paid, balance.refunded
    invoice.amount_credited = balance.credited
    invoice.amount_due = 0 if status == Status.void else balance.due
    invoice.status = status
    invoice.next_due_date, invoice.next_due_amount = await instalments.next_due(invoice, balance.due)
    # The last payment's date and method, whenever money came in (the list's "paid from" filter reads it).
    invoice.paid_at = last.paid_at if last else None
    invoice.paid_method = last.method if last else ""
    invoice.paid_reference = (last.payment_intent if last.method == "stripe" else last.reference) if last else ""
    await bump(invoice).save()
    if status == Status.paid and not was_paid:
        await queue_event(invoice.vendor, "invoice.paid", "invoice", invoice)
    if balance.due < 0 and status != Status.void and -balance.due > await _in_flight(invoice.id):
        await flag_overpaid(invoice, -balance.due)
    return invoice


async def flag_overpaid(invoice: Invoice, excess: int) -> None:
    """Two payments crossed: flag the invoice with the amount to refund, on the timeline once per amount."""
    reason = (
        f"This invoice is overpaid by {format_money(excess, invoice.currency)}: more was paid than was due. "
        "Refund the difference to the customer."
    )
    if invoice.needs_attention and invoice.attention_reason == reason:
        return
    await Invoice.update({Invoice.needs_attention: True, Invoice.attention_reason: reason}).where(
        Invoice.id == invoice.id
    )
    invoice.needs_attention, invoice.attention_reason = True, reason
    await record_activity(invoice.vendor, invoice.id, "needs_attention", reason, {"overpaid": excess})


async def refundable(payment: Payment) -> int:
    """What may still be refunded of a payment: its amount less refunds held or made."""
    held = await Refund.select(Sum(Refund.amount, alias="s")).where(
        (Refund.payment == payment.id) & Refund.status.is_in(list(HELD_REFUNDS))
    ).first()
    return payment.amount - int(held["s"] or 0)

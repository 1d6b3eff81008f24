"""An invoice's payments with their refunds, as the details page lists them (and what each one allows)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import NotFound
from app.services import balance
from app.services.payments.manual import PAID_METHODS
from app.services.payments.refunds import REASONS
from app.tables.payments import Payment, Refund

METHOD_LABELS = {"stripe": "Card (Stripe)", **PAID_METHODS}
REFUND_LABELS = {"requested": "Sending to Stripe", "pending": "Pending", "requires_action": "Needs action",
                 "succeeded": "Refunded", "failed": "Failed", "canceled": "Canceled"}


@dataclass
class PaymentEntry:
    """One payment, its refunds and what may still be refunded."""

    payment: Payment
    refunds: list[Refund] = field(default_factory=list)
    refundable: int = 0

    @property
    def online(self) -> bool:
        return self.payment.method == Payment.Method.stripe

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.payment.method, self.payment.method)

    @property
    def can_delete(self) -> bool:
        """Only a payment recorded by hand, with no refund against it."""
        return not self.online and not any(r.status in balance.HELD_REFUNDS for r in self.refunds)

    @property
    def can_refund(self) -> bool:
        return self.refundable > 0


def refund_label(refund: Refund) -> str:
    """The refund's state in words."""
    return REFUND_LABELS.get(refund.status, refund.status)


def reason_label(code: str) -> str:
    """A refund reason in words."""
    return REASONS.get(code, "")


async def payments_of(vendor_id: int, invoice_id: int) -> list[PaymentEntry]:
    """The invoice's payments that count (not deleted), oldest first, each with its refunds."""
    payments = await Payment.objects().where(
        (Payment.vendor == vendor_id) & (Payment.invoice == invoice_id) & Payment.deleted_at.is_null()
    ).order_by(Payment.paid_at).order_by(Payment.id)
    refunds = await Refund.objects().where(
        (Refund.vendor == vendor_id) & (Refund.invoice == invoice_id)
    ).order_by(Refund.id)
    entries = []
    for payment in payments:
        own = [r for r in refunds if r.payment == payment.id]
        held = sum(r.amount for r in own if r.status in balance.HELD_REFUNDS)
        entries.append(PaymentEntry(payment, own, payment.amount - held))
    return entries


async def payment_entry(vendor_id: int, invoice_id: int, payment_id: int) -> PaymentEntry:
    """One of the invoice's payments, or NotFound."""
    for entry in await payments_of(vendor_id, invoice_id):
        if entry.payment.id == payment_id:
            return entry
    raise NotFound("That payment does not exist.")


async def panel_context(vendor_id: int, invoice_id: int) -> dict:
    """What the Payments panel of the details page shows (with the page's invoice and tz)."""
    return {"entries": await payments_of(vendor_id, invoice_id), "reasons": REASONS,
            "refund_label": refund_label, "reason_label": reason_label}

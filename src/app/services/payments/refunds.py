"""Refunds from PayPort: through Stripe for card payments, recorded by hand for the others. Each counts once.

A Stripe refund is first saved as a `requested` row whose idempotency key comes from the refund form, so two
clicks of the same form make one row and one Stripe refund. Stripe's answer and the refund.* / charge.refunded
webhooks all go through `apply_refund()`, which finds the row by Stripe's id (or binds our requested row by
its id in the metadata) and only moves its status forward; the invoice's figures follow from the rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from app.db import write_transaction
from app.errors import NotAllowed, NotFound
from app.live.announce import announce_invoice_changed
from app.money import format_money
from app.services import balance
from app.services.webhook_queue import queue_event
from app.services.payments import fees
from app.services.payments import connection as stripe_connection
from app.services.clock import utcnow
from app.services.rows import lock_invoice, record_activity
from app.settings import get_settings
from app.stripe_gateway import RefundInfo, get_gateway, is_retryable
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund

log = logging.getLogger("app.stripe")
State = Refund.Status
REASONS = {
    "requested_by_customer": "Requested by the customer",
    "duplicate": "Duplicate payment",
    "fraudulent": "Fraudulent payment",
    "other": "Other",
}
# Forward only: a late "pending" never undoes "succeeded"; failed and canceled are final.
RANK = {State.requested: 0, State.pending: 1, State.requires_action: 1, State.succeeded: 2, State.failed: 3,
        State.canceled: 3}
RESEND_AFTER = timedelta(seconds=60)
FAILURE_WORDS = {
    "lost_or_stolen_card": "the card was reported lost or stolen",
    "expired_or_canceled_card": "the card has expired or was canceled",
    "charge_for_pending_refund_disputed": "the charge was disputed",
    "insufficient_funds": "the account has insufficient funds",
    "declined": "the customer's bank declined the refund",
    "merchant_request": "the refund was canceled",
    "unknown": "the reason is unknown",
}


def failure_text(code: str) -> str:
    """Stripe's refund failure reason in words."""
    return FAILURE_WORDS.get(code, code.replace("_", " ")) if code else "Stripe gave no reason"


async def _payment(vendor_id: int, invoice_id: int, payment_id: int) -> Payment:
    payment = await Payment.objects().where(
        (Payment.id == payment_id) & (Payment.vendor == vendor_id) & (Payment.invoice == invoice_id)
    ).first()
    if payment is None or payment.deleted_at is not None:
        raise NotFound("That payment does not exist.")
    return payment


def _check_amount(amount: int, left: int, currency: str) -> None:
    if amount < 1:
        raise NotAllowed("Enter an amount above zero.")
    if amount > left:
        raise NotAllowed(f"At most {format_money(left, currency)} of this payment can still be refunded.")


async def begin_refund(
    vendor_id: int, invoice_id: int, payment_id: int, amount: int, reason: str, note: str, request_key: str
) -> tuple[Refund, bool]:
    """Save the refund (requested for Stripe, succeeded by hand); the same request key returns the same row."""
    if reason not in REASONS:
        raise NotAllowed("Choose a reason for the refund.")
    if not request_key or len(request_key) > 64:
        raise NotAllowed("This form has expired; open Refund again.")
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        payment = await _payment(vendor_id, invoice.id, payment_id)
        existing = await Refund.objects().where(Refund.idempotency_key == request_key).first()
        if existing is not None:
            if existing.payment != payment.id:
                raise NotAllowed("This form has expired; open Refund again.")
            return existing, False
        _check_amount(amount, await balance.refundable(payment), payment.currency)
        row = await add_refund(payment, amount, reason, note, request_key)
        manual = row.manual
        if manual:
            await balance.settle(invoice)
            await record_activity(vendor_id, invoice.id, "refunded", _counted_message(row, invoice), {"refund": row.id})
            await queue_event(vendor_id, "payment.refunded", "refund", row)
    if manual:
        announce_invoice_changed(vendor_id, invoice_id)
    return row, True


async def add_refund(payment: Payment, amount: int, reason: str, note: str, request_key: str) -> Refund:
    """Save a refund row inside the caller's write transaction: requested for Stripe, succeeded by hand."""
    manual = payment.method != Payment.Method.stripe
    row = Refund(
        vendor=payment.vendor, invoice=payment.invoice, payment=payment.id, idempotency_key=request_key,
        manual=manual, amount=amount, currency=payment.currency,
        status=State.succeeded if manual else State.requested, reason=reason, note=note.strip()[:1000],
        refund_application_fee=_fee_back(payment), created_at=utcnow(), updated_at=utcnow(),
    )
    await row.save()
    return row


def _fee_back(payment: Payment) -> bool:
    """Connect destination charges give the platform fee back when the operator's setting says so."""
    return payment.method == Payment.Method.stripe and payment.stripe_account == "" and bool(
        payment.application_fee) and get_settings().refund_application_fee


async def _api_key(payment: Payment) -> str | None:
    """Destination charges live on the platform (its key); own-key charges on the vendor's account."""
    if payment.stripe_account == "":
        return None
    connection = await stripe_connection.get_connection(payment.vendor)
    if connection is None or connection.account_id != payment.stripe_account:
        raise NotAllowed("This payment was taken on a Stripe account that is no longer connected.")
    return stripe_connection.api_key_for(connection)


def _params(row: Refund, payment: Payment) -> dict:
    params: dict = {
        "payment_intent": payment.payment_intent,
        "amount": row.amount,
        "metadata": {"payport_refund_id": str(row.id), "payport_invoice_id": str(row.invoice),
                     "payport_vendor_id": str(row.vendor)},
    }
    if row.reason in ("requested_by_customer", "duplicate", "fraudulent"):
        params["reason"] = row.reason
    if payment.stripe_account == "":  # Connect destination charge: take the money back from the vendor
        params["reverse_transfer"] = True
        params["refund_application_fee"] = row.refund_application_fee
    return params


async def send_refund(row: Refund) -> RefundInfo | None:
    """Ask Stripe for the refund with the row's key; a definite refusal fails the row with Stripe's words."""
    payment = await Payment.objects().where(Payment.id == row.payment).first()
    try:
        return await get_gateway().create_refund(_params(row, payment), row.idempotency_key, await _api_key(payment))
    except Exception as exc:
        if is_retryable(exc):  # same key next time: Stripe answers with the refund it may have made
            raise
        reason = getattr(exc, "message", "") or str(exc)
        async with write_transaction():
            invoice = await lock_invoice(row.vendor, row.invoice)
            changed = await Refund.update(
                {Refund.status: State.failed, Refund.failure_reason: reason[:500], Refund.updated_at: utcnow()}
            ).where((Refund.id == row.id) & (Refund.status == State.requested)).returning(Refund.id)
            if changed:
                await record_activity(row.vendor, invoice.id, "refund_failed",
                                   f"Refund of {format_money(row.amount, row.currency)} was refused: {reason}",
                                   {"refund": row.id})
        announce_invoice_changed(row.vendor, row.invoice)
        raise


async def refund_payment(
    vendor_id: int, invoice_id: int, payment_id: int, amount: int, reason: str, note: str, request_key: str
) -> Refund:
    """Refund (part of) a payment: once per request key, through Stripe for card payments."""
    row, created = await begin_refund(vendor_id, invoice_id, payment_id, amount, reason, note, request_key)
    if row.manual or row.status != State.requested or row.stripe_refund_id is not None:
        return row
    # A second click of the same form leaves the sending to the first, unless that one died without an answer.
    if not created and not await _claim_stale(row):
        return row
    return await complete_refund(row)


async def complete_refund(row: Refund) -> Refund:
    """Send a saved, requested refund to Stripe with its key and count Stripe's answer."""
    info = await send_refund(row)
    async with write_transaction():
        invoice = await lock_invoice(row.vendor, row.invoice)
        payment = await Payment.objects().where(Payment.id == row.payment).first()
        await apply_refund(invoice, payment, info, row.id)
    await fees.refresh_payment(row.payment)
    announce_invoice_changed(row.vendor, row.invoice)
    return await Refund.objects().where(Refund.id == row.id).first()


async def _claim_stale(row: Refund) -> bool:
    """Take over a requested row nobody answered for a minute (same key: Stripe returns the same refund)."""
    if utcnow() - row.updated_at < RESEND_AFTER:
        return False
    async with write_transaction():
        claimed = await Refund.update({Refund.updated_at: utcnow()}).where(
            (Refund.id == row.id) & (Refund.updated_at == row.updated_at) & (Refund.status == State.requested)
        ).returning(Refund.id)
    return bool(claimed)


def _counted_message(row: Refund, invoice: Invoice) -> str:
    how = "recorded by hand" if row.manual else "through Stripe"
    due = f" Amount due: {format_money(max(invoice.amount_due, 0), invoice.currency)}."
    return f"Refund of {format_money(row.amount, row.currency)} {how} ({REASONS.get(row.reason, 'no reason')}).{due}"


async def _row_for(payment: Payment, info: RefundInfo, row_id: int | None) -> Refund | None:
    row = await Refund.objects().where(Refund.stripe_refund_id == info.id).first()
    if row is not None:
        return row if row.payment == payment.id else None
    ours = row_id or (int(info.metadata["payport_refund_id"]) if info.metadata.get(
        "payport_refund_id", "").isdigit() else None)
    if ours:
        row = await Refund.objects().where(
            (Refund.id == ours) & (Refund.payment == payment.id) & Refund.stripe_refund_id.is_null()
        ).first()
    if row is None:  # made outside PayPort (Stripe's dashboard): counted all the same
        row = Refund(vendor=payment.vendor, invoice=payment.invoice, payment=payment.id, amount=info.amount,
                     currency=info.currency or payment.currency, status=State.requested,
                     reason=info.reason if info.reason in REASONS else "other", created_at=utcnow())
    return row


async def apply_refund(invoice: Invoice, payment: Payment, info: RefundInfo, row_id: int | None = None) -> bool:
    """Count a refund as Stripe reports it (API answer or any webhook, in any order); True when it changed."""
    row = await _row_for(payment, info, row_id)
    if row is None or info.status not in RANK:
        return False
    counted_before = row._exists_in_db and row.status in balance.COUNTED_REFUNDS
    forward = RANK[info.status] > RANK[row.status]
    if row.stripe_refund_id == info.id and not forward:
        return False
    row.stripe_refund_id, row.amount = info.id, info.amount
    row.balance_transaction = info.balance_transaction or row.balance_transaction
    if forward:
        row.status = info.status
        row.failure_reason = failure_text(info.failure_reason) if info.status in (State.failed, State.canceled) else ""
    row.updated_at = utcnow()
    await row.save()
    counted = row.status in balance.COUNTED_REFUNDS
    if counted != counted_before:
        await balance.settle(invoice)
        if counted:
            await record_activity(invoice.vendor, invoice.id, "refunded", _counted_message(row, invoice),
                               {"refund": row.id})
            await queue_event(invoice.vendor, "payment.refunded", "refund", row)
    if forward and row.status in (State.failed, State.canceled):
        await record_activity(invoice.vendor, invoice.id, "refund_failed",
                           f"Refund of {format_money(row.amount, row.currency)} failed: {row.failure_reason}.",
                           {"refund": row.id})
    return True

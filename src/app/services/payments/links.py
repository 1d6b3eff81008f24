"""One permanent payment link per invoice: eligibility, race-safe creation, the panel's state."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.db import write_transaction
from app.errors import NotAllowed, NotFound
from app.services.payments.currencies import charge_problem
from app.live.announce import announce_invoice_changed
from app.services.payments import connection as stripe_connection
from app.services.numbering import send_draft
from app.services.rows import PAID_STATES, bump, bumped, get_invoice, invoice_row, lock_invoice, record_activity
from app.services.webhook_queue import queue_event
from app.money import format_money
from app.settings import get_settings
from app.tables.invoices import Invoice
from app.tables.payments import Payment, PaymentLink

Status = Invoice.Status


def link_url(token: str) -> str:
    """The customer-facing address of a link."""
    return f"{get_settings().app_base_url}/pay/{token}"


def link_status(invoice: Invoice, link: PaymentLink | None) -> str:
    """Not Created, Pending Payment or Paid."""
    if link is None:
        return "Not Created"
    return "Paid" if invoice.status in PAID_STATES else "Pending Payment"


@dataclass(frozen=True)
class LinkPanel:
    """What the Online Payment Link panel shows."""

    invoice: Invoice
    link: PaymentLink | None
    status: str
    reason: str  # why Create Payment Link is disabled; "" when it is enabled
    payment: Payment | None
    fee_estimate: int
    connect_mode: bool
    accepting: bool = True  # Stripe connected with charges enabled: the link can take a card payment now

    @property
    def url(self) -> str:
        return link_url(self.link.token) if self.link else ""

    @property
    def eligible(self) -> bool:
        return self.link is None and not self.reason


def ineligible_reason(invoice: Invoice, stripe_ready: bool) -> str:
    """Why a link cannot be created for this invoice now, or "" when it can."""
    if invoice.status == Status.void:
        return "This invoice is void, so it cannot take payments."
    if invoice.status in PAID_STATES:
        return "This invoice is already paid."
    if invoice.total <= 0:
        return "A payment link needs an invoice total above zero."
    if not stripe_ready:
        return "Connect Stripe with card payments enabled in Settings > Stripe to create payment links."
    return charge_problem(max(invoice.amount_due, 0) or invoice.total, invoice.currency)


async def link_panel(vendor_id: int, invoice_id: int) -> LinkPanel:
    """The panel's state for one invoice."""
    invoice = await get_invoice(vendor_id, invoice_id)
    link = await PaymentLink.objects().where(PaymentLink.invoice == invoice.id).first()
    connection = await stripe_connection.get_connection(vendor_id)
    ready = bool(connection and connection.account_id and connection.charges_enabled)
    payment = await Payment.objects().where(Payment.invoice == invoice.id).order_by(Payment.id, ascending=False).first()
    return LinkPanel(
        invoice=invoice,
        link=link,
        status=link_status(invoice, link),
        reason="" if link else ineligible_reason(invoice, ready),
        payment=payment,
        fee_estimate=stripe_connection.platform_fee(max(invoice.amount_due, 0), connection),
        connect_mode=bool(connection and connection.mode == stripe_connection.Mode.connect),
        accepting=ready,
    )


async def create_payment_link(vendor_id: int, invoice_id: int) -> PaymentLink:
    """Create the invoice's link, or return the one that exists; concurrent calls end with one link."""
    ready = await stripe_connection.is_ready(vendor_id)
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        existing = await PaymentLink.objects().where(PaymentLink.invoice == invoice.id).first()
        if existing is not None:
            return existing
        reason = ineligible_reason(invoice, ready)
        if reason:
            raise NotAllowed(reason)
        # A draft gets its number and becomes sent by Stripe (a link is a payment request out in the world).
        number = await send_draft(vendor_id, invoice.id, Invoice.Method.stripe)
        was_draft = number is not None
        if not was_draft:
            await Invoice.update(bumped()).where(Invoice.id == invoice.id)
        link = PaymentLink(vendor=vendor_id, invoice=invoice.id, token=secrets.token_urlsafe(24))
        await link.save()
        if was_draft:
            await record_activity(
                vendor_id, invoice.id, "sent", f"Invoice {number} sent with Stripe (shared by payment link)."
            )
            await queue_event(vendor_id, "invoice.sent", "invoice", await invoice_row(vendor_id, invoice.id))
        await record_activity(
            vendor_id, invoice.id, "link_created", "Payment link created.", {"url": link_url(link.token)}
        )
        announce_invoice_changed(vendor_id, invoice.id)  # sent once the outermost transaction commits
    return link


async def set_part_payments(vendor_id: int, invoice_id: int, allow: bool, minimum: int) -> Invoice:
    """Let the customer pay part of the balance online (at least `minimum`), or only all of it."""
    if allow and minimum < 1:
        raise NotAllowed("Enter the least amount a customer may pay, above zero.")
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        if invoice.status in (Status.void, *PAID_STATES):
            raise NotAllowed("This invoice takes no more payments.")
        invoice.allow_partial, invoice.partial_minimum = allow, minimum if allow else 0
        await bump(invoice).save()
        words = f"at least {format_money(minimum, invoice.currency)}" if allow else "only the whole balance"
        await record_activity(vendor_id, invoice.id, "edited", f"Online payments now take {words}.")
    return invoice


async def link_by_token(token: str) -> PaymentLink:
    """The link for a customer URL token, or NotFound."""
    link = await PaymentLink.objects().where(PaymentLink.token == token).first() if len(token) <= 64 else None
    if link is None:
        raise NotFound("This payment link does not exist. Check the address, or ask the sender for a new copy.")
    return link

"""The customer's side of a link: the pay page, Pay -> hosted Checkout (one open session at most), the return."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from app.db import write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_invoice_changed
from app.services.payments import connection as stripe_connection
from app.services.rows import is_overdue
from app.services.instalments import ask_for, overdue_from
from app.errors import Conflict
from app.money import format_money
from app.services.balance import COLLECTING
from app.services.payments import cards, fees
from app.services.payments import stripe_limits as limits
from app.services.payments.currencies import check_chargeable
from app.services.clock import utcnow
from app.services.rows import PAID_STATES, lock_invoice
from app.services.payments.links import link_by_token, link_url
from app.services.payments.ledger import Collected, record_payment, set_attempt_status
from app.stripe_gateway import CheckoutSessionInfo, StripeRejected, get_gateway, is_retryable
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.payments import CheckoutAttempt, Payment, PaymentLink, StripeConnection
from app.tables.vendors import Vendor

Attempt = CheckoutAttempt.Status
log = logging.getLogger("app.stripe")
SESSION_LIFETIME = timedelta(hours=23)
# An open session this close to expiry is replaced rather than handed to a customer who needs time to type.
MIN_REMAINING = timedelta(minutes=10)


@dataclass(frozen=True)
class PayPage:
    """Everything the customer page shows."""

    link: PaymentLink
    invoice: Invoice
    lines: list[InvoiceLine]
    vendor: Vendor
    customer: Customer
    payment: Payment | None
    accepting: bool  # Stripe connected and charges enabled

    @property
    def paid(self) -> bool:
        return self.invoice.status in PAID_STATES

    @property
    def void(self) -> bool:
        return self.invoice.status == Invoice.Status.void

    @property
    def overdue(self) -> bool:
        """Sent, unpaid and past its due date in the vendor's time zone."""
        return is_overdue(self.invoice.status, overdue_from(self.invoice), self.vendor.timezone)

    @property
    def due_now(self) -> int:
        """What Pay charges: the next instalment due with a schedule, else the balance."""
        return ask_for(self.invoice)

    @property
    def balance(self) -> int:
        """The whole amount due (a customer allowed part payments may pay it all at once)."""
        return max(self.invoice.amount_due, 0)

    @property
    def collecting(self) -> bool:
        """The customer may pay now: sent or partly paid, with a balance left."""
        return self.invoice.status in COLLECTING and self.due_now > 0

    @property
    def minimum(self) -> int:
        """The least a part payment may be (the vendor's minimum, at most the balance)."""
        return min(max(self.invoice.partial_minimum, 1), self.balance)

    @property
    def by_instalments(self) -> bool:
        """A schedule asks for less than the whole balance now."""
        return self.due_now < self.balance


async def pay_page(token: str) -> PayPage:
    """The invoice behind a link token, for the public page."""
    link = await link_by_token(token)
    invoice = await Invoice.objects().where(Invoice.id == link.invoice).first()
    lines = await InvoiceLine.objects().where(InvoiceLine.invoice == invoice.id).order_by(InvoiceLine.position)
    vendor = await Vendor.objects().where(Vendor.id == invoice.vendor).first()
    customer = await Customer.objects().where(Customer.id == invoice.customer).first()
    payment = await Payment.objects().where(Payment.invoice == invoice.id).order_by(Payment.id, ascending=False).first()
    return PayPage(link, invoice, lines, vendor, customer, payment, await stripe_connection.is_ready(invoice.vendor))


def _session_params(
    page: PayPage, connection: StripeConnection, amount: int, fee: int, expires_at: int, saving_for: str = ""
) -> dict:
    invoice, url = page.invoice, link_url(page.link.token)
    label = f"Invoice {invoice.number}" if invoice.number else "Invoice"
    part = "" if amount == invoice.total else (" (balance)" if amount == invoice.amount_due else (
        " (instalment)" if amount == ask_for(invoice) else " (part payment)"))
    ids = limits.metadata({"payport_invoice_id": str(invoice.id), "payport_vendor_id": str(invoice.vendor)})
    intent_data: dict = {"metadata": ids, "description": limits.clip(f"{label} ({page.vendor.name})", limits.DESCRIPTION)}
    # The invoice number on the customer's card statement, after the merchant's own descriptor.
    suffix = limits.statement_descriptor(invoice.number or "")
    if suffix:
        intent_data["statement_descriptor_suffix"] = suffix
    params: dict = {
        "mode": "payment",
        "allowed_payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": invoice.currency.lower(),
                    "unit_amount": amount,
                    "product_data": {"name": limits.clip(f"{label}{part} from {page.vendor.name}", limits.PRODUCT_NAME)},
                },
            }
        ],
        "client_reference_id": f"invoice-{invoice.id}",
        "metadata": ids,
        "success_url": f"{url}?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{url}?checkout=cancelled",
        "expires_at": expires_at,
        "payment_intent_data": intent_data,
    }
    if saving_for:  # the customer asked to keep the card for automatic payments: it is saved on their Customer
        params["customer"] = saving_for
        intent_data["setup_future_usage"] = "off_session"
    elif page.customer and page.customer.email:
        params["customer_email"] = page.customer.email
    if connection.mode == stripe_connection.Mode.connect:
        # The vendor is the merchant of record: its name on Checkout and statements, its country's rules and fees.
        intent_data["on_behalf_of"] = connection.account_id
        intent_data["transfer_data"] = {"destination": connection.account_id}
        if fee:
            intent_data["application_fee_amount"] = fee
    return params


def request_params(attempt: CheckoutAttempt) -> dict:
    """The stored create request, exactly as first sent (the idempotency key guards these very params)."""
    params = attempt.request_params
    return json.loads(params) if isinstance(params, str) else params


def _usable(attempt: CheckoutAttempt) -> bool:
    return attempt.status == Attempt.open and attempt.expires_at - utcnow() > MIN_REMAINING


def _amount_to_charge(invoice: Invoice, asked: int | None) -> int:
    """The balance, or the part the customer chose when the vendor allows part payments."""
    if invoice.status in PAID_STATES or (invoice.status in COLLECTING and invoice.amount_due <= 0):
        raise NotAllowed("This invoice is already paid.")
    if invoice.status == Invoice.Status.void:
        raise NotAllowed("This invoice was voided by the sender and takes no payment.")
    if invoice.status not in COLLECTING:
        raise NotAllowed("This invoice takes no payment right now. Please contact the sender.")
    due, now = invoice.amount_due, ask_for(invoice)
    if asked is None or asked == now:
        check_chargeable(now, invoice.currency)
        return now
    if not invoice.allow_partial:
        raise NotAllowed(f"This invoice is paid {'by instalments' if now < due else 'in full'}: "
                         f"{format_money(now, invoice.currency)} now.")
    least = min(max(invoice.partial_minimum, 1), due)
    if not least <= asked <= due:
        raise NotAllowed(
            f"Enter an amount between {format_money(least, invoice.currency)} and {format_money(due, invoice.currency)}."
        )
    check_chargeable(asked, invoice.currency)
    return asked


def _saves_for(attempt: CheckoutAttempt) -> str:
    """The Stripe Customer a session saves the card on ("" when it does not save it)."""
    params = request_params(attempt)
    saving = (params.get("payment_intent_data") or {}).get("setup_future_usage")
    return params.get("customer") or "" if saving else ""


async def _claim_attempt(
    page: PayPage, connection: StripeConnection, asked: int | None = None, saving_for: str = ""
) -> tuple[CheckoutAttempt, list[CheckoutAttempt]]:
    """The attempt to use (reused or new) and the stale open ones to expire first.

    An open session is reused only when it asks for the amount wanted now; any other open one (an older balance,
    another part) is expired before a new one is made, so at most one session of the invoice can take money.
    """
    async with write_transaction():
        invoice = await lock_invoice(page.invoice.vendor, page.invoice.id)
        amount = _amount_to_charge(invoice, asked)
        live = (
            await CheckoutAttempt.objects()
            .where(
                (CheckoutAttempt.invoice == invoice.id) & CheckoutAttempt.status.is_in([Attempt.open, Attempt.creating])
            )
            .order_by(CheckoutAttempt.id, ascending=False)
        )
        if any(a.status == Attempt.creating and a.amount != amount for a in live):
            raise Conflict("A payment for this invoice is being prepared. Please try again in a moment.")
        chosen = next((a for a in live if a.amount == amount and _saves_for(a) == saving_for
                       and (a.status == Attempt.creating or _usable(a))), None)
        stale = [a for a in live if a is not chosen and a.status == Attempt.open]
        if chosen is not None:
            return chosen, stale
        account = "" if connection.mode == stripe_connection.Mode.connect else connection.account_id
        fee = stripe_connection.platform_fee(amount, connection)
        expires = utcnow().replace(microsecond=0) + SESSION_LIFETIME
        attempt = CheckoutAttempt(
            vendor=invoice.vendor,
            invoice=invoice.id,
            status=Attempt.creating,
            stripe_account=account,
            amount=amount,
            currency=invoice.currency,
            application_fee=fee,
            idempotency_key=uuid.uuid4().hex,
            request_params=_session_params(page, connection, amount, fee, int(expires.timestamp()), saving_for),
            expires_at=expires,
        )
        await attempt.save()
        return attempt, stale


async def _expire_stale(stale: list[CheckoutAttempt], api_key: str | None) -> None:
    """Close older sessions first so two can never be paid; a completed one means the invoice was just paid."""
    gateway = get_gateway()
    for attempt in stale:
        try:
            session = await gateway.expire_checkout_session(attempt.session_id, api_key)
        except StripeRejected:
            session = await gateway.retrieve_checkout_session(attempt.session_id, api_key)
        await apply_session(attempt.vendor, attempt.invoice, session)
        if session.status == "complete":
            raise NotAllowed("A payment for this invoice has just arrived. Reload the page to see what is still due.")


async def start_checkout(token: str, amount: int | None = None, save_card: bool = False) -> str:
    """Pay (the balance, or a part of it): reuse the matching open Checkout Session or make a new one.

    With `save_card` the card is kept on the customer's Stripe Customer for automatic payments.
    """
    page = await pay_page(token)
    connection = await stripe_connection.get_connection(page.invoice.vendor)
    if not page.accepting or connection is None:
        raise NotAllowed(f"{page.vendor.name} is not accepting card payments right now. Please contact them.")
    saving_for = ""
    if save_card:
        saving_for = await cards.ensure_stripe_customer(page.invoice.vendor, page.invoice.customer, connection)
    attempt, stale = await _claim_attempt(page, connection, amount, saving_for)
    api_key = stripe_connection.api_key_for(connection) if attempt.stripe_account else None
    await _expire_stale(stale, api_key)
    if attempt.status == Attempt.open:
        return attempt.url
    try:
        session = await get_gateway().create_checkout_session(request_params(attempt), attempt.idempotency_key, api_key)
    except Exception as exc:
        if not is_retryable(exc):  # a definite refusal: the next press starts a fresh attempt
            await CheckoutAttempt.update({CheckoutAttempt.status: Attempt.failed}).where(
                CheckoutAttempt.id == attempt.id
            )
        raise
    async with write_transaction():
        await CheckoutAttempt.update(
            {
                CheckoutAttempt.session_id: session.id,
                CheckoutAttempt.url: session.url,
                CheckoutAttempt.status: Attempt.open,
                CheckoutAttempt.updated_at: utcnow(),
            }
        ).where((CheckoutAttempt.id == attempt.id) & (CheckoutAttempt.status == Attempt.creating))
    return session.url


async def apply_session(vendor_id: int, invoice_id: int, session: CheckoutSessionInfo) -> int | None:
    """Bring our records in line with a session's state as read from Stripe; returns the invoice if it changed."""
    changed = None
    async with write_transaction():
        if session.status == "expired":
            await set_attempt_status(session.id, Attempt.expired)
        elif session.status == "complete":
            attempt = await set_attempt_status(session.id, Attempt.complete)
            if session.payment_status == "paid" and session.payment_intent:
                fee = attempt.application_fee if attempt else 0
                paid = Collected(
                    session.payment_intent, session.amount_total, session.currency, application_fee=fee,
                    account=attempt.stripe_account if attempt else "", expected=attempt.amount if attempt else None,
                )
                changed = await record_payment(vendor_id, invoice_id, paid)
    if changed:
        await fees.refresh_invoice(changed)
        announce_invoice_changed(vendor_id, changed)
    return changed


async def confirm_return(token: str, session_id: str) -> None:
    """Back from Checkout: read that session now so the page can show Paid before the webhook lands."""
    link = await link_by_token(token)
    attempt = (
        await CheckoutAttempt.objects()
        .where((CheckoutAttempt.session_id == session_id) & (CheckoutAttempt.invoice == link.invoice))
        .first()
    )
    if attempt is None or attempt.status == Attempt.complete:
        return
    connection = await stripe_connection.get_connection(attempt.vendor)
    api_key = stripe_connection.api_key_for(connection) if (connection and attempt.stripe_account) else None
    try:
        session = await get_gateway().retrieve_checkout_session(session_id, api_key)
    except Exception:  # the webhook or reconciliation will bring the news; the page still renders
        return
    await apply_session(attempt.vendor, attempt.invoice, session)
    if _saves_for(attempt) and session.status == "complete" and session.payment_intent:
        try:
            card = await get_gateway().intent_card(session.payment_intent, api_key)
        except Exception:  # payment_method.attached brings it
            return
        if card is not None:
            await cards.card_saved(attempt.stripe_account, card, attempt.vendor)


async def close_open_checkouts(invoice_id: int) -> None:
    """After a void or a payment by hand: expire the invoice's open sessions so no card payment can follow.

    Best effort: a session Stripe cannot expire now stays open here, and a late payment flags the invoice.
    """
    attempts = await CheckoutAttempt.objects().where(
        (CheckoutAttempt.invoice == invoice_id) & (CheckoutAttempt.status == Attempt.open)
    )
    for attempt in attempts:
        connection = await stripe_connection.get_connection(attempt.vendor)
        api_key = stripe_connection.api_key_for(connection) if (connection and attempt.stripe_account) else None
        try:
            session = await get_gateway().expire_checkout_session(attempt.session_id, api_key)
        except Exception:  # Stripe down, or the session already closed: reconciliation reads its state later
            log.warning("could not expire Checkout Session %s of invoice %s", attempt.session_id, invoice_id)
            continue
        await apply_session(attempt.vendor, attempt.invoice, session)

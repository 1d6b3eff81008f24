"""Charge an invoice to the card on file off-session, the way Stripe Billing's automatic collection does.

`charge_invoice(vendor_id, invoice_id)` is the one entry point (the vendor's "Charge card on file", recurring
profiles set to autopay, and the retry task). Each attempt has its own idempotency key
(`payport-autopay-<invoice>-<attempt>`): a repeated request for the same attempt never charges twice. A success is
recorded through the ledger like any card payment (the receipt follows from it). A decline or
`authentication_required` leaves the invoice open, emails the customer a link to pay or update the card, and
schedules the next try: three more over seven days (1, 3 and 7 days after the first failure).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.db import write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_invoice_changed
from app.money import format_money
from app.services.balance import COLLECTING
from app.services.clock import utcnow
from app.services.mail import compose as mail
from app.services.invoices.documents import load_document
from app.services.payments import cards, fees
from app.services.payments import connection as stripe_connection
from app.services.payments import stripe_limits as limits
from app.services.payments.currencies import check_chargeable
from app.services.payments.events import DECLINE_WORDS
from app.services.payments.ledger import Collected, record_payment
from app.services.payments.links import create_payment_link, link_url
from app.services.rows import get_invoice, lock_invoice, record_activity, vendor_timezone
from app.stripe_gateway import IntentInfo, StripeRejected, get_gateway, is_retryable
from app.tables.autopay import AutopayAttempt, SavedCard
from app.tables.invoices import Invoice
from app.times import format_date

log = logging.getLogger("app.autopay")
Status = AutopayAttempt.Status
# After the first failure the card is tried again after 1, 3 and 7 days: four tries in all, as Stripe's retries.
RETRY_DAYS = (1, 3, 7)
MAX_ATTEMPTS = 1 + len(RETRY_DAYS)


@dataclass(frozen=True)
class ChargeResult:
    """What one attempt did: succeeded | failed | requires_action, and a sentence for the vendor."""

    status: str
    attempt: int
    message: str
    next_retry_at: datetime | None = None


async def autopay_state(vendor_id: int, invoice_id: int) -> AutopayAttempt | None:
    """The invoice's latest autopay attempt (None when it was never charged automatically)."""
    return await AutopayAttempt.objects().where(
        (AutopayAttempt.vendor == vendor_id) & (AutopayAttempt.invoice == invoice_id)
    ).order_by(AutopayAttempt.attempt, ascending=False).first()


async def attempts_of(vendor_id: int, invoice_id: int) -> list[AutopayAttempt]:
    """Every autopay attempt of an invoice, first one first."""
    return await AutopayAttempt.objects().where(
        (AutopayAttempt.vendor == vendor_id) & (AutopayAttempt.invoice == invoice_id)
    ).order_by(AutopayAttempt.attempt)


def _reason(result: IntentInfo | None, refused: str = "") -> str:
    if result is None:
        return refused or "the card was not accepted"
    if result.error_code == "authentication_required" or result.status == "requires_action":
        return "the bank asks the customer to confirm this payment (authentication required)"
    words = DECLINE_WORDS.get(result.decline_code) or DECLINE_WORDS.get(result.error_code)
    return words or (result.message or "the card was not accepted").rstrip(".").lower()


def retry_time(first_failure: datetime, attempt: int) -> datetime | None:
    """When try `attempt + 1` is due after try `attempt` failed (None: that was the last)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return first_failure + timedelta(days=RETRY_DAYS[attempt - 1])


async def _claim(vendor_id: int, invoice_id: int, card: SavedCard) -> tuple[AutopayAttempt, Invoice]:
    """The attempt row to charge with: a new number, or the one Stripe never answered (same key, same params)."""
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        if invoice.status not in COLLECTING or invoice.amount_due <= 0:
            raise NotAllowed("This invoice has nothing left to pay." if invoice.status not in (
                Invoice.Status.draft, Invoice.Status.void) else "Only a sent invoice can be charged.")
        amount = invoice.amount_due
        check_chargeable(amount, invoice.currency)
        last = await autopay_state(vendor_id, invoice_id)
        if last is not None and last.status in (Status.creating, Status.error) and (
                last.amount, last.payment_method) == (amount, card.payment_method):
            return last, invoice
        number = (last.attempt + 1) if last is not None else 1
        attempt = AutopayAttempt(
            vendor=vendor_id, invoice=invoice_id, attempt=number, status=Status.creating,
            idempotency_key=f"payport-autopay-{invoice_id}-{number}", stripe_account=card.stripe_account,
            payment_method=card.payment_method, amount=amount, currency=invoice.currency,
            created_at=utcnow(), updated_at=utcnow(),
        )
        await attempt.save()
        return attempt, invoice


def _params(invoice: Invoice, attempt: AutopayAttempt, card: SavedCard, vendor_name: str, connect: str, fee: int) -> dict:
    label = f"Invoice {invoice.number}" if invoice.number else "Invoice"
    params: dict = {
        "amount": attempt.amount,
        "currency": invoice.currency.lower(),
        "customer": card.stripe_customer,
        "payment_method": card.payment_method,
        "off_session": True,
        "confirm": True,
        "description": limits.clip(f"{label} ({vendor_name})", limits.DESCRIPTION),
        "metadata": limits.metadata({"payport_invoice_id": str(invoice.id), "payport_vendor_id": str(invoice.vendor),
                                     "payport_autopay": str(attempt.attempt)}),
    }
    suffix = limits.statement_descriptor(invoice.number or "")
    if suffix:
        params["statement_descriptor_suffix"] = suffix
    if connect:  # a destination charge, the vendor the merchant of record, as Checkout payments are
        params["on_behalf_of"] = connect
        params["transfer_data"] = {"destination": connect}
        if fee:
            params["application_fee_amount"] = fee
    return params


async def charge_invoice(vendor_id: int, invoice_id: int) -> ChargeResult:
    """Charge the amount due to the customer's card on file, off-session; 404 for another vendor's invoice."""
    invoice = await get_invoice(vendor_id, invoice_id)
    connection = await stripe_connection.get_connection(vendor_id)
    if connection is None or not await stripe_connection.is_ready(vendor_id):
        raise NotAllowed("Connect Stripe with card payments enabled in Settings > Stripe to charge saved cards.")
    card = await cards.card_on_file(vendor_id, invoice.customer)
    if card is None:
        raise NotAllowed("This customer has no card on file. They can save one from the invoice's payment page.")
    attempt, invoice = await _claim(vendor_id, invoice_id, card)
    connect = connection.account_id if connection.mode == stripe_connection.Mode.connect else ""
    fee = stripe_connection.platform_fee(attempt.amount, connection)
    vendor_name = (await load_document(vendor_id, invoice_id)).vendor["name"]
    params = _params(invoice, attempt, card, vendor_name, connect, fee)
    api_key = cards.place_of(connection).api_key
    try:
        result = await get_gateway().charge_off_session(params, attempt.idempotency_key, api_key)
    except StripeRejected as exc:
        return await _failed(attempt, None, exc.message)
    except Exception as exc:
        if is_retryable(exc):  # Stripe did not answer: the same key is used for the next try of this attempt
            await AutopayAttempt.update({AutopayAttempt.status: Status.error, AutopayAttempt.updated_at: utcnow()}).where(
                AutopayAttempt.id == attempt.id)
        raise
    if result.status == "succeeded":
        return await _succeeded(attempt, result, card, fee)
    return await _failed(attempt, result)


async def _succeeded(attempt: AutopayAttempt, result: IntentInfo, card: SavedCard, fee: int) -> ChargeResult:
    async with write_transaction():
        await AutopayAttempt.update({
            AutopayAttempt.status: Status.succeeded, AutopayAttempt.payment_intent: result.id,
            AutopayAttempt.next_retry_at: None, AutopayAttempt.updated_at: utcnow(),
        }).where(AutopayAttempt.id == attempt.id)
        # Earlier failed tries of this invoice need no more retries.
        await AutopayAttempt.update({AutopayAttempt.next_retry_at: None}).where(
            (AutopayAttempt.invoice == attempt.invoice) & AutopayAttempt.next_retry_at.is_not_null())
        await record_activity(
            attempt.vendor, attempt.invoice, "autopay_charged",
            f"Card on file charged automatically: {cards.describe(card)} (attempt {attempt.attempt}).",
            {"payment_intent": result.id, "attempt": attempt.attempt},
        )
        paid = Collected(result.id, result.amount, result.currency, application_fee=fee,
                         account=attempt.stripe_account, expected=attempt.amount)
        changed = await record_payment(attempt.vendor, attempt.invoice, paid)
    if changed:
        await fees.refresh_invoice(changed)
    announce_invoice_changed(attempt.vendor, attempt.invoice)
    mail.wake_worker()  # the receipt follows the payment_succeeded entry
    return ChargeResult("succeeded", attempt.attempt, f"Charged {format_money(attempt.amount, attempt.currency)} "
                        f"to {cards.describe(card)}.")


async def _failed(attempt: AutopayAttempt, result: IntentInfo | None, refused: str = "") -> ChargeResult:
    reason = _reason(result, refused)
    needs_action = bool(result and (result.error_code == "authentication_required" or result.status == "requires_action"))
    first = await AutopayAttempt.select(AutopayAttempt.created_at).where(
        (AutopayAttempt.invoice == attempt.invoice) & (AutopayAttempt.attempt == 1)).first()
    first_at = first["created_at"] if first else utcnow()
    next_at = retry_time(first_at, attempt.attempt)
    tz_date = format_date(next_at, await vendor_timezone(attempt.vendor)) if next_at else ""
    later = f" Next automatic try on {tz_date}." if next_at else " No more automatic tries."
    async with write_transaction():
        await AutopayAttempt.update({
            AutopayAttempt.status: Status.requires_action if needs_action else Status.failed,
            AutopayAttempt.payment_intent: result.id if result else "",
            AutopayAttempt.error_code: (result.decline_code or result.error_code) if result else "refused",
            AutopayAttempt.message: reason, AutopayAttempt.next_retry_at: next_at, AutopayAttempt.updated_at: utcnow(),
        }).where(AutopayAttempt.id == attempt.id)
        await record_activity(
            attempt.vendor, attempt.invoice, "payment_failed",
            f"Automatic payment failed (attempt {attempt.attempt} of {MAX_ATTEMPTS}): {reason}.{later}",
            {"payment_intent": result.id if result else "", "attempt": attempt.attempt, "autopay": True},
        )
    await _email_customer(attempt, needs_action, reason)
    announce_invoice_changed(attempt.vendor, attempt.invoice)
    status = "requires_action" if needs_action else "failed"
    return ChargeResult(status, attempt.attempt, f"The card on file was not charged: {reason}.{later}", next_at)


async def _email_customer(attempt: AutopayAttempt, needs_action: bool, reason: str) -> None:
    """Tell the customer (through the outbox) and give them the pay page: pay, confirm, or save another card."""
    try:
        link = await create_payment_link(attempt.vendor, attempt.invoice)
    except NotAllowed:
        return
    doc = await load_document(attempt.vendor, attempt.invoice)
    to = doc.customer.get("email") or ""
    if not to:
        return
    t = doc.texts  # the customer's language, like the invoice's own emails
    amount = t.money(attempt.amount, attempt.currency)
    number = doc.invoice.get("number")
    label = t("Invoice %(number)s", number=number) if number else t("Invoice")
    if needs_action:
        subject = t("Please confirm your payment for %(label)s", label=label)
        body = "\n\n".join((t("We tried to charge %(amount)s for %(label)s to your saved card, and your bank asks you "
                                "to confirm the payment.", amount=amount, label=label),
                              t("Open the payment page to confirm it, or pay with another card.")))
        button = t("Confirm payment")
    else:
        subject = t("Your automatic payment for %(label)s did not go through", label=label)
        body = "\n\n".join((t("We tried to charge %(amount)s for %(label)s to your saved card, but it was not "
                                "accepted (%(reason)s).", amount=amount, label=label, reason=reason),
                              t("Open the payment page to pay with another card or to update the card on file.")))
        button = t("Pay or update card")
    composed = mail.compose_plain(subject, doc.vendor, [(t("Amount due"), amount)], body, t,
                                  button_url=link_url(link.token), button_label=button)
    async with write_transaction():
        await mail.queue_message(doc, mail.NewMessage(
            vendor_id=attempt.vendor, invoice_id=attempt.invoice, kind="autopay_failed", to=[to], composed=composed,
            dedupe_key=f"autopay_failed:{attempt.invoice}:{attempt.attempt}", attach_pdf=False))
    mail.wake_worker()

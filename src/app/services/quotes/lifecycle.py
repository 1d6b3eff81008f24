"""A quote's life: sent by email (numbered at the first send), answered by the customer, converted to an invoice.

Each change bumps the quote's version, records a timeline entry in the same transaction and announces it
after commit. A quote past its expiry date (in the vendor's time zone) takes no answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from app.db import write_transaction
from app.errors import NotAllowed, NotFound
from app.i18n import ENGLISH, N_, Texts, texts_for_customer
from app.parsing import is_one_line
from app.services.clock import today_for, utcnow
from app.services.invoices import schedule
from app.services.invoices.editor import CleanInvoice, create_invoice
from app.services.invoices.totals import LineInput, compute_totals, due_date_for
from app.services.mail import compose as mail
from app.services.numbering import take_quote_number
from app.services.quotes.records import (
    OPEN, STATUS_LABELS, announce_quote_changed, bumped, get_lines, get_quote, is_expired, lock_quote,
    record_quote_activity,
)
from app.services.rows import get_invoice, record_activity, vendor_timezone
from app.services.webhook_queue import queue_event
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.mail import OutboxMessage
from app.tables.quotes import Quote
from app.tables.vendors import Vendor

MAX_NAME = 200
MAX_REASON = 2000
CONVERT_TERMS = "net_30"


def quote_url(token: str) -> str:
    """The customer's page of a quote."""
    return f"{get_settings().app_base_url}/quote/{token}"


class QuoteFormError(ValueError):
    """Field errors of a quote form (send, accept, decline, convert), keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class QuoteSendForm:
    to: str = ""
    subject: str = ""
    message: str = ""
    nonce: str = ""


def _label(quote: Quote) -> str:
    return quote.number or "draft quote"


def default_subject(quote: Quote, vendor_name: str, t: Texts = ENGLISH) -> str:
    subject = t("Quote %(number)s from %(vendor)s", number=quote.number or "", vendor=vendor_name)
    return subject.replace("  ", " ").strip()


def default_message(quote: Quote, customer_name: str, vendor_name: str, t: Texts = ENGLISH) -> str:
    return "\n\n".join((
        t("Hello %(name)s,", name=customer_name),
        t("Here is our quote for %(amount)s, valid until %(date)s. You can read it and accept or decline it online.",
          amount=t.money(quote.total, quote.currency), date=t.date(quote.expiry_date, None)),
        t("Thank you,") + f"\n{vendor_name}"))


async def _quote_texts(vendor_id: int, customer_id: int) -> tuple[dict, dict, Texts]:
    """The vendor, the customer and the customer's language for what the customer reads about a quote."""
    vendor = await Vendor.select(Vendor.name, Vendor.email, Vendor.language).where(Vendor.id == vendor_id).first()
    customer = await Customer.select(Customer.name, Customer.email, Customer.language).where(
        Customer.id == customer_id).first() or {}
    return vendor, customer, texts_for_customer(customer, vendor)


async def send_defaults(vendor_id: int, quote_id: int) -> QuoteSendForm:
    quote = await get_quote(vendor_id, quote_id)
    vendor, customer, t = await _quote_texts(vendor_id, quote.customer)
    return QuoteSendForm(to=customer["email"], subject=default_subject(quote, vendor["name"], t),
                         message=default_message(quote, customer["name"], vendor["name"], t),
                         nonce=secrets.token_urlsafe(16))


def _check_send(form: QuoteSendForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        mail.parse_recipients(form.to)
    except mail.RecipientError as exc:
        errors["to"] = str(exc)
    subject = form.subject.strip()
    if not subject:
        errors["subject"] = "Enter a subject."
    elif len(subject) > 300:
        errors["subject"] = "Keep the subject under 300 characters."
    elif not is_one_line(subject):
        errors["subject"] = "Write the subject on one line, without control characters."
    if len(form.message) > 10_000:
        errors["message"] = "Keep the message under 10,000 characters."
    return errors


async def send_quote(vendor_id: int, quote_id: int, form: QuoteSendForm) -> str:
    """Number a draft (or resend), mark it Sent and queue the email with the quote's link; returns the number."""
    errors = _check_send(form)
    if errors:
        raise QuoteFormError(errors)
    async with write_transaction():
        quote = await lock_quote(vendor_id, quote_id)
        if quote.status not in ("draft", *OPEN):
            raise NotAllowed(f"This quote is {STATUS_LABELS[quote.status].lower()}; it cannot be sent again.")
        timezone = await vendor_timezone(vendor_id)
        if quote.expiry_date < today_for(timezone):
            raise QuoteFormError({"to": "This quote has expired. Change its expiry date before sending it."})
        vendor, _, t = await _quote_texts(vendor_id, quote.customer)
        before = default_subject(quote, vendor["name"], t)
        number = quote.number or await take_quote_number(vendor_id, quote.issue_date.year)
        first = quote.status == "draft"
        await Quote.update({Quote.number: number, Quote.sent_at: utcnow(),
                            Quote.status: "sent" if first else quote.status, **bumped()}).where(Quote.id == quote_id)
        quote.number = number
        subject = form.subject.strip()
        if subject == before:  # the untouched default names the number the draft just got
            subject = default_subject(quote, vendor["name"], t)
        link = quote_url(quote.token)
        view, view_number = t("View the quote:"), t("View quote %(number)s", number=number)
        text = f"{form.message.strip()}\n\n{view} {link}\n"
        html = "".join(f"<p>{escape(part)}</p>" for part in form.message.strip().split("\n\n"))
        html += f'<p><a href="{escape(link)}">{escape(view_number)}</a></p>'
        sender, reply_to = mail.sender_for(vendor)
        recipients = mail.parse_recipients(form.to)
        await OutboxMessage.insert(OutboxMessage(
            vendor=vendor_id, invoice=None, kind=OutboxMessage.Kind.quote,
            dedupe_key=f"quote:{quote_id}:{form.nonce or secrets.token_urlsafe(16)}"[:120], sender=sender,
            reply_to=reply_to, to=", ".join(recipients), cc="", subject=subject[:300], text=text, html=html,
            method="manual", message_body=form.message, status=OutboxMessage.Status.queued, created_at=utcnow(),
        )).on_conflict(action="DO NOTHING")
        verb = "Sent" if first else "Sent again"
        await record_quote_activity(vendor_id, quote_id, "sent", f"{verb} to {', '.join(recipients)}.")
        announce_quote_changed(vendor_id, quote_id)
    mail.wake_worker()
    mail.announce(vendor_id, None)
    return number


async def quote_by_token(token: str) -> Quote:
    """The quote behind a customer link; drafts were never shared, so they look missing."""
    if not token or len(token) > 64:
        raise NotFound("This quote link does not exist.")
    quote = await Quote.objects().where(Quote.token == token).first()
    if quote is None or quote.status == "draft":
        raise NotFound("This quote link does not exist.")
    return quote


async def record_quote_view(token: str) -> None:
    """The customer opened the quote's page: count it; the first view turns Sent into Viewed."""
    quote = await quote_by_token(token)
    now = utcnow()
    async with write_transaction():
        first = await Quote.update({Quote.first_viewed_at: now}).where(
            (Quote.id == quote.id) & Quote.first_viewed_at.is_null()).returning(Quote.id)
        await Quote.update({Quote.status: "viewed"}).where((Quote.id == quote.id) & (Quote.status == "sent"))
        await Quote.update({Quote.view_count: Quote.view_count + 1, Quote.last_viewed_at: now}).where(
            Quote.id == quote.id)
        if first:
            await record_quote_activity(quote.vendor, quote.id, "viewed", "Viewed by the customer.")
        announce_quote_changed(quote.vendor, quote.id)


def _check_answerable(quote: Quote, timezone: str) -> None:
    if is_expired(quote.status, quote.expiry_date, timezone):
        raise NotAllowed(f"This quote expired on {quote.expiry_date.isoformat()} and can no longer be accepted.")
    if quote.status not in OPEN:
        raise NotAllowed(f"This quote is already {STATUS_LABELS[quote.status].lower()}.")


async def accept_quote(token: str, name: str, address: str) -> Quote:
    """The customer accepts, typing their name; name, time and address are kept (and printed on the PDF)."""
    name = " ".join(name.split())
    if not name:
        raise QuoteFormError({"name": N_("Type your full name to accept.")})
    if len(name) > MAX_NAME or not is_one_line(name):
        raise QuoteFormError({"name": f"Keep your name to one line of at most {MAX_NAME} characters."})
    quote = await quote_by_token(token)
    async with write_transaction():
        quote = await lock_quote(quote.vendor, quote.id)
        _check_answerable(quote, await vendor_timezone(quote.vendor))
        await Quote.update({Quote.status: "accepted", Quote.accepted_at: utcnow(), Quote.accepted_name: name,
                            Quote.accepted_address: (address or "")[:64], **bumped()}).where(Quote.id == quote.id)
        await record_quote_activity(quote.vendor, quote.id, "accepted", f"Accepted by {name}.",
                                    {"name": name, "address": address})
        announce_quote_changed(quote.vendor, quote.id)
        await queue_event(quote.vendor, "quote.accepted", "quote", await get_quote(quote.vendor, quote.id))
        auto = await Vendor.select(Vendor.quote_auto_convert).where(Vendor.id == quote.vendor).first()
        if auto and auto["quote_auto_convert"]:
            await convert_quote(quote.vendor, quote.id)
    return await get_quote(quote.vendor, quote.id)


async def decline_quote(token: str, reason: str) -> Quote:
    """The customer declines, with an optional reason."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise QuoteFormError({"reason": f"Keep the reason under {MAX_REASON:,} characters."})
    quote = await quote_by_token(token)
    async with write_transaction():
        quote = await lock_quote(quote.vendor, quote.id)
        if quote.status not in OPEN:
            raise NotAllowed(f"This quote is already {STATUS_LABELS[quote.status].lower()}.")
        await Quote.update({Quote.status: "declined", Quote.declined_at: utcnow(), Quote.decline_reason: reason,
                            **bumped()}).where(Quote.id == quote.id)
        await record_quote_activity(quote.vendor, quote.id, "declined",
                                    "Declined by the customer" + (f": {reason}" if reason else "."))
        announce_quote_changed(quote.vendor, quote.id)
    return await get_quote(quote.vendor, quote.id)


def parse_deposit(raw: str) -> Decimal | None:
    """The deposit percent typed on Convert ("" = none), or QuoteFormError."""
    raw = (raw or "").strip().rstrip("%").strip()
    if not raw or raw == "0":
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not 0 < value < 100 or value != value.quantize(Decimal("0.0001")):
        raise QuoteFormError({"deposit": "Enter a deposit percent above 0 and below 100, or leave it empty."})
    return value


async def convert_quote(vendor_id: int, quote_id: int, deposit: Decimal | None = None) -> int:
    """An accepted quote becomes a draft invoice with exactly its lines; with a deposit, a two-part schedule.

    Returns the invoice id. The quote reads Converted and points at the invoice; the invoice's timeline
    names the quote.
    """
    async with write_transaction():
        quote = await lock_quote(vendor_id, quote_id)
        if quote.status == "converted":
            raise NotAllowed("This quote has already been converted to an invoice.")
        if quote.status != "accepted":
            raise NotAllowed("Only an accepted quote can be converted to an invoice.")
        timezone = await vendor_timezone(vendor_id)
        today = today_for(timezone)
        lines = await get_lines(quote_id)
        inputs = tuple(LineInput(line.description, Decimal(line.quantity), line.unit_price, Decimal(line.tax_rate))
                       for line in lines)
        totals = compute_totals(list(inputs), Decimal(quote.discount_percent))
        clean = CleanInvoice(quote.customer, quote.currency, today, CONVERT_TERMS,
                             due_date_for(CONVERT_TERMS, today), Decimal(quote.discount_percent), quote.notes,
                             quote.footer, inputs, totals)
        invoice_id = await create_invoice(vendor_id, clean)
        await record_activity(vendor_id, invoice_id, "from_quote", f"From quote {quote.number}.",
                              {"quote": quote.id, "number": quote.number})
        if deposit is not None and totals.total > 0:
            invoice = await get_invoice(vendor_id, invoice_id)
            form = schedule.read_form(schedule.deposit_values(invoice, f"{deposit.normalize():f}", today), invoice)
            if form.errors:
                raise QuoteFormError({"deposit": next(iter(form.errors.values()))})
            await schedule.save_schedule(vendor_id, invoice_id, form.parts)
        await Quote.update({Quote.status: "converted", Quote.invoice: invoice_id, Quote.converted_at: utcnow(),
                            **bumped()}).where(Quote.id == quote_id)
        shown = f" with a {deposit.normalize():f}% deposit" if deposit is not None else ""
        await record_quote_activity(vendor_id, quote_id, "converted", f"Converted to an invoice{shown}.",
                                    {"invoice": invoice_id})
        announce_quote_changed(vendor_id, quote_id)
    return invoice_id

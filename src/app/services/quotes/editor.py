"""The quote editor: the invoice editor's lines, taxes, discount, currency and notes checks, plus an expiry date."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.db import write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_vendor_changed
from app.money import format_money, to_major
from app.parsing import parse_date
from app.services.clock import today_for, utcnow
from app.services.invoices.editor import CleanInvoice, EditorErrors, InvoiceDraft, _plain, check_draft, draft_from_form
from app.services.quotes.records import announce_quote_changed, bumped, lock_quote, record_quote_activity
from app.tables.quotes import Quote, QuoteLine
from app.tables.vendors import Vendor

VALID_DAYS = 30  # a new quote's default validity
EDITABLE = ("draft", "sent", "viewed")


@dataclass
class QuoteDraft(InvoiceDraft):
    """The invoice editor's draft plus the date the offer ends."""

    expiry_date: str = ""


@dataclass(frozen=True)
class CleanQuote:
    invoice: CleanInvoice  # customer, currency, issue date, discount, notes, footer, lines and totals
    expiry_date: date


def quote_draft_from_form(form: Any) -> QuoteDraft:
    """The invoice editor's form reading, plus the expiry date."""
    base = draft_from_form(form)
    return QuoteDraft(**{**base.__dict__, "terms": "due_on_receipt", "due_date": ""},
                      expiry_date=(form.get("expiry_date") or "").strip())


def draft_from_quote(quote: Quote, lines: list[QuoteLine]) -> QuoteDraft:
    """The editor's view of a saved quote."""
    return QuoteDraft(
        customer=str(quote.customer), currency=quote.currency, issue_date=quote.issue_date.isoformat(),
        discount=_plain(quote.discount_percent), notes=quote.notes, footer=quote.footer,
        expiry_date=quote.expiry_date.isoformat(),
        lines=[{"description": line.description, "quantity": _plain(line.quantity),
                "unit_price": str(to_major(line.unit_price, quote.currency)), "tax_rate": _plain(line.tax_rate)}
               for line in lines],
    )


def default_expiry(today: date) -> date:
    return today + timedelta(days=VALID_DAYS)


async def check_quote(vendor_id: int, timezone: str, draft: QuoteDraft) -> CleanQuote:
    """Every field at once (the invoice editor's rules, with "quote" for "invoice"), or EditorErrors."""
    errors: dict[str, str] = {}
    draft.terms, draft.due_date = "due_on_receipt", ""
    clean: CleanInvoice | None = None
    try:
        clean = await check_draft(vendor_id, timezone, draft)
    except EditorErrors as exc:
        errors.update({k: v.replace("invoice", "quote") for k, v in exc.errors.items()})
    expiry = parse_date(draft.expiry_date) if draft.expiry_date else None
    issue = parse_date(draft.issue_date) if draft.issue_date else today_for(timezone)
    if expiry is None:
        errors["expiry_date"] = "Enter the date the quote expires as YYYY-MM-DD."
    elif issue and expiry < issue:
        errors["expiry_date"] = "The quote cannot expire before its date."
    if errors or clean is None:
        raise EditorErrors(errors)
    return CleanQuote(clean, expiry)


def _values(clean: CleanQuote) -> dict:
    c, t = clean.invoice, clean.invoice.totals
    return {Quote.customer: c.customer_id, Quote.currency: c.currency, Quote.issue_date: c.issue_date,
            Quote.expiry_date: clean.expiry_date, Quote.discount_percent: c.discount_percent, Quote.notes: c.notes,
            Quote.footer: c.footer, Quote.subtotal: t.subtotal, Quote.discount_total: t.discount_total,
            Quote.tax_total: t.tax_total, Quote.total: t.total}


async def _write_lines(quote_id: int, clean: CleanQuote) -> None:
    await QuoteLine.delete().where(QuoteLine.quote == quote_id)
    rows = [QuoteLine(quote=quote_id, position=i, description=line.description, quantity=line.quantity,
                      unit_price=line.unit_price, tax_rate=line.tax_rate, line_total=figures.amount,
                      tax_amount=figures.tax)
            for i, (line, figures) in enumerate(zip(clean.invoice.lines, clean.invoice.totals.lines))]
    if rows:
        await QuoteLine.insert(*rows)


async def create_quote(vendor_id: int, clean: CleanQuote) -> int:
    """Save a new draft quote; returns its id."""
    now = utcnow()
    values = {column._meta.name: value for column, value in _values(clean).items()}
    quote = Quote(vendor=vendor_id, status="draft", token=secrets.token_urlsafe(32), created_at=now, updated_at=now,
                  **values)
    async with write_transaction():
        await quote.save()
        await _write_lines(quote.id, clean)
        await record_quote_activity(vendor_id, quote.id, "created", "Draft quote created for "
                                    f"{format_money(clean.invoice.totals.total, clean.invoice.currency)}.")
        announce_quote_changed(vendor_id, quote.id)
    return quote.id


async def update_quote(vendor_id: int, quote_id: int, clean: CleanQuote) -> None:
    """Save an edit while the customer has not answered yet."""
    async with write_transaction():
        quote = await lock_quote(vendor_id, quote_id)
        if quote.status not in EDITABLE:
            raise NotAllowed("This quote has been answered and can no longer be edited.")
        await Quote.update({**_values(clean), **bumped()}).where(Quote.id == quote_id)
        await _write_lines(quote_id, clean)
        await record_quote_activity(vendor_id, quote_id, "edited", "Edited.")
        announce_quote_changed(vendor_id, quote_id)


async def auto_convert(vendor_id: int) -> bool:
    """Whether the vendor's accepted quotes become invoices by themselves."""
    row = await Vendor.select(Vendor.quote_auto_convert).where(Vendor.id == vendor_id).first()
    return bool(row and row["quote_auto_convert"])


async def set_auto_convert(vendor_id: int, on: bool) -> None:
    """The vendor's setting: convert each accepted quote to an invoice at once."""
    async with write_transaction():
        await Vendor.update({Vendor.quote_auto_convert: on}).where(Vendor.id == vendor_id)
        announce_vendor_changed(vendor_id, "quotes")

"""What the API answers with: each row as a Stripe-like object, and newest-first lists with cursors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.table import Table

from app.errors import NotFound
from app.services.clock import today_for
from app.services.payments.links import link_url
from app.services.quotes import records as quote_records
from app.services.quotes.lifecycle import quote_url
from app.services.recurring.pages import next_dates, profile_total
from app.services.rows import display_status, get_lines
from app.tables.credits import CreditNote, CreditNoteLine
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.payments import Payment, PaymentLink, Refund
from app.tables.quotes import Quote
from app.tables.recurring import RecurringProfile

MAX_LIMIT = 100


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _dec(value: Decimal | None) -> str:
    return format(Decimal(value or 0).normalize(), "f")


def customer_object(row: dict[str, Any]) -> dict[str, Any]:
    """A customer as the API shows it."""
    return {"id": row["id"], "object": "customer", "name": row["name"], "email": row["email"],
            "phone": row["phone"], "billing_address": row["billing_address"], "tax_id": row["tax_id"],
            "country": row["country"], "reverse_charge": row["reverse_charge"], "currency": row["currency"],
            "notes": row["notes"], "archived": row["archived_at"] is not None, "created": _ts(row["created_at"])}


def invoice_object(row: dict[str, Any], lines: list[Any], timezone: str) -> dict[str, Any]:
    """An invoice with its lines; amounts in minor units of `currency`, status as the badge shows it."""
    return {
        "id": row["id"], "object": "invoice", "number": row["number"], "customer": row["customer"],
        "status": row["status"], "overdue": display_status(row["status"], row["next_due_date"] or row["due_date"],
                                                          timezone) == "overdue",
        "currency": row["currency"], "issue_date": _day(row["issue_date"]), "due_date": _day(row["due_date"]),
        "terms": row["terms"], "discount_percent": _dec(row["discount_percent"]), "notes": row["notes"],
        "footer": row["footer"], "subtotal": row["subtotal"], "discount_total": row["discount_total"],
        "tax_total": row["tax_total"], "total": row["total"], "amount_paid": row["amount_paid"],
        "amount_refunded": row["amount_refunded"], "amount_credited": row["amount_credited"],
        "amount_due": row["amount_due"], "sent_method": row["sent_method"], "sent_at": _ts(row["sent_at"]),
        "paid_at": _ts(row["paid_at"]), "voided_at": _ts(row["voided_at"]), "void_reason": row["void_reason"],
        "needs_attention": row["needs_attention"], "created": _ts(row["created_at"]),
        "lines": [{"id": line.id, "description": line.description, "quantity": _dec(line.quantity),
                   "unit_amount": line.unit_price,
                   "tax_rate": _dec(line.tax_rate), "amount": line.line_total, "tax": line.tax_amount}
                  for line in lines],
    }


def payment_object(row: dict[str, Any]) -> dict[str, Any]:
    """A payment (card through Stripe, or recorded by hand)."""
    return {"id": row["id"], "object": "payment", "invoice": row["invoice"], "amount": row["amount"],
            "currency": row["currency"], "method": row["method"], "reference": row["reference"],
            "note": row["note"], "amount_refunded": row["amount_refunded"], "stripe_fee": row["stripe_fee"],
            "application_fee": row["application_fee"], "net": row["net"], "paid_at": _ts(row["paid_at"]),
            "created": _ts(row["created_at"])}


def refund_object(row: dict[str, Any]) -> dict[str, Any]:
    """A refund of one payment."""
    return {"id": row["id"], "object": "refund", "payment": row["payment"], "invoice": row["invoice"],
            "amount": row["amount"], "currency": row["currency"], "status": row["status"], "reason": row["reason"],
            "note": row["note"], "manual": row["manual"], "failure_reason": row["failure_reason"],
            "created": _ts(row["created_at"])}


def credit_note_object(row: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A credit note against one invoice."""
    return {"id": row["id"], "object": "credit_note", "number": row["number"], "invoice": row["invoice"],
            "customer": row["customer"], "mode": row["mode"], "reason": row["reason"], "currency": row["currency"],
            "subtotal": row["subtotal"], "tax_total": row["tax_total"], "total": row["total"],
            "excess": row["excess"], "amount_refunded": row["amount_refunded"], "amount_kept": row["amount_kept"],
            "created": _ts(row["created_at"]),
            "lines": [{"description": line["description"], "quantity": _dec(line["quantity"]),
                       "tax_rate": _dec(line["tax_rate"])} for line in lines]}


def link_object(row: dict[str, Any], invoice: dict[str, Any]) -> dict[str, Any]:
    """The invoice's one payment link."""
    return {"id": row["id"], "object": "payment_link", "invoice": row["invoice"], "url": link_url(row["token"]),
            "status": "paid" if invoice["status"] in ("paid", "partially_refunded", "refunded") else "pending_payment",
            "created": _ts(row["created_at"])}


async def page(table: type[Table], where: Any, limit: int, starting_after: int | None) -> tuple[list[dict], bool]:
    """Rows newest first after the cursor (an id), and whether more follow."""
    limit = min(max(limit, 1), MAX_LIMIT)
    if starting_after is not None:
        where &= table.id < starting_after
    rows = await table.select().where(where).order_by(table.id, ascending=False).limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def one(table: type[Table], vendor_id: int, row_id: int, what: str) -> dict[str, Any]:
    """The vendor's row by id, or NotFound (another vendor's id looks missing)."""
    row = await table.select().where((table.id == row_id) & (table.vendor == vendor_id)).first()
    if row is None:
        raise NotFound(f"No such {what}: {row_id}")
    return row


async def invoice_with_lines(vendor_id: int, invoice_id: int, timezone: str) -> dict[str, Any]:
    """The invoice object by id."""
    row = await one(Invoice, vendor_id, invoice_id, "invoice")
    return invoice_object(row, await get_lines(row["id"]), timezone)


async def credit_note_with_lines(row: dict[str, Any]) -> dict[str, Any]:
    """The credit note object for a row."""
    lines = await CreditNoteLine.select().where(CreditNoteLine.credit_note == row["id"]).order_by(
        CreditNoteLine.position)
    return credit_note_object(row, lines)


async def link_of(vendor_id: int, invoice_id: int) -> dict[str, Any]:
    """The payment link object of an invoice, or NotFound."""
    invoice = await one(Invoice, vendor_id, invoice_id, "invoice")
    link = await PaymentLink.select().where(PaymentLink.invoice == invoice_id).first()
    if link is None:
        raise NotFound(f"Invoice {invoice_id} has no payment link yet.")
    return link_object(link, invoice)


QUOTE_STATUSES = ("draft", "sent", "viewed", "accepted", "declined", "expired", "converted")


def _line_objects(lines: list[Any]) -> list[dict[str, Any]]:
    return [{"id": line.id, "description": line.description, "quantity": _dec(line.quantity),
             "unit_amount": line.unit_price, "tax_rate": _dec(line.tax_rate), "amount": line.line_total,
             "tax": line.tax_amount} for line in lines]


def quote_object(row: dict[str, Any], lines: list[Any], timezone: str) -> dict[str, Any]:
    """A quote with its lines; status as the badge shows it (expired past its expiry date, vendor's zone)."""
    return {
        "id": row["id"], "object": "quote", "number": row["number"], "customer": row["customer"],
        "status": quote_records.display_status(row["status"], row["expiry_date"], timezone),
        "currency": row["currency"], "issue_date": _day(row["issue_date"]), "expiry_date": _day(row["expiry_date"]),
        "discount_percent": _dec(row["discount_percent"]), "notes": row["notes"], "footer": row["footer"],
        "subtotal": row["subtotal"], "discount_total": row["discount_total"], "tax_total": row["tax_total"],
        "total": row["total"], "url": quote_url(row["token"]) if row["status"] != "draft" else None,
        "sent_at": _ts(row["sent_at"]), "view_count": row["view_count"],
        "first_viewed_at": _ts(row["first_viewed_at"]), "last_viewed_at": _ts(row["last_viewed_at"]),
        "accepted_name": row["accepted_name"], "accepted_at": _ts(row["accepted_at"]),
        "declined_at": _ts(row["declined_at"]), "decline_reason": row["decline_reason"], "invoice": row["invoice"],
        "converted_at": _ts(row["converted_at"]), "created": _ts(row["created_at"]),
        "lines": _line_objects(lines),
    }


async def quote_with_lines(vendor_id: int, quote_id: int, timezone: str) -> dict[str, Any]:
    """The quote object by id, or NotFound."""
    row = await one(Quote, vendor_id, quote_id, "quote")
    return quote_object(row, await quote_records.get_lines(row["id"]), timezone)


def quote_filter(vendor_id: int, timezone: str, status: str | None, customer: int | None) -> Any:
    """The list's where clause; `status` as shown (sent and viewed exclude the expired ones)."""
    where = Quote.vendor == vendor_id
    today = today_for(timezone)
    if status in ("sent", "viewed"):
        where &= (Quote.status == status) & (Quote.expiry_date >= today)
    elif status == "expired":
        where &= Quote.status.is_in(list(quote_records.OPEN)) & (Quote.expiry_date < today)
    elif status is not None:
        where &= Quote.status == status
    if customer is not None:
        where &= Quote.customer == customer
    return where


def recurring_object(row: dict[str, Any]) -> dict[str, Any]:
    """A recurring profile with its lines (minor units), what each period bills and its next five dates."""
    return {
        "id": row["id"], "object": "recurring_profile", "name": row["name"], "customer": row["customer"],
        "status": row["status"], "currency": row["currency"], "discount_percent": _dec(row["discount_percent"]),
        "notes": row["notes"], "footer": row["footer"], "total": profile_total(row), "terms_days": row["terms_days"],
        "frequency": row["frequency"], "every": row["every"], "day_of_month": row["day_of_month"],
        "start_date": _day(row["start_date"]), "end_mode": row["end_mode"], "end_count": row["end_count"],
        "end_date": _day(row["end_date"]), "action": row["action"], "catch_up": row["catch_up"],
        "next_date": _day(row["next_date"]), "next_dates": [d.isoformat() for d in next_dates(row)],
        "invoices_made": row["invoices_made"], "created": _ts(row["created_at"]),
        "lines": [{"description": line["description"], "quantity": _dec(Decimal(str(line["quantity"]))),
                   "unit_amount": int(line["unit_price"]), "tax_rate": _dec(Decimal(str(line["tax_rate"])))}
                  for line in row["lines"]],
    }


async def recurring_page(where: Any, limit: int, starting_after: int | None) -> tuple[list[dict], bool]:
    """Profiles newest first after the cursor, their lines loaded."""
    limit = min(max(limit, 1), MAX_LIMIT)
    if starting_after is not None:
        where &= RecurringProfile.id < starting_after
    rows = await RecurringProfile.select().where(where).order_by(RecurringProfile.id, ascending=False).limit(
        limit + 1).output(load_json=True)
    return rows[:limit], len(rows) > limit


async def recurring_one(vendor_id: int, profile_id: int) -> dict[str, Any]:
    """The profile object by id, or NotFound."""
    row = await RecurringProfile.select().where(
        (RecurringProfile.id == profile_id) & (RecurringProfile.vendor == vendor_id)).output(load_json=True).first()
    if row is None:
        raise NotFound(f"No such recurring profile: {profile_id}")
    return recurring_object(row)


__all__ = ["Customer", "CreditNote", "Invoice", "Payment", "Quote", "RecurringProfile", "Refund", "page", "one"]

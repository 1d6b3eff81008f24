"""A quote's rows: get-or-404, lines, the timeline entry, the shown status (Expired in the vendor's zone)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.db import engine, is_sqlite
from app.errors import NotFound
from app.i18n import N_
from app.live.announce import announce_vendor_changed
from app.services.clock import today_for, utcnow
from app.services.actors import by_phrase, current_actor
from app.tables.quotes import Quote, QuoteActivity, QuoteLine

STATUS_LABELS = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "viewed": N_("Viewed"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "expired": N_("Expired"),
    "converted": N_("Converted"),
}
OPEN = ("sent", "viewed")  # waiting for the customer's answer


def is_expired(status: str, expiry_date: date, timezone: str) -> bool:
    """Still open and its expiry date is before today in the vendor's time zone (valid through that day)."""
    return status in OPEN and expiry_date < today_for(timezone)


def display_status(status: str, expiry_date: date, timezone: str) -> str:
    """The badge status: the stored one, or "expired" derived from the expiry date."""
    return "expired" if is_expired(status, expiry_date, timezone) else status


async def get_quote(vendor_id: int, quote_id: int) -> Quote:
    """The vendor's quote, or NotFound (another vendor's id looks exactly like a missing one)."""
    quote = await Quote.objects().where((Quote.id == quote_id) & (Quote.vendor == vendor_id)).first()
    if quote is None:
        raise NotFound("That quote does not exist.")
    return quote


async def lock_quote(vendor_id: int, quote_id: int) -> Quote:
    """Load the quote inside a write transaction, holding its row until commit on PostgreSQL."""
    if not is_sqlite():
        await engine().run_ddl(f"SELECT id FROM quote WHERE id = {int(quote_id)} FOR UPDATE")
    return await get_quote(vendor_id, quote_id)


async def get_lines(quote_id: int) -> list[QuoteLine]:
    """The quote's lines in display order."""
    return await QuoteLine.objects().where(QuoteLine.quote == quote_id).order_by(QuoteLine.position).order_by(
        QuoteLine.id)


async def get_activity(vendor_id: int, quote_id: int) -> list[dict[str, Any]]:
    """The quote's timeline, newest first."""
    return await QuoteActivity.select().where(
        (QuoteActivity.quote == quote_id) & (QuoteActivity.vendor == vendor_id)
    ).order_by(QuoteActivity.created_at, ascending=False).order_by(QuoteActivity.id, ascending=False)


async def record_quote_activity(vendor_id: int, quote_id: int, kind: str, message: str,
                                data: dict[str, Any] | None = None) -> None:
    """Add a quote timeline entry naming its actor ("by Ana Lima", "by API key Sync"); call inside the transaction
    that made the change."""
    data = dict(data or {})
    if actor := current_actor():
        data["actor"] = actor
        message = f"{message} ({by_phrase(actor)})"
    await QuoteActivity.insert(QuoteActivity(vendor=vendor_id, quote=quote_id, kind=kind, message=message,
                                             data=data, created_at=utcnow()))


def bumped() -> dict:
    """The next version and the time of the change, for every update of a quote row."""
    return {Quote.version: Quote.version + 1, Quote.updated_at: utcnow()}


def announce_quote_changed(vendor_id: int, quote_id: int) -> None:
    """Tell the vendor's open pages (list: quotes-changed, details: quote-<id>-changed); after commit."""
    announce_vendor_changed(vendor_id, "quotes")
    announce_vendor_changed(vendor_id, f"quote-{int(quote_id)}")


async def quote_for_invoice(vendor_id: int, invoice_id: int) -> dict[str, Any] | None:
    """The quote an invoice was converted from (id and number), or None."""
    return await Quote.select(Quote.id, Quote.number).where(
        (Quote.vendor == vendor_id) & (Quote.invoice == invoice_id)).first()

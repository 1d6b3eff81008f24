"""The Quotes list: status tabs (Expired derived in the vendor's zone), search, pages, and the CSV export."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from piccolo.columns.combination import Combinable

from app.money import KNOWN_CURRENCIES, decimals, to_major
from app.parsing import parse_whole
from app.services.clock import today_for
from app.services.customers import contains
from app.services.quotes.records import OPEN, STATUS_LABELS, display_status
from app.tables.customers import Customer
from app.tables.quotes import Quote

PER_PAGE = 25
MAX_PAGE = 100_000
TABS = {"all": "All", "draft": "Draft", "open": "Sent", "viewed": "Viewed", "accepted": "Accepted",
        "declined": "Declined", "expired": "Expired", "converted": "Converted"}
ROW_COLUMNS = (Quote.id, Quote.number, Quote.status, Quote.currency, Quote.issue_date, Quote.expiry_date,
               Quote.total, Quote.subtotal, Quote.discount_total, Quote.tax_total, Quote.view_count,
               Quote.first_viewed_at, Quote.last_viewed_at, Quote.accepted_at, Quote.accepted_name, Quote.invoice,
               Quote.customer.id.as_alias("customer_id"), Quote.customer.name.as_alias("customer_name"),
               Quote.customer.email.as_alias("customer_email"))


@dataclass(frozen=True)
class QuoteQuery:
    status: str = "all"
    q: str = ""
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        merged = replace(self, **{"page": 1, **changes})
        out = {"status": merged.status, "q": merged.q, "page": str(merged.page or 1)}
        defaults = {"status": "all", "page": "1"}
        return {k: v for k, v in out.items() if v and defaults.get(k) != v}


def parse_query(args: Any) -> QuoteQuery:
    """Lenient: a bad value means its default."""
    status = args.get("status") if args.get("status") in TABS else "all"
    page = parse_whole(str(args.get("page") or ""), 1, MAX_PAGE) or 1
    return QuoteQuery(status, (args.get("q") or "").strip()[:100], page)


@dataclass
class QuoteList:
    rows: list[dict[str, Any]]
    counts: dict[str, int]
    matching: int
    page: int
    pages: int
    query: QuoteQuery


def _status_where(status: str, today: date) -> Combinable | None:
    if status in ("draft", "accepted", "declined", "converted"):
        return Quote.status == status
    if status == "open":
        return Quote.status.is_in(list(OPEN)) & (Quote.expiry_date >= today)
    if status == "viewed":
        return (Quote.status == "viewed") & (Quote.expiry_date >= today)
    if status == "expired":
        return Quote.status.is_in(list(OPEN)) & (Quote.expiry_date < today)
    return None


def _search(vendor_id: int, q: str) -> Combinable:
    customers = Customer.select(Customer.id).where((Customer.vendor == vendor_id) & (
        contains("customer.name", q) | contains("customer.email", q)))
    condition = contains("quote.number", q) | Quote.customer.is_in(customers)
    try:
        value = Decimal(q.replace(",", "").lstrip("$€£¥"))
    except InvalidOperation:
        return condition
    if value.is_finite() and 0 <= value <= 10**12:
        for places in (0, 2, 3):
            minor = value * (Decimal(10) ** places)
            if minor == minor.to_integral_value():
                codes_match = Quote.currency.is_in(_codes(places))
                condition = condition | ((Quote.total == int(minor)) & codes_match)
    return condition


def _codes(places: int) -> list[str]:
    return sorted(code for code in KNOWN_CURRENCIES if decimals(code) == places)


def _where(vendor_id: int, query: QuoteQuery, today: date, with_status: bool = True) -> Combinable:
    where = Quote.vendor == vendor_id
    if query.q:
        where = where & _search(vendor_id, query.q)
    status = _status_where(query.status, today) if with_status else None
    return where & status if status is not None else where


async def list_quotes(vendor_id: int, timezone: str, query: QuoteQuery) -> QuoteList:
    """One page of the vendor's quotes, newest first, with the count of every tab."""
    today = today_for(timezone)
    base = _where(vendor_id, query, today, with_status=False)
    counts = {}
    for key in TABS:
        status = _status_where(key, today)
        counts[key] = await Quote.count().where(base & status if status is not None else base)
    matching = counts[query.status]
    pages = max(1, math.ceil(matching / PER_PAGE))
    page = min(query.page, pages)
    rows = await Quote.select(*ROW_COLUMNS).where(_where(vendor_id, query, today)).order_by(
        Quote.created_at, ascending=False).order_by(Quote.id, ascending=False).limit(PER_PAGE).offset(
        (page - 1) * PER_PAGE)
    for row in rows:
        row["shown_status"] = display_status(row["status"], row["expiry_date"], timezone)
    return QuoteList(rows, counts, matching, page, pages, query)


CSV_HEADER = ["Number", "Customer", "Customer email", "Status", "Issue date", "Expiry date", "Currency", "Subtotal",
              "Discount", "Tax", "Total", "Views", "First viewed (UTC)", "Accepted by", "Accepted at (UTC)",
              "Quote id"]


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def csv_chunks(vendor_id: int, timezone: str, query: QuoteQuery) -> AsyncIterator[str]:
    """The filtered list as CSV, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    rows = await Quote.select(*ROW_COLUMNS).where(_where(vendor_id, query, today_for(timezone))).order_by(
        Quote.created_at, ascending=False).order_by(Quote.id, ascending=False)
    for row in rows:
        cur = row["currency"]
        money = lambda amount: str(to_major(amount, cur))  # noqa: E731
        writer.writerow([
            row["number"] or "Draft", _safe(row["customer_name"] or ""), _safe(row["customer_email"] or ""),
            STATUS_LABELS[display_status(row["status"], row["expiry_date"], timezone)],
            row["issue_date"].isoformat(), row["expiry_date"].isoformat(), cur, money(row["subtotal"]),
            money(row["discount_total"]), money(row["tax_total"]), money(row["total"]), str(row["view_count"]),
            row["first_viewed_at"].isoformat() if row["first_viewed_at"] else "", _safe(row["accepted_name"]),
            row["accepted_at"].isoformat() if row["accepted_at"] else "", str(row["id"])])
    yield buffer.getvalue()

"""The Billing Invoices list: filters, search, sorting, pages, tab counts and per-currency totals.

Rows, counts and totals are read through composite indexes that lead with the vendor; what a query renders
is cached under the vendor's data version (services/vendor_data.py), so an unchanged list costs no query.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.query.functions.aggregate import Count, Sum
from piccolo.querystring import QueryString

from app.db import is_sqlite
from app.parsing import parse_date, parse_whole
from app.money import UnknownCurrency, check_currency
from app.services.balance import COLLECTING
from app.services.clock import today_for
from app.services import vendor_data
from app.services.invoices import search
from app.tables.invoices import Invoice

PER_PAGE = 25
MAX_PAGE = 100_000  # beyond it the offset is meaningless (and overflows the database's integers)
STATUSES = ("all", "draft", "outstanding", "overdue", "paid", "void", "refunded")
STATUS_TAB_LABELS = {"all": "All", "draft": "Draft", "outstanding": "Outstanding", "overdue": "Overdue",
                     "paid": "Paid", "void": "Void", "refunded": "Refunded"}
SORTS = {"issue_date": Invoice.issue_date, "due_date": Invoice.due_date, "total": Invoice.total,
         "number": Invoice.number}
DEFAULT_SORT = "-issue_date"
RELEVANCE = "relevance"  # a search's default order: best match first (services/invoices/search.py)
# Overdue is judged by the next instalment's date when a schedule has one (services/instalments.py).
OVERDUE_FROM = "COALESCE(invoice.next_due_date, invoice.due_date)"
ROW_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.issue_date, Invoice.due_date,
    Invoice.next_due_date, Invoice.total, Invoice.amount_paid, Invoice.amount_refunded, Invoice.amount_credited, Invoice.amount_due,
    Invoice.paid_at, Invoice.sent_method,
    Invoice.needs_attention, Invoice.view_count, Invoice.customer.id.as_alias("customer_id"),
    Invoice.customer.name.as_alias("customer_name"),
)


@dataclass(frozen=True)
class ListQuery:
    """The list's URL parameters, checked; unknown values fall back to the defaults."""

    status: str = "all"
    currency: str = ""
    q: str = ""
    paid_from: date | None = None
    sort: str = DEFAULT_SORT
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        """URL parameters for this query with some changed (page resets unless given)."""
        merged = replace(self, **{"page": 1, **changes})
        merged = replace(merged, page=merged.page or 1, currency=merged.currency or "")
        out = {"status": merged.status, "currency": merged.currency, "q": merged.q,
               "paid_from": merged.paid_from.isoformat() if merged.paid_from else "",
               "sort": merged.sort, "page": str(merged.page)}
        defaults = {"status": "all", "sort": RELEVANCE if merged.q else DEFAULT_SORT, "page": "1"}
        return {k: v for k, v in out.items() if v and defaults.get(k) != v}


def parse_query(args: dict[str, str]) -> ListQuery:
    """Read the list's query string leniently: a bad value means its default, never an error page."""
    status = args.get("status", "all") if args.get("status") in STATUSES else "all"
    try:
        currency = check_currency(args["currency"]) if args.get("currency") else ""
    except UnknownCurrency:
        currency = ""
    paid_from = parse_date(args.get("paid_from") or "")
    q = (args.get("q") or "").strip()[:100]
    default = RELEVANCE if q else DEFAULT_SORT
    sort = args.get("sort") or default
    sort = sort if sort.lstrip("-") in SORTS or (sort == RELEVANCE and q) else default
    page = parse_whole(str(args.get("page") or ""), 1, MAX_PAGE) or 1
    return ListQuery(status, currency, q, paid_from, sort, max(1, page))


def _order(query: ListQuery) -> tuple[Any, bool]:
    """The column and direction of the list's order (a search's relevance falls back to the default here)."""
    sort = DEFAULT_SORT if query.sort == RELEVANCE else query.sort
    return SORTS[sort.lstrip("-")], not sort.startswith("-")


@dataclass
class ListResult:
    """One page of rows, the counts for the tabs, and the totals of the whole filtered list."""

    rows: list[dict[str, Any]]
    counts: dict[str, int]
    totals: list[dict[str, Any]]
    matching: int
    page: int
    pages: int
    query: ListQuery
    today: date = field(default_factory=date.today)
    currencies: list[str] = field(default_factory=list)


def _status_where(status: str, today: date) -> Combinable | None:
    if status in ("draft", "paid", "void"):
        return Invoice.status == status
    if status == "outstanding":
        return Invoice.status.is_in(list(COLLECTING))
    if status == "overdue":
        return Invoice.status.is_in(list(COLLECTING)) & WhereRaw(f"{OVERDUE_FROM} < {{}}", today)
    if status == "refunded":
        return Invoice.status.is_in(["refunded", "partially_refunded"])
    return None


def base_where(vendor_id: int, query: ListQuery, timezone: str, found: search.Hits | None = None) -> Combinable:
    """The list's filters and search, before the status tab (the tab counts are taken under it).

    `found`: the search's invoices already read from the index (search.hits), named by id instead of looked up
    again by every query of the list."""
    # A search names its invoices by id: "+" keeps SQLite from walking the vendor's index instead of those ids.
    where = WhereRaw("+invoice.vendor = {}", vendor_id) if query.q else Invoice.vendor == vendor_id
    if query.currency:
        where &= Invoice.currency == query.currency
    if query.paid_from:
        where &= Invoice.paid_at >= datetime.combine(query.paid_from, time(0), ZoneInfo(timezone))
    if query.q and found is not None:
        where &= Invoice.id.is_in(list(found)) if found else WhereRaw("1 = 0")
    elif query.q:
        where &= search.matching(vendor_id, query.q)
    return where


async def _counts(base: Combinable, today: date) -> dict[str, int]:
    overdue = QueryString(
        "SUM(CASE WHEN invoice.status IN ('sent', 'partially_paid') AND " + OVERDUE_FROM + " < {} THEN 1 ELSE 0 END)",
        today,
        alias="overdue")
    rows = await Invoice.select(Invoice.status, Count(alias="n"), overdue).where(base).group_by(Invoice.status)
    by_status = {row["status"]: row["n"] for row in rows}
    return {
        "all": sum(by_status.values()), "draft": by_status.get("draft", 0),
        "outstanding": by_status.get("sent", 0) + by_status.get("partially_paid", 0), "overdue": sum(int(row["overdue"] or 0) for row in rows),
        "paid": by_status.get("paid", 0), "void": by_status.get("void", 0),
        "refunded": by_status.get("refunded", 0) + by_status.get("partially_refunded", 0),
    }


_OUTSTANDING = QueryString(
    "SUM(CASE WHEN invoice.status IN ('sent', 'partially_paid') THEN invoice.amount_due ELSE 0 END)",
    alias="outstanding")
_PAID = QueryString("SUM(invoice.amount_paid - invoice.amount_refunded)", alias="paid")


async def _totals(where: Combinable) -> list[dict[str, Any]]:
    """Per currency: how many, what is still owed (open invoices' balances) and what was paid net of refunds."""
    rows = await Invoice.select(
        Invoice.currency, Sum(Invoice.total, alias="total"), Count(alias="n"), _OUTSTANDING, _PAID,
    ).where(where).group_by(Invoice.currency).order_by(Invoice.currency)
    for row in rows:
        row["outstanding"], row["paid"] = int(row["outstanding"] or 0), int(row["paid"] or 0)
    return rows


async def _currencies(vendor_id: int) -> list[str]:
    rows = await Invoice.select(Invoice.currency).where(Invoice.vendor == vendor_id).distinct()
    return sorted(row["currency"] for row in rows)


async def cached_render(vendor_id: int, query: ListQuery, version: Any, render) -> Any:
    """The rendered list for this query and data version, rendered once while nothing changes."""
    return await vendor_data.cached(("html", vendor_id, query, version), render)


async def list_invoices(vendor_id: int, timezone: str, query: ListQuery, version: Any = None) -> ListResult:
    """The page of invoices the query asks for, with the tab counts and per-currency totals."""
    today = today_for(timezone)
    version = version if version is not None else await vendor_data.data_version(vendor_id)
    found = await vendor_data.cached(("hits", vendor_id, query.q, version),
                                     lambda: search.hits(vendor_id, query.q)) if query.q else None
    base = base_where(vendor_id, query, timezone, found)
    status_where = _status_where(query.status, today)
    where = base & status_where if status_where is not None else base
    plain = (query.currency, query.q, query.paid_from, today, version)
    # Three scans of the vendor's invoices after a change: side by side, on separate connections.
    counts, totals, currencies = await asyncio.gather(
        vendor_data.cached(("counts", vendor_id, *plain), lambda: _counts(base, today)),
        vendor_data.cached(("totals", vendor_id, query.status, *plain), lambda: _totals(where)),
        vendor_data.cached(("currencies", vendor_id, version), lambda: _currencies(vendor_id)))
    matching = sum(row["n"] for row in totals)
    pages = max(1, math.ceil(matching / PER_PAGE))
    page = min(query.page, pages)
    if query.sort == RELEVANCE and found is not None:
        rows = await _ranked_rows(where, found, page)
        return ListResult(rows, counts, totals, matching, page, pages, replace(query, page=page), today, currencies)
    column, ascending = _order(query)
    if query.status == "overdue" and column is not Invoice.due_date and is_sqlite():
        # SQLite would range-scan the due dates and sort every overdue invoice (40 ms at 100,000); the "+"
        # hides due_date from the planner, so it walks the sort's own index and stops after the page.
        where = base & Invoice.status.is_in(list(COLLECTING)) & WhereRaw("+" + OVERDUE_FROM + " < {}", today)
    # The page's ids first, from the index alone: skipping deep pages then costs no row reads or joins.
    page_ids = Invoice.select(Invoice.id).where(where).order_by(column, ascending=ascending).order_by(
        Invoice.id, ascending=ascending).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    rows = await Invoice.select(*ROW_COLUMNS).where(Invoice.id.is_in(page_ids)).order_by(
        column, ascending=ascending).order_by(Invoice.id, ascending=ascending)
    return ListResult(rows, counts, totals, matching, page, pages, replace(query, page=page), today, currencies)


async def _ranked_rows(where: Combinable, found: search.Hits, page: int) -> list[dict[str, Any]]:
    """One page of a search's invoices (at most search.RANK_LIMIT of them), best match first."""
    ids = search.ranked(found, [row["id"] for row in await Invoice.select(Invoice.id).where(where)])
    ids = ids[(page - 1) * PER_PAGE:page * PER_PAGE]
    if not ids:
        return []
    rows = await Invoice.select(*ROW_COLUMNS).where(Invoice.id.is_in(ids))
    place = {invoice_id: n for n, invoice_id in enumerate(ids)}
    return sorted(rows, key=lambda row: place[row["id"]])


async def iter_filtered(vendor_id: int, timezone: str, query: ListQuery, batch: int = 1000):
    """Every invoice of the filtered list in the list's order, in batches (for CSV export)."""
    today = today_for(timezone)
    base = base_where(vendor_id, query, timezone)
    status_where = _status_where(query.status, today)
    where = base & status_where if status_where is not None else base
    column, ascending = _order(query)
    offset = 0
    while True:
        rows = await Invoice.select(
            *ROW_COLUMNS, Invoice.subtotal, Invoice.discount_total, Invoice.tax_total,
            Invoice.customer.email.as_alias("customer_email"),
        ).where(where).order_by(column, ascending=ascending).order_by(Invoice.id, ascending=ascending).limit(
            batch).offset(offset)
        if not rows:
            return
        yield rows
        offset += batch

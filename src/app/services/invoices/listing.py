"""The Billing Invoices list: filters, search, sorting, pages, tab counts and per-currency totals.

Rows are read through composite indexes that lead with the vendor. The tab counts and per-currency totals come
from the invoice tally (services/invoices/tally.py: a few rows per vendor kept by triggers) and, for overdue, from
the open invoices alone; a search or a paid-since date counts the invoices it matches. What a query renders is
cached under the vendor's data version (services/vendor_data.py), so an unchanged list costs no query.

Pages go by keyset, as Stripe's dashboard does: Next carries the last invoice of the page (`after`), Previous
the first (`before`), and the next page starts at that invoice's place in the sort (its sort value, then its
id). Page 10,000 then reads 25 index entries, as page 1 does, where OFFSET would walk 250,000 first.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column
from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.query.functions.aggregate import Count, Sum
from piccolo.querystring import QueryString

from app.db import engine, is_sqlite
from app.parsing import parse_date, parse_id, parse_whole
from app.money import UnknownCurrency, check_currency
from app.services.balance import COLLECTING
from app.services.clock import today_for
from app.services import vendor_data
from app.services.invoices import search, tally
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
    page: int = 1  # shown ("26-50 of 900"); with a cursor the cursor says where the page starts
    after: int | None = None  # the page starts after this invoice (Next)
    before: int | None = None  # the page ends before this invoice (Previous)

    def params(self, **changes: Any) -> dict[str, str]:
        """URL parameters for this query with some changed (page and cursor reset unless given)."""
        merged = replace(self, **{"page": 1, "after": None, "before": None, **changes})
        merged = replace(merged, page=merged.page or 1, currency=merged.currency or "")
        out = {"status": merged.status, "currency": merged.currency, "q": merged.q,
               "paid_from": merged.paid_from.isoformat() if merged.paid_from else "",
               "sort": merged.sort, "page": str(merged.page), "after": str(merged.after or ""),
               "before": str(merged.before or "")}
        defaults = {"status": "all", "sort": RELEVANCE if merged.q else DEFAULT_SORT, "page": "1"}
        return {k: v for k, v in out.items() if v and defaults.get(k) != v}

    def here(self) -> dict[str, str]:
        """URL parameters of this very page (its cursor kept): for live refreshes and the address bar."""
        return self.params(page=self.page, after=self.after, before=self.before)


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
    after = parse_id(str(args.get("after") or ""))
    before = None if after else parse_id(str(args.get("before") or ""))
    return ListQuery(status, currency, q, paid_from, sort, max(1, page), after, before)


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
    has_prev: bool = False
    has_next: bool = False

    @property
    def first_id(self) -> int | None:
        return self.rows[0]["id"] if self.rows else None

    @property
    def last_id(self) -> int | None:
        return self.rows[-1]["id"] if self.rows else None


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


def _status_branches(status: str, today: date) -> list[Combinable | None]:
    """The tab as one condition per status: each reads its own (vendor, status, sort, id) index in order.

    A tab of two statuses as `status IN (...)` would have to sort all its invoices for every page.
    """
    overdue = WhereRaw(f"{OVERDUE_FROM} < {{}}", today)
    if status in ("draft", "paid", "void"):
        return [Invoice.status == status]
    if status in ("outstanding", "overdue"):
        return [(Invoice.status == s) & overdue if status == "overdue" else Invoice.status == s for s in COLLECTING]
    if status == "refunded":
        return [Invoice.status == "refunded", Invoice.status == "partially_refunded"]
    return [None]


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


_OPEN = WhereRaw("invoice.status IN ('sent', 'partially_paid')")  # literal: the partial index's own condition


async def _overdue(vendor_id: int, currency: str, today: date) -> list[dict[str, Any]]:
    """The overdue invoices per currency, from the open ones alone (invoice_list_open_idx holds every column)."""
    where = (Invoice.vendor == vendor_id) & _OPEN & WhereRaw(f"{OVERDUE_FROM} < {{}}", today)
    if currency:
        where &= Invoice.currency == currency
    return await _totals(where)


def _from_tally(rows: list[dict[str, Any]], overdue: list[dict[str, Any]], query: ListQuery):
    """Counts of the tabs, totals of the shown tab and the currencies, from the tally (and the overdue sums)."""
    mine = [row for row in rows if not query.currency or row["currency"] == query.currency]
    by_status: dict[str, int] = {}
    for row in mine:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    tabs = {"draft": ("draft",), "outstanding": ("sent", "partially_paid"), "paid": ("paid",), "void": ("void",),
            "refunded": ("refunded", "partially_refunded")}
    counts = {"all": sum(by_status.values()), "overdue": sum(row["n"] for row in overdue),
              **{tab: sum(by_status.get(s, 0) for s in statuses) for tab, statuses in tabs.items()}}
    if query.status == "overdue":
        return counts, overdue, sorted({row["currency"] for row in rows})
    shown = [row for row in mine if query.status == "all" or row["status"] in tabs[query.status]]
    totals: dict[str, dict[str, Any]] = {}
    for row in shown:
        into = totals.setdefault(row["currency"], {"currency": row["currency"], "total": 0, "n": 0,
                                                   "outstanding": 0, "paid": 0})
        into["total"] += row["total"]
        into["n"] += row["n"]
        into["paid"] += row["paid"]
        into["outstanding"] += row["due"] if row["status"] in tabs["outstanding"] else 0
    return counts, [totals[c] for c in sorted(totals)], sorted({row["currency"] for row in rows})


async def _tallied(vendor_id: int, query: ListQuery, today: date, version: Any):
    """Counts, totals and currencies of the unsearched list: a few tally rows, and the overdue invoices."""
    rows, overdue = await asyncio.gather(
        vendor_data.cached(("tally", vendor_id, version), lambda: tally.rows(vendor_id)),
        vendor_data.cached(("overdue", vendor_id, query.currency, today, version),
                           lambda: _overdue(vendor_id, query.currency, today)))
    return _from_tally(rows, overdue, query)


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
    if query.q or query.paid_from:
        plain = (query.currency, query.q, query.paid_from, today, version)
        # A search or a paid-since date: the matching invoices counted and summed, side by side.
        counts, totals, tallied = await asyncio.gather(
            vendor_data.cached(("counts", vendor_id, *plain), lambda: _counts(base, today)),
            vendor_data.cached(("totals", vendor_id, query.status, *plain), lambda: _totals(where)),
            vendor_data.cached(("tally", vendor_id, version), lambda: tally.rows(vendor_id)))
        currencies = sorted({row["currency"] for row in tallied})
    else:
        counts, totals, currencies = await _tallied(vendor_id, query, today, version)
    matching = sum(row["n"] for row in totals)
    pages = max(1, math.ceil(matching / PER_PAGE))
    if query.sort == RELEVANCE and found is not None:
        # Ranked pages go by number: a search's matches are few pages, and rank has no keyset to resume from.
        page = min(query.page, pages)
        rows = await _ranked_rows(where, found, page)
        return ListResult(rows, counts, totals, matching, page, pages,
                          replace(query, page=page, after=None, before=None), today, currencies, page > 1,
                          page < pages)
    walk = _Walk(vendor_id, [base & b if b is not None else base for b in _status_branches(query.status, today)],
                 *_order(query))
    ids, page, has_prev, has_next, query = await _page(walk, query, pages, matching, where)
    rows = await Invoice.select(*ROW_COLUMNS).where(Invoice.id.is_in(ids)) if ids else []
    place = {invoice_id: n for n, invoice_id in enumerate(ids)}
    rows.sort(key=lambda row: place[row["id"]])
    return ListResult(rows, counts, totals, matching, page, pages, replace(query, page=page), today, currencies,
                      has_prev, has_next)


async def _ranked_rows(where: Combinable, found: search.Hits, page: int) -> list[dict[str, Any]]:
    """One page of a search's invoices (at most search.RANK_LIMIT of them), best match first."""
    ids = search.ranked(found, [row["id"] for row in await Invoice.select(Invoice.id).where(where)])
    ids = ids[(page - 1) * PER_PAGE:page * PER_PAGE]
    if not ids:
        return []
    rows = await Invoice.select(*ROW_COLUMNS).where(Invoice.id.is_in(ids))
    place = {invoice_id: n for n, invoice_id in enumerate(ids)}
    return sorted(rows, key=lambda row: place[row["id"]])


@dataclass(frozen=True)
class _Walk:
    """The list in its order: the vendor's filtered invoices, one branch per status, by (sort column, id)."""

    vendor_id: int
    branches: list[Combinable]
    column: Column
    ascending: bool

    def reverse(self) -> "_Walk":
        return replace(self, ascending=not self.ascending)

    def _segments(self, cursor: tuple[Any, int] | None) -> list[Combinable | None]:
        """What follows the cursor, in order: each part a plain range of one index.

        A nullable sort column has its NULLs as one block where the engine's own order puts them (the largest
        value on PostgreSQL, the smallest on SQLite), so the indexes serve the order on either engine.
        """
        name = f"invoice.{self.column._meta.db_column_name}"
        nullable = self.column._meta.null
        nulls_last = self.ascending != is_sqlite()
        op = ">" if self.ascending else "<"
        known, unknown = WhereRaw(f"{name} IS NOT NULL"), WhereRaw(f"{name} IS NULL")
        if cursor is None:
            return ([known, unknown] if nulls_last else [unknown, known]) if nullable else [None]
        value, last_id = cursor
        if value is None:
            nulls = WhereRaw(f"{name} IS NULL AND invoice.id {op} {{}}", last_id)
            return [nulls] if nulls_last else [nulls, known]
        # (a, b) > (x, y): one range of the (vendor, [status,] column, id) index on both engines.
        later = WhereRaw(f"({name}, invoice.id) {op} ({{}}, {{}})", value, last_id)
        return [later, unknown] if nullable and nulls_last else [later]

    def _branch(self, where: Combinable, limit: int):
        return Invoice.select(Invoice.id, self.column).where(where).order_by(
            self.column, ascending=self.ascending).order_by(Invoice.id, ascending=self.ascending).limit(limit)

    async def _read(self, segment: Combinable | None, limit: int) -> list[tuple[int, Any]]:
        wheres = [branch & segment if segment is not None else branch for branch in self.branches]
        if len(wheres) == 1:
            rows = await self._branch(wheres[0], limit)
        else:
            # Each status's first rows from its own index, merged: at most limit rows per status are read.
            order = "ASC" if self.ascending else "DESC"
            union = " UNION ALL ".join(f"SELECT * FROM ({{}}) AS b{n}" for n in range(len(wheres)))
            name = self.column._meta.db_column_name
            sql = QueryString(f"{union} ORDER BY {name} {order}, id {order} LIMIT {{}}",
                              *[self._branch(w, limit).querystrings[0] for w in wheres], limit)
            rows = await engine().run_querystring(sql)
        name = self.column._meta.name
        return [(row["id"], row[name]) for row in rows]

    async def after(self, cursor: tuple[Any, int] | None, limit: int) -> list[tuple[int, Any]]:
        """Up to `limit` (id, sort value) pairs following the cursor (from the start without one)."""
        out: list[tuple[int, Any]] = []
        for segment in self._segments(cursor):
            out += await self._read(segment, limit - len(out))
            if len(out) >= limit:
                break
        return out

    async def cursor(self, invoice_id: int | None) -> tuple[Any, int] | None:
        """The place of one of the vendor's invoices in this order, or None (gone, or another vendor's)."""
        if invoice_id is None:
            return None
        row = await Invoice.select(self.column).where(
            (Invoice.id == invoice_id) & (Invoice.vendor == self.vendor_id)).first()
        return (row[self.column._meta.name], invoice_id) if row else None


async def _page(walk: _Walk, query: ListQuery, pages: int, matching: int,
                where: Combinable) -> tuple[list[int], int, bool, bool, ListQuery]:
    """The page's ids, its number, whether pages come before and after it, and the query as served."""
    before = await walk.cursor(query.before)
    if before is not None:
        found = await walk.reverse().after(before, PER_PAGE + 1)
        if len(found) > PER_PAGE:
            ids = [invoice_id for invoice_id, _ in reversed(found[:PER_PAGE])]
            return ids, max(2, min(query.page, pages)), True, True, query
        query = replace(query, before=None, page=1)  # Previous reached the start: the first page
    after = await walk.cursor(query.after)
    if after is None and (query.after or query.before):
        query = replace(query, after=None, before=None, page=1)  # another vendor's invoice, or one deleted since
    if after is None and query.page >= pages > 1:
        # The last page (a typed page number past the end, or "page=N" of the last): read backwards from the end.
        found = await walk.reverse().after(None, matching - (pages - 1) * PER_PAGE)
        return [i for i, _ in reversed(found)], pages, True, False, replace(query, after=None)
    if after is None and query.page > 1:
        return await _typed_page(walk, query, pages, where)
    found = await walk.after(after, PER_PAGE + 1)
    has_next = len(found) > PER_PAGE
    page = 1 if after is None else max(2, min(query.page, pages))
    page = page if has_next or after is None else max(page, pages)
    return [i for i, _ in found[:PER_PAGE]], page, after is not None, has_next, replace(
        query, after=query.after if after else None)


async def _typed_page(walk: _Walk, query: ListQuery, pages: int,
                      where: Combinable) -> tuple[list[int], int, bool, bool, ListQuery]:
    """A page number typed into the address bar, without a cursor: by OFFSET over the index alone.

    The list's own links always carry a cursor; this keeps old links and bookmarks working.
    """
    page_ids = await Invoice.select(Invoice.id).where(where).order_by(
        walk.column, ascending=walk.ascending).order_by(Invoice.id, ascending=walk.ascending).limit(
        PER_PAGE).offset((query.page - 1) * PER_PAGE)
    return [row["id"] for row in page_ids], query.page, True, query.page < pages, query


async def iter_filtered(vendor_id: int, timezone: str, query: ListQuery, batch: int = 1000):
    """Every invoice of the filtered list in the list's order, in batches (for CSV export), by keyset."""
    today = today_for(timezone)
    base = base_where(vendor_id, query, timezone)
    walk = _Walk(vendor_id, [base & b if b is not None else base for b in _status_branches(query.status, today)],
                 *_order(query))
    cursor = None
    while True:
        found = await walk.after(cursor, batch)
        if not found:
            return
        ids = [invoice_id for invoice_id, _ in found]
        rows = await Invoice.select(
            *ROW_COLUMNS, Invoice.subtotal, Invoice.discount_total, Invoice.tax_total,
            Invoice.customer.email.as_alias("customer_email"),
        ).where(Invoice.id.is_in(ids))
        place = {invoice_id: n for n, invoice_id in enumerate(ids)}
        rows.sort(key=lambda row: place[row["id"]])
        yield rows
        cursor = found[-1][::-1]

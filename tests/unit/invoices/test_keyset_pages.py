"""Billing Invoices pages by cursor: Next and Previous walk every sort of every tab, each invoice exactly once."""

from datetime import datetime, timezone

import pytest

from app.services import clock
from app.services.invoices.listing import PER_PAGE, SORTS, STATUSES, list_invoices, parse_query
from tests.unit.invoices.list_book import write_book


@pytest.fixture
async def book(vendor, other_vendor):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    await write_book(other_vendor.vendor_id, count=30, seed=9)
    yield await write_book(vendor.vendor_id)
    clock.freeze(None)


async def _walk(vendor_id: int, **args) -> tuple[list[list[int]], list]:
    """Every page by Next, then back by Previous; the pages' ids and the last result."""
    result = await list_invoices(vendor_id, "UTC", parse_query(args))
    pages = [[row["id"] for row in result.rows]]
    assert not result.has_prev and result.page == 1
    while result.has_next:
        result = await list_invoices(vendor_id, "UTC", parse_query(
            {**args, "page": str(result.page + 1), "after": str(result.last_id)}))
        pages.append([row["id"] for row in result.rows])
        assert result.page == len(pages) and result.has_prev
    back = [[row["id"] for row in result.rows]]
    while result.has_prev:
        result = await list_invoices(vendor_id, "UTC", parse_query(
            {**args, "page": str(result.page - 1), "before": str(result.first_id)}))
        back.insert(0, [row["id"] for row in result.rows])
    assert back == pages, "Previous shows the pages Next showed"
    return pages, result


def _ordered(rows: list[dict], sort: str) -> list[int]:
    """The list's order computed in Python: missing values as the engine sorts them, ties by id."""
    from app.db import is_sqlite

    key = sort.lstrip("-")
    descending = sort.startswith("-")
    known = sorted((r for r in rows if r[key] is not None), key=lambda r: (r[key], r["id"]), reverse=descending)
    missing = sorted((r for r in rows if r[key] is None), key=lambda r: r["id"], reverse=descending)
    nulls_last = (not descending) != is_sqlite()
    return [r["id"] for r in (known + missing if nulls_last else missing + known)]


@pytest.mark.parametrize("sort", [s for key in SORTS for s in (key, "-" + key)])
@pytest.mark.parametrize("status", ["all", "outstanding", "overdue", "draft", "refunded"])
async def test_next_and_previous_walk_every_invoice_once_in_order(vendor, book, sort, status):
    from app.tables.invoices import Invoice

    pages, _ = await _walk(vendor.vendor_id, sort=sort, status=status)
    seen = [invoice_id for page in pages for invoice_id in page]
    everything = await list_invoices(vendor.vendor_id, "UTC", parse_query({"status": status}))
    assert len(seen) == everything.matching and len(set(seen)) == len(seen)
    assert all(len(page) == PER_PAGE for page in pages[:-1])
    rows = await Invoice.select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.due_date,
                                Invoice.total).where(Invoice.id.is_in(seen))
    assert seen == _ordered(rows, sort)


async def test_filters_keep_their_cursor(vendor, book):
    pages, last = await _walk(vendor.vendor_id, currency="USD", sort="total")
    assert sum(map(len, pages)) == last.matching and {row["currency"] for row in last.rows} == {"USD"}


async def test_a_cursor_of_another_vendor_or_a_gone_invoice_shows_the_first_page(vendor, other_vendor, book):
    first = await list_invoices(vendor.vendor_id, "UTC", parse_query({}))
    theirs = await list_invoices(other_vendor.vendor_id, "UTC", parse_query({}))
    for cursor in (theirs.rows[0]["id"], 10**9):
        result = await list_invoices(vendor.vendor_id, "UTC", parse_query({"after": str(cursor), "page": "3"}))
        assert [r["id"] for r in result.rows] == [r["id"] for r in first.rows] and result.page == 1


async def test_the_page_links_carry_the_cursor(vendor, book):
    first = await vendor.client.get("/invoices/table", headers={"hx-request": "true"})
    result = await list_invoices(vendor.vendor_id, "UTC", parse_query({}))
    assert f'/invoices/table?page=2&amp;after={result.last_id}"' in first.text and 'rel="prev"' not in first.text
    second = await vendor.client.get(f"/invoices/table?page=2&after={result.last_id}",
                                     headers={"hx-request": "true", "hx-current-url": "http://x/invoices"})
    assert second.headers["hx-replace-url"] == f"/invoices?page=2&after={result.last_id}"
    assert "26–50 of" in second.text and 'rel="prev"' in second.text and "before=" in second.text


async def test_a_typed_page_number_still_opens_that_page(vendor, book):
    pages, _ = await _walk(vendor.vendor_id)
    typed = await list_invoices(vendor.vendor_id, "UTC", parse_query({"page": "2"}))
    assert [r["id"] for r in typed.rows] == pages[1] and typed.has_prev and typed.has_next
    assert [r["id"] for r in (await list_invoices(vendor.vendor_id, "UTC", parse_query({"page": "99"}))).rows] == pages[-1]


async def test_credit_notes_page_by_cursor(vendor, book):
    from app.services.invoices import credit_listing
    from app.tables.credits import CreditNote

    invoice_id = book[0]
    customer = (await list_invoices(vendor.vendor_id, "UTC", parse_query({}))).rows[0]["customer_id"]
    await CreditNote.insert(*[CreditNote(vendor=vendor.vendor_id, invoice=invoice_id, customer=customer,
                                         number=f"CN-{n:03d}", mode="amount", currency="USD", reason="Refund",
                                         request_key=f"k{n}")
                              for n in range(credit_listing.PAGE * 2 + 5)])
    first = await vendor.client.get("/invoices/credit-notes/table", headers={"hx-request": "true"})
    newest = (await credit_listing.list_credit_notes(vendor.vendor_id)).rows
    assert newest[0]["number"] == "CN-104" and 'rel="prev"' not in first.text
    assert f'after={newest[-1]["id"]}"' in first.text
    pages, page = [], await credit_listing.list_credit_notes(vendor.vendor_id)
    pages.append(page.rows)
    while page.has_next:
        page = await credit_listing.list_credit_notes(vendor.vendor_id, after=page.rows[-1]["id"])
        pages.append(page.rows)
    assert [len(p) for p in pages] == [50, 50, 5] and page.has_prev
    back = await credit_listing.list_credit_notes(vendor.vendor_id, before=pages[2][0]["id"])
    assert back.rows == pages[1] and back.has_prev and back.has_next
    top = await credit_listing.list_credit_notes(vendor.vendor_id, before=pages[1][0]["id"])
    assert top.rows == pages[0] and not top.has_prev

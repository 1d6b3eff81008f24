"""The Billing Invoices list: status tabs with counts, search, sort, pages, totals per currency, CSV."""

import asyncio
import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from app.services import clock, vendor_data
from app.services.invoices.lifecycle import mark_paid, send_invoice, void_invoice
from app.services.invoices.listing import PER_PAGE, ListQuery, list_invoices, parse_query
from app.tables.invoices import Invoice
from tests.unit.invoices import factories


@pytest.fixture
async def book(vendor):
    """Invoices in every state, two currencies, judged on June 15, 2026 (UTC)."""
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    v = vendor.vendor_id
    acme = await factories.customer(v, "Acme Corp", "ap@acme.test")
    tokyo = await factories.customer(v, "Tokyo Tea", "kaikei@tokyotea.test", "JPY")
    ids = {}
    ids["draft"] = await factories.invoice(v, acme.id, issue_date="2026-06-01")
    ids["sent"] = await factories.invoice(v, acme.id, issue_date="2026-06-10", terms="net_30",
                                          lines=[("Work", "1", "150.00", "0")])
    ids["overdue"] = await factories.invoice(v, acme.id, issue_date="2026-05-01", terms="net_7",
                                             lines=[("Old work", "1", "99.50", "0")])
    ids["paid"] = await factories.invoice(v, acme.id, issue_date="2026-05-20", lines=[("Paid work", "3", "10", "0")])
    ids["void"] = await factories.invoice(v, acme.id, issue_date="2026-05-21")
    ids["yen"] = await factories.invoice(v, tokyo.id, issue_date="2026-06-02", currency="JPY", terms="net_60",
                                         lines=[("Sencha", "4", "1250", "0")])
    for key in ("sent", "overdue", "paid", "void", "yen"):
        await send_invoice(v, ids[key], "manual")
    await mark_paid(v, ids["paid"], date(2026, 6, 12), "cash")
    await void_invoice(v, ids["void"], "Duplicate")
    yield ids
    clock.freeze(None)


async def _result(vendor, **args):
    return await list_invoices(vendor.vendor_id, "UTC", parse_query(args))


async def test_tab_counts(vendor, book):
    result = await _result(vendor)
    assert result.counts == {"all": 6, "draft": 1, "outstanding": 3, "overdue": 1, "paid": 1, "void": 1,
                             "refunded": 0}


@pytest.mark.parametrize("status,keys", [
    ("draft", {"draft"}), ("outstanding", {"sent", "overdue", "yen"}), ("overdue", {"overdue"}),
    ("paid", {"paid"}), ("void", {"void"}), ("refunded", set()),
])
async def test_status_filters(vendor, book, status, keys):
    result = await _result(vendor, status=status)
    assert {row["id"] for row in result.rows} == {book[k] for k in keys}


async def test_totals_per_currency_of_the_filtered_list(vendor, book):
    result = await _result(vendor, status="outstanding")
    assert [(t["currency"], t["total"], t["n"]) for t in result.totals] == [("JPY", 5000, 1), ("USD", 24950, 2)]
    page = await vendor.client.get("/invoices/table?status=outstanding")
    assert "¥5,000" in page.text and "$249.50" in page.text


async def test_currency_and_paid_from_filters(vendor, book):
    assert [r["id"] for r in (await _result(vendor, currency="jpy")).rows] == [book["yen"]]
    assert [r["id"] for r in (await _result(vendor, status="paid", paid_from="2026-06-01")).rows] == [book["paid"]]
    assert (await _result(vendor, status="paid", paid_from="2026-06-13")).rows == []


@pytest.mark.parametrize("q,key", [("INV-2026-0002", "overdue"), ("tokyo", "yen"), ("kaikei@", "yen"),
                                   ("99.50", "overdue"), ("5000", "yen"), ("$150", "sent")])
async def test_search_by_number_customer_and_amount(vendor, book, q, key):
    assert [r["id"] for r in (await _result(vendor, q=q)).rows] == [book[key]]


async def test_search_treats_wildcards_literally(vendor, book):
    assert (await _result(vendor, q="%")).rows == []


async def test_sorting(vendor, book):
    by_total = [r["total"] for r in (await _result(vendor, sort="total", currency="USD")).rows]
    assert by_total == sorted(by_total)
    by_issue = [r["issue_date"] for r in (await _result(vendor)).rows]
    assert by_issue == sorted(by_issue, reverse=True)
    due = [r["due_date"] for r in (await _result(vendor, sort="due_date", status="outstanding")).rows]
    assert due == sorted(due)


async def test_pagination(vendor):
    c = await factories.customer(vendor.vendor_id)
    for day in range(1, PER_PAGE + 4):
        await factories.invoice(vendor.vendor_id, c.id, issue_date=f"2026-01-{day:02d}")
    first = await _result(vendor)
    last = await _result(vendor, page="2")
    assert len(first.rows) == PER_PAGE and len(last.rows) == 3 and first.pages == 2
    assert not {r["id"] for r in first.rows} & {r["id"] for r in last.rows}
    assert (await _result(vendor, page="99")).page == 2  # past the end: the last page


def test_bad_parameters_fall_back_to_defaults():
    query = parse_query({"status": "bogus", "currency": "ZZZ", "sort": "password", "page": "-3",
                         "paid_from": "yesterday"})
    assert query == ListQuery()


async def test_list_refreshes_live_and_has_details_buttons(vendor, book):
    page = await vendor.client.get("/invoices")
    assert 'hx-trigger="sse:invoice-changed delay:300ms"' in page.text
    assert f'href="/invoices/{book["sent"]}"' in page.text and ">Details</a>" in page.text
    assert 'aria-current="page">All <span class="count">6</span>' in page.text


async def test_counts_follow_changes(vendor, book):
    assert (await _result(vendor)).counts["paid"] == 1
    await mark_paid(vendor.vendor_id, book["sent"], date(2026, 6, 15), "cash")
    assert (await _result(vendor)).counts["paid"] == 2


async def test_csv_export_of_the_filtered_list(vendor, book):
    response = await vendor.client.get("/invoices/export.csv?status=outstanding&sort=total")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # Sorted by amount in minor units, as the list is: ¥5,000 < $99.50 < $150.00.
    assert [(r["Number"], r["Status"], r["Currency"], r["Total"]) for r in rows] == [
        ("INV-2026-0005", "Sent", "JPY", "5000"), ("INV-2026-0002", "Overdue", "USD", "99.50"),
        ("INV-2026-0001", "Sent", "USD", "150.00")]


async def test_csv_neutralises_formulas(vendor):
    c = await factories.customer(vendor.vendor_id, name="=HYPERLINK(\"http://evil\")")
    await factories.invoice(vendor.vendor_id, c.id)
    text = (await vendor.client.get("/invoices/export.csv")).text
    assert re.search(r"'=HYPERLINK", text)


async def test_rendered_table_follows_every_change(vendor, book):
    before = await vendor.client.get("/invoices/table?status=paid")
    assert before.text.count('<tr id="invoice-') == 1
    await vendor.post(f"/invoices/{book['sent']}/mark-paid", {"paid_on": "2026-06-15", "method": "cash"})
    after = await vendor.client.get("/invoices/table?status=paid")
    assert after.text.count('<tr id="invoice-') == 2 and '<span class="count">2</span>' in after.text


async def test_renamed_customer_shows_in_the_list_at_once(vendor, book):
    assert "Acme Corporation Ltd" not in (await vendor.client.get("/invoices/table")).text
    form = {"name": "Acme Corporation Ltd", "email": "ap@acme.test", "currency": "USD"}
    acme_id = (await Invoice.select(Invoice.customer).where(Invoice.id == book["sent"]).first())["customer"]
    assert (await vendor.post(f"/customers/{acme_id}", form)).is_success
    table = (await vendor.client.get("/invoices/table")).text
    assert "Acme Corporation Ltd" in table


async def test_a_change_made_outside_the_app_shows_within_the_snapshot_ttl(vendor, book, monkeypatch):
    monkeypatch.setattr(vendor_data, "SNAPSHOT_TTL", 0.2)
    assert (await vendor.client.get("/invoices/table?status=void")).text.count('<tr id="invoice-') == 1
    # Another tool voids an invoice straight in the database: no announcement reaches this process.
    await Invoice.update({Invoice.status: "void", Invoice.updated_at: clock.utcnow() + timedelta(seconds=1)}).where(
        Invoice.id == book["sent"])
    await asyncio.sleep(0.25)
    assert (await vendor.client.get("/invoices/table?status=void")).text.count('<tr id="invoice-') == 2

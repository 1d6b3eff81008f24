"""The statement: opening + invoices - payments - credits + refunds + adjustments = closing, and a statement ending
today closes on the balance the vendor's customer page shows; the same figures in the page, the CSV and the PDF."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, timezone

import pytest

from app.services.clock import today_for
from app.tables.portal import PortalRequest
from app.tables.vendors import Vendor
from tests import factories
from tests.factories import Line
from tests.unit.portal.helpers import credit, pay, portal_client_for, refund, sent_invoice


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
async def fresh_throttle():
    await PortalRequest.delete(force=True)


@pytest.fixture
async def history(vendor):
    v = vendor.vendor_id
    email = f"{uuid.uuid4().hex[:8]}@northwind.example"
    customer = await factories.insert_customer(v, "Northwind Traders", email)
    a, token = await sent_invoice(v, customer.id, "INV-A", 300_00, issued=date(2026, 10, 5))
    first = await pay(v, a, 250_00, at=at("2026-10-20"))
    await pay(v, a, 50_00, at=at("2026-11-02"))
    await credit(v, a, customer.id, 50_00, "CN-A", at=at("2026-11-03"))
    await refund(v, a, first, 50_00, at=at("2026-11-04"))
    b, _ = await sent_invoice(v, customer.id, "INV-B", 200_00, issued=date(2026, 11, 1))
    await pay(v, b, 80_00, at=at("2026-11-15"))
    c, _ = await sent_invoice(v, customer.id, "INV-C", 150_00, issued=date(2026, 11, 20))
    await credit(v, c, customer.id, 30_00, "CN-C", at=at("2026-11-25"))
    await factories.insert_invoice(v, customer.id, [Line("Not sent", 1, 999_00)], status="draft")
    await factories.insert_invoice(v, customer.id, [Line("Voided", 1, 777_00)], status="void", number="INV-V",
                                   issue_date=date(2026, 11, 5))
    await sent_invoice(v, customer.id, "INV-EUR", 500_00, currency="EUR", issued=date(2026, 11, 6))
    return customer, token, email


async def test_the_statement_adds_up_and_ends_on_the_balance_the_vendor_sees(vendor, other_client, history):
    customer, token, email = history
    await portal_client_for(other_client, token, email)
    today = today_for("UTC").isoformat()
    page = await other_client.get(f"/portal/statement?start=2026-11-01&end={today}&currency=USD")
    assert page.status_code == 200
    figures = dict(re.findall(r'data-testid="statement-(\w+)">([^<]+)<', page.text.replace("&minus;", "-")))
    assert figures == {"opening": "$50.00", "invoices": "$350.00", "payments": "-$130.00",
                       "credits": "-$80.00", "refunds": "$50.00", "adjustments": "$0.00", "closing": "$240.00"}
    assert "INV-V" not in page.text and "Not sent" not in page.text and "INV-EUR" not in page.text
    # 50 + 350 - 130 - 80 + 50 + 0 = 240: what the vendor's customer page and the portal's balance say is due.
    # CN-A (3 Nov) left INV-A 50 paid beyond its total until the refund (4 Nov): an adjustment, then its end.
    vendor_page = await vendor.client.get(f"/customers/{customer.id}")
    assert "$240.00" in vendor_page.text
    home = await other_client.get("/portal")
    assert re.search(r'data-testid="balance-USD">\$240.00<', home.text)
    assert re.search(r'data-testid="balance-EUR">€500.00<', home.text)

    rows = list(csv.reader(io.StringIO((await other_client.get(
        f"/portal/statement.csv?start=2026-11-01&end={today}&currency=USD")).text)))
    assert rows[0] == ["Date", "Type", "Reference", "Description", "Amount", "Balance", "Currency"]
    assert rows[1][:2] == ["2026-11-01", "Opening balance"] and rows[1][5] == "50.00"
    assert rows[-1][1] == "Closing balance" and rows[-1][5] == "240.00"
    entries = rows[2:-6]
    assert [r[1] for r in entries] == ["Invoice", "Payment", "Credit", "Adjustment", "Refund", "Adjustment",
                                       "Payment", "Invoice", "Credit"]
    assert [r[3] for r in entries if r[1] == "Adjustment"] == ["Paid beyond what INV-A asks",
                                                                "Ends the earlier adjustment on INV-A"]
    assert entries[-1][5] == "240.00"  # the running balance lands on the closing balance
    pdf = await other_client.get(f"/portal/statement.pdf?start=2026-11-01&end={today}&currency=USD")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]


async def test_a_range_in_the_past_closes_where_the_next_one_opens(other_client, history):
    _, token, email = history
    await portal_client_for(other_client, token, email)
    rows = list(csv.reader(io.StringIO((await other_client.get(
        "/portal/statement.csv?start=2026-10-01&end=2026-11-10&currency=USD")).text)))
    assert rows[1][5] == "0.00" and rows[-1][5] == "200.00"  # 300 + 200 - 300 - 50 + 50
    later = list(csv.reader(io.StringIO((await other_client.get(
        "/portal/statement.csv?start=2026-11-11&end=2026-11-30&currency=USD")).text)))
    assert later[1][5] == "200.00" and later[-1][5] == "240.00"  # 200 + 150 - 80 - 30


async def test_bad_dates_get_field_errors_in_place(other_client, history):
    _, token, email = history
    await portal_client_for(other_client, token, email)
    swapped = await other_client.get("/portal/statement?start=2026-11-30&end=2026-11-01")
    assert swapped.status_code == 422 and "The last day must be on or after the first day." in swapped.text
    garbage = await other_client.get("/portal/statement?start=2026-13-45&end=tomorrow&currency=XXX")
    assert garbage.status_code == 422
    assert "Enter the first day as YYYY-MM-DD." in garbage.text and "Enter the last day as YYYY-MM-DD." in garbage.text
    assert "Choose one of the currencies" in garbage.text
    assert (await other_client.get("/portal/statement.csv?start=2026-11-30&end=2026-11-01")).status_code == 404


async def test_statement_days_are_the_vendors_days(vendor, other_client):
    await Vendor.update({Vendor.timezone: "Asia/Tokyo"}).where(Vendor.id == vendor.vendor_id)
    email = f"{uuid.uuid4().hex[:8]}@tokyo.example"
    customer = await factories.insert_customer(vendor.vendor_id, "Tokyo Tea", email)
    invoice_id, token = await sent_invoice(vendor.vendor_id, customer.id, "INV-T", 100_00, issued=date(2026, 11, 30))
    # 23:30 UTC on 30 November is 1 December, 08:30 in Tokyo: the payment belongs to December's statement.
    await pay(vendor.vendor_id, invoice_id, 40_00, at=datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc))
    await portal_client_for(other_client, token, email)
    november = list(csv.reader(io.StringIO((await other_client.get(
        "/portal/statement.csv?start=2026-11-01&end=2026-11-30&currency=USD")).text)))
    assert [r[1] for r in november[2:-6]] == ["Invoice"] and november[-1][5] == "100.00"
    december = list(csv.reader(io.StringIO((await other_client.get(
        "/portal/statement.csv?start=2026-12-01&end=2026-12-31&currency=USD")).text)))
    assert december[1][5] == "100.00" and december[2][:2] == ["2026-12-01", "Payment"] and december[-1][5] == "60.00"

"""Receivables ageing per customer and revenue by customer, per currency, each vendor seeing only its own."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from app.services import clock
from app.services.invoices.lifecycle import mark_paid, send_invoice
from app.services.payments.refunds import begin_refund
from app.tables.invoices import Invoice
from app.tables.payments import Payment
from tests import factories
from tests.factories import Line

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


async def _open(vendor_id: int, customer_id: int, amount: int, days_late: int | None, currency: str = "USD",
                status: str = "sent", number: str = "", **fields) -> Invoice:
    due = None if days_late is None else TODAY - timedelta(days=days_late)
    return await factories.insert_invoice(vendor_id, customer_id, [Line("Work", 1, amount)], status=status,
                                          currency=currency, due_date=due, number=number or uuid.uuid4().hex[:8],
                                          **fields)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_open_balances_fall_in_their_bucket_by_due_date(vendor):
    ann = await factories.insert_customer(vendor.vendor_id, "Ann Arbor", "ann@example.com")
    bob = await factories.insert_customer(vendor.vendor_id, "Bob Baker", "bob@example.com")
    await _open(vendor.vendor_id, ann.id, 1_000, None, number="A-NODUE")  # due on receipt: current
    await _open(vendor.vendor_id, ann.id, 2_000, 0, number="A-TODAY")  # due today: current
    await _open(vendor.vendor_id, ann.id, 3_000, 1, number="A-1")
    await _open(vendor.vendor_id, ann.id, 4_000, 30, number="A-30")
    await _open(vendor.vendor_id, ann.id, 5_000, 31, number="A-31")
    await _open(vendor.vendor_id, ann.id, 6_000, 90, number="A-90")
    await _open(vendor.vendor_id, ann.id, 7_000, 91, number="A-91")
    await _open(vendor.vendor_id, ann.id, 500, 200, currency="JPY", number="A-JPY")
    await _open(vendor.vendor_id, bob.id, 9_000, 45, status="partially_paid", number="B-PART", amount_due=4_000)
    await _open(vendor.vendor_id, bob.id, 8_000, 45, status="paid", number="B-PAID")  # settled: not listed
    await _open(vendor.vendor_id, bob.id, 8_000, 45, status="draft", number="B-DRAFT")
    await _open(vendor.vendor_id, bob.id, 8_000, 45, status="void", number="B-VOID")

    page = (await vendor.client.get("/reports/ageing")).text
    assert "Accounts receivable ageing" in page and 'aria-current="page">Receivables ageing' in page
    rows = _csv((await vendor.client.get("/reports/ageing.csv")).text)
    buckets = {r["Invoice"]: (r["Bucket"], r["Amount due"], r["Currency"]) for r in rows}
    assert buckets == {
        "A-NODUE": ("Current", "10.00", "USD"), "A-TODAY": ("Current", "20.00", "USD"),
        "A-1": ("1–30 days", "30.00", "USD"), "A-30": ("1–30 days", "40.00", "USD"),
        "A-31": ("31–60 days", "50.00", "USD"), "A-90": ("61–90 days", "60.00", "USD"),
        "A-91": ("Over 90 days", "70.00", "USD"), "A-JPY": ("Over 90 days", "500", "JPY"),
        "B-PART": ("31–60 days", "40.00", "USD"),
    }
    assert [r["Customer"] for r in rows] == ["Ann Arbor"] * 8 + ["Bob Baker"]
    # The USD total row: every bucket, JPY never added in.
    assert "$30.00" in page and "$280.00" in page and "¥500" in page and "$320.00" in page


async def test_revenue_by_customer_is_invoiced_less_credits_and_received_less_refunds(vendor):
    ann = await factories.customer(vendor.vendor_id, "Ann Arbor", "ann@example.com")
    kenji = await factories.customer(vendor.vendor_id, "Kenji", "kenji@example.com", currency="JPY")
    usd = await factories.invoice(vendor.vendor_id, ann.id, issue_date="2026-11-02",
                                  lines=[("Work", "1", "100.00", "10")])
    jpy = await factories.invoice(vendor.vendor_id, kenji.id, issue_date="2026-11-03", currency="JPY",
                                  lines=[("Work", "1", "5000", "10")])
    old = await factories.invoice(vendor.vendor_id, ann.id, issue_date="2026-10-02", lines=[("Old", "1", "50.00", "0")])
    for invoice_id in (usd, jpy, old):
        await send_invoice(vendor.vendor_id, invoice_id, "manual")
    await mark_paid(vendor.vendor_id, old, date(2026, 11, 5), "cash")  # October's invoice paid in November
    await mark_paid(vendor.vendor_id, usd, date(2026, 11, 6), "cash", amount=6_000)
    payment = await Payment.objects().where(Payment.invoice == usd).first()
    await begin_refund(vendor.vendor_id, usd, payment.id, 1_000, "requested_by_customer", "", uuid.uuid4().hex)
    await mark_paid(vendor.vendor_id, jpy, date(2026, 11, 7), "cash")

    params = {"kind": "month", "year": "2026", "month": "11"}
    rows = {(r["Customer"], r["Currency"]): r for r in _csv((await vendor.client.get("/reports/revenue.csv",
                                                                                        params=params)).text)}
    assert rows[("Ann Arbor", "USD")] | {} == {"Period": "November 2026", "Customer": "Ann Arbor", "Currency": "USD",
                                              "Invoiced": "110.00", "Credited": "0.00", "Net invoiced": "110.00",
                                              "Received": "100.00"}
    assert (rows[("Kenji", "JPY")]["Invoiced"], rows[("Kenji", "JPY")]["Received"]) == ("5500", "5500")
    page = (await vendor.client.get("/reports/revenue", params=params)).text
    assert "Revenue by customer, November 2026" in page and "¥5,500" in page and "$110.00" in page
    october = _csv((await vendor.client.get("/reports/revenue.csv", params={**params, "month": "10"})).text)
    assert [(r["Customer"], r["Invoiced"], r["Received"]) for r in october] == [("Ann Arbor", "50.00", "0.00")]
    bad = await vendor.client.get("/reports/revenue", params={**params, "kind": "week"})
    assert "Choose a month, a quarter or a year." in bad.text


async def test_another_vendors_receivables_and_revenue_never_show(vendor, other_vendor):
    theirs = await factories.insert_customer(other_vendor.vendor_id, "Their Client", "t@example.com")
    await _open(other_vendor.vendor_id, theirs.id, 5_000, 10, number="THEIRS-1")
    await factories.insert_invoice(other_vendor.vendor_id, theirs.id, [Line("Work", 1, 5_000)], status="sent",
                                   issue_date=date(2026, 11, 3), number="THEIRS-2")
    params = {"kind": "month", "year": "2026", "month": "11"}
    for url in ("/reports/ageing", "/reports/revenue?kind=month&year=2026&month=11"):
        assert "Their Client" not in (await vendor.client.get(url)).text
        assert "Their Client" in (await other_vendor.client.get(url)).text
    assert _csv((await vendor.client.get("/reports/ageing.csv")).text) == []
    assert _csv((await vendor.client.get("/reports/revenue.csv", params=params)).text) == []
    assert "Nothing is owed" in (await vendor.client.get("/reports/ageing")).text

"""The tax report: its totals are the sum of the documents it covers, on accrual and cash basis, USD and JPY."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pypdfium2
import pytest

from app.money import to_major
from app.services import clock
from app.services.invoices.credit_notes import CreditForm, issue_credit_note
from app.services.invoices.lifecycle import mark_paid, send_invoice, void_invoice
from app.services.payments.refunds import begin_refund
from app.tables.credits import CreditNote, CreditNoteLine
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.payments import Payment
from app.tables.vendors import Vendor
from tests import factories

NOV = {"kind": "month", "year": "2026", "month": "11"}
# (description, quantity, unit price as typed, tax rate): two rates, amounts that halve exactly in both currencies.
LINES = {"USD": [("Design", "2", "150.00", "19"), ("Books", "1", "40.00", "7"), ("Export", "1", "10.00", "0")],
         "JPY": [("Design", "2", "15000", "10"), ("Food", "1", "4000", "8")]}


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


async def _sent(vendor_id: int, customer_id: int, currency: str, issue: str, discount: str = "0") -> Invoice:
    invoice_id = await factories.invoice(vendor_id, customer_id, issue_date=issue, currency=currency,
                                         lines=LINES[currency], discount=discount)
    await send_invoice(vendor_id, invoice_id, "manual")
    return await Invoice.objects().get(Invoice.id == invoice_id)


async def _report(client, **params) -> list[dict[str, str]]:
    response = await client.get("/reports/tax.csv", params={**NOV, **params})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _total(rows: list[dict[str, str]], currency: str) -> dict[str, str]:
    return next(r for r in rows if r["Currency"] == currency and r["Tax rate"] == "Total")


async def _documents(vendor_id: int, currency: str) -> tuple[list[Invoice], list[CreditNote]]:
    """What the November report must cover: sent invoices issued in November, credit notes issued in it."""
    invoices = await Invoice.objects().where(
        (Invoice.vendor == vendor_id) & (Invoice.currency == currency) & Invoice.status.not_in(["draft", "void"])
        & (Invoice.issue_date >= date(2026, 11, 1)) & (Invoice.issue_date < date(2026, 12, 1)))
    notes = await CreditNote.objects().where((CreditNote.vendor == vendor_id) & (CreditNote.currency == currency))
    return invoices, notes


@pytest.mark.parametrize("currency", ["USD", "JPY"])
async def test_accrual_totals_equal_the_invoices_less_the_credit_notes(vendor, currency):
    c = await factories.customer(vendor.vendor_id, currency=currency)
    first = await _sent(vendor.vendor_id, c.id, currency, "2026-11-03", discount="10")
    await _sent(vendor.vendor_id, c.id, currency, "2026-11-28")
    await _sent(vendor.vendor_id, c.id, currency, "2026-10-31")  # October: not covered
    await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-11-10", currency=currency,
                            lines=LINES[currency])  # a draft: not covered
    voided = await _sent(vendor.vendor_id, c.id, currency, "2026-11-12")
    await void_invoice(vendor.vendor_id, voided.id, "Sent by mistake")
    line = (await InvoiceLine.objects().where(InvoiceLine.invoice == first.id).order_by(InvoiceLine.position))[0]
    await issue_credit_note(vendor.vendor_id, first.id, CreditForm(
        mode="lines", quantities={line.id: "1"}, reason="One design returned", request_key=uuid.uuid4().hex))

    invoices, notes = await _documents(vendor.vendor_id, currency)
    assert len(invoices) == 2 and len(notes) == 1
    total = _total(await _report(vendor.client), currency)
    tax = sum(i.tax_total for i in invoices) - sum(n.tax_total for n in notes)
    taxable = sum(i.subtotal - i.discount_total for i in invoices) - sum(n.subtotal - n.discount_total for n in notes)
    assert Decimal(total["Net tax"]) == to_major(tax, currency)
    assert Decimal(total["Net taxable amount"]) == to_major(taxable, currency)
    assert Decimal(total["Credited tax"]) == to_major(notes[0].tax_total, currency) > 0

    # Per rate: the invoice lines' taxes at that rate, less the credit note lines' at that rate.
    rows = [r for r in await _report(vendor.client) if r["Currency"] == currency and r["Tax rate"] != "Total"]
    ids = [i.id for i in invoices]
    for row in rows:
        rate = Decimal(row["Tax rate"].rstrip("%"))
        lines = await InvoiceLine.objects().where(InvoiceLine.invoice.is_in(ids) & (InvoiceLine.tax_rate == rate))
        credit = await CreditNoteLine.objects().where(
            CreditNoteLine.credit_note.is_in([n.id for n in notes]) & (CreditNoteLine.tax_rate == rate))
        expected = sum(x.tax_amount for x in lines) - sum(x.tax_amount for x in credit)
        assert Decimal(row["Net tax"]) == to_major(expected, currency), row
    assert {r["Tax rate"] for r in rows} == {f"{t}%" for *_, t in LINES[currency]}


@pytest.mark.parametrize("currency", ["USD", "JPY"])
async def test_cash_totals_are_the_share_of_each_invoice_received_refunds_subtracted(vendor, currency):
    c = await factories.customer(vendor.vendor_id, currency=currency)
    half = await _sent(vendor.vendor_id, c.id, currency, "2026-10-03")  # issued in October, half paid in November
    full = await _sent(vendor.vendor_id, c.id, currency, "2026-11-02")  # paid in full, then a quarter refunded
    await _sent(vendor.vendor_id, c.id, currency, "2026-11-05")  # unpaid: no tax on cash basis
    october = await _sent(vendor.vendor_id, c.id, currency, "2026-10-01")
    await mark_paid(vendor.vendor_id, october.id, date(2026, 10, 30), "cash")  # paid in October: not covered
    await mark_paid(vendor.vendor_id, half.id, date(2026, 11, 10), "bank_transfer", amount=half.total // 2)
    await mark_paid(vendor.vendor_id, full.id, date(2026, 11, 11), "bank_transfer")
    payment = await Payment.objects().where(Payment.invoice == full.id).first()
    await begin_refund(vendor.vendor_id, full.id, payment.id, full.total // 4, "requested_by_customer", "",
                       uuid.uuid4().hex)

    total = _total(await _report(vendor.client, basis="cash"), currency)
    # The amounts halve and quarter exactly, so each share is exact: half of one, three quarters of the other.
    assert Decimal(total["Tax"]) == to_major(half.tax_total // 2 + full.tax_total * 3 // 4, currency)
    assert Decimal(total["Taxable amount"]) == to_major(
        (half.total - half.tax_total) // 2 + (full.total - full.tax_total) * 3 // 4, currency)
    received = half.total // 2 + full.total - full.total // 4
    assert Decimal(total["Tax"]) + Decimal(total["Taxable amount"]) == to_major(received, currency)

    october_cash = _total(await _report(vendor.client, basis="cash", month="10"), currency)
    assert Decimal(october_cash["Tax"]) == to_major(october.tax_total, currency)


async def test_a_share_is_rounded_once_half_up(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-11-02",
                                         lines=[("Work", "1", "100.00", "19")])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    await mark_paid(vendor.vendor_id, invoice_id, date(2026, 11, 3), "cash", amount=5_000)  # of 119.00
    total = _total(await _report(vendor.client, basis="cash"), "USD")
    # 50.00 x 19.00 / 119.00 = 7.983... -> 7.98; 50.00 x 100.00 / 119.00 = 42.016... -> 42.02
    assert (total["Tax"], total["Taxable amount"]) == ("7.98", "42.02")


async def test_periods_are_days_in_the_vendors_zone(vendor):
    await Vendor.update({Vendor.timezone: "Pacific/Kiritimati"}).where(Vendor.id == vendor.vendor_id)
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-10-20",
                                         lines=[("Work", "1", "100.00", "10")])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    # Paid on November 1 (at noon, UTC+14), which is still October 31 in UTC.
    await mark_paid(vendor.vendor_id, invoice_id, date(2026, 11, 1), "cash")
    paid_at = (await Payment.objects().where(Payment.invoice == invoice_id).first()).paid_at
    assert paid_at.astimezone(timezone.utc).date() == date(2026, 10, 31)
    assert _total(await _report(vendor.client, basis="cash"), "USD")["Tax"] == "10.00"
    assert not [r for r in await _report(vendor.client, basis="cash", month="10") if r["Currency"] == "USD"]


async def test_the_page_the_form_errors_and_the_pdf(vendor):
    c = await factories.customer(vendor.vendor_id, currency="JPY")
    await _sent(vendor.vendor_id, c.id, "JPY", "2026-11-03")
    page = (await vendor.client.get("/reports", params={"kind": "quarter", "year": "2026", "quarter": "4"})).text
    assert "Tax report, Q4 2026" in page and 'data-rate="10%"' in page and "¥3,000" in page
    assert 'aria-current="page">Reports</a>' in page
    bad = await vendor.client.get("/reports", params={"kind": "month", "year": "20x6", "month": "13"})
    assert bad.status_code == 200
    assert "Enter a year from 2000 to 2100." in bad.text and "Choose a month." in bad.text
    assert 'id="f-year" name="year" inputmode="numeric" size="5" maxlength="4" value="20x6"' in bad.text
    odd = await vendor.client.get("/reports", params={"kind": "quarter", "year": "²", "quarter": "٣"})
    assert "Enter a year from 2000 to 2100." in odd.text and "Choose a quarter." in odd.text
    again = await vendor.client.get("/reports/tax.csv", params={"year": "x"}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/reports?")
    pdf = await vendor.client.get("/reports/tax.pdf", params={**NOV, "basis": "accrual"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="tax-report-2026-11-accrual.pdf"' in pdf.headers["content-disposition"]
    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Tax report November 2026" in text and "JPY" in text and "¥3,000" in text


async def test_another_vendors_documents_never_show(vendor, other_vendor):
    c = await factories.customer(other_vendor.vendor_id, name="Their Client")
    theirs = await _sent(other_vendor.vendor_id, c.id, "USD", "2026-11-03")
    await mark_paid(other_vendor.vendor_id, theirs.id, date(2026, 11, 4), "cash")
    for basis in ("accrual", "cash"):
        assert await _report(vendor.client, basis=basis) == []
        assert _total(await _report(other_vendor.client, basis=basis), "USD")["Tax"] != "0.00"
    page = (await vendor.client.get("/reports", params=NOV)).text
    assert "Nothing in November 2026" in page

"""Credit notes: own numbers, by lines or by amount within limits, the balance they reduce, the excess refunded
through Stripe once or kept as the customer's credit and applied to the next invoice; tab, CSV, PDF."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from datetime import date, datetime, timezone

import pypdfium2
import pytest

from app.services import clock
from app.services.invoices.credit_notes import CreditForm, CreditInvalid, apply_credit, issue_credit_note
from app.services.invoices.lifecycle import mark_paid
from app.tables.credits import CreditNote, CustomerCredit
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.mail import OutboxMessage
from app.tables.payments import Payment, Refund
from app.tables.vendors import Vendor
from tests import factories
from tests.factories import Line
from tests.unit.payments.conftest import connect_vendor, deliver, session_id_of
from app.services.payments.checkout import start_checkout
from app.services.payments.links import create_payment_link


@pytest.fixture(autouse=True)
def frozen_year():
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


async def _sent(vendor_id: int, lines=None, currency: str = "USD", customer=None) -> Invoice:
    customer = customer or await factories.insert_customer(vendor_id, "Pat Customer", "pat@example.com")
    lines = lines or [Line("Design", 3, 10_000, 10), Line("Hosting", 1, 2_500, 0)]
    return await factories.insert_invoice(vendor_id, customer.id, lines, status="sent", currency=currency,
                                          issue_date=date(2026, 6, 1), number=f"INV-{customer.id}-{len(lines)}", sent_method="manual")


async def _lines(invoice_id: int) -> list[InvoiceLine]:
    return await InvoiceLine.objects().where(InvoiceLine.invoice == invoice_id).order_by(InvoiceLine.position)


async def _get(invoice_id: int) -> Invoice:
    return await Invoice.objects().get(Invoice.id == invoice_id)


RUN = uuid.uuid4().hex[:8]  # form keys are unique across the database, as the browser's random ones are


def _form(key: str, **values) -> CreditForm:
    return CreditForm(request_key=f"{key}-{RUN}", reason=values.pop("reason", "Damaged goods"), **values)


async def test_numbers_follow_their_own_sequence_and_stay_unique_under_concurrency(vendor):
    invoices = [await _sent(vendor.vendor_id) for _ in range(6)]
    notes = await asyncio.gather(*(issue_credit_note(vendor.vendor_id, inv.id, _form(f"k{n}", mode="amount",
                                                                                       amount="1.00"))
                                   for n, inv in enumerate(invoices)))
    assert sorted(n.number for n in notes) == [f"CN-2026-{n:04d}" for n in range(1, 7)]
    # Invoice numbers are untouched by credit notes.
    assert (await Vendor.select(Vendor.next_invoice_seq).first())["next_invoice_seq"] >= 1


async def test_the_pattern_is_set_in_settings_beside_the_invoice_pattern(vendor):
    page = (await vendor.client.get("/settings")).text
    assert 'name="credit_note_number_pattern"' in page and "CN-2026-0001" in page
    form = {"name": "Acme Ltd", "timezone": "UTC", "default_currency": "USD", "invoice_prefix": "INV-",
            "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4"}
    bad = await vendor.post("/settings/profile", {**form, "credit_note_number_pattern": "CR-{year}"})
    assert bad.status_code == 422 and "must contain {seq}" in bad.text
    good = await vendor.post("/settings/profile", {**form, "credit_note_number_pattern": "CR/{year}/{seq:03}"})
    assert good.status_code == 200, good.text
    invoice = await _sent(vendor.vendor_id)
    note = await issue_credit_note(vendor.vendor_id, invoice.id, _form("p1", mode="amount", amount="5"))
    assert note.number == "CR/2026/001"


async def test_by_lines_cannot_over_credit_and_errors_show_in_place(vendor):
    invoice = await _sent(vendor.vendor_id)
    design, hosting = await _lines(invoice.id)
    url = f"/invoices/{invoice.id}/credit-notes"
    dialog = await vendor.client.get(url + "/new", headers={"HX-Request": "true"})
    key = re.search(r'name="request_key" value="([^"]+)"', dialog.text).group(1)
    too_many = await vendor.post(url, {"mode": "lines", f"qty_{design.id}": "4", "reason": "Broken",
                                       "request_key": key})
    assert too_many.status_code == 422 and "At most 3 of this line can still be credited." in too_many.text
    assert 'aria-invalid="true"' in too_many.text and await CreditNote.count().where(CreditNote.invoice == invoice.id) == 0
    no_reason = await vendor.post(url, {"mode": "lines", f"qty_{design.id}": "1", "reason": "", "request_key": key})
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    ok = await vendor.post(url, {"mode": "lines", f"qty_{design.id}": "1", "reason": "Broken", "request_key": key})
    assert ok.status_code < 300 and ok.headers.get("hx-redirect") == f"/invoices/{invoice.id}"
    note = await CreditNote.objects().where(CreditNote.invoice == invoice.id).first()
    assert (note.subtotal, note.tax_total, note.total) == (10_000, 1_000, 11_000)
    after = await _get(invoice.id)
    assert (after.amount_credited, after.amount_due, after.status) == (11_000, invoice.total - 11_000, "sent")
    # Only 2 of the line are left, and a second click of the same form makes no second note.
    again = await vendor.post(url, {"mode": "lines", f"qty_{design.id}": "1", "reason": "Broken", "request_key": key})
    assert again.status_code < 300 and await CreditNote.count().where(CreditNote.invoice == invoice.id) == 1
    left = await vendor.post(url, {"mode": "lines", f"qty_{design.id}": "2.5", "reason": "x", "request_key": "k2" + RUN})
    assert "At most 2 of this line" in left.text, re.findall(r"field-error[^<]*<", left.text)


async def test_by_amount_is_limited_to_the_total_less_credits_and_taxes_go_in_proportion(vendor):
    invoice = await _sent(vendor.vendor_id)  # 30,000 + 3,000 tax + 2,500 = 35,500
    with pytest.raises(CreditInvalid) as refused:
        await issue_credit_note(vendor.vendor_id, invoice.id, _form("a1", mode="amount", amount="355.01"))
    assert refused.value.errors == {"amount": "At most $355.00 of this invoice can still be credited."}
    note = await issue_credit_note(vendor.vendor_id, invoice.id, _form("a2", mode="amount", amount="100"))
    assert note.tax_total == round(10_000 * 3_000 / 35_500) and note.total == 10_000
    rest = await issue_credit_note(vendor.vendor_id, invoice.id, _form("a3", mode="amount", amount="255"))
    assert note.tax_total + rest.tax_total == invoice.tax_total
    after = await _get(invoice.id)
    assert (after.amount_due, after.amount_credited, after.status) == (0, 35_500, "paid")
    activity = await InvoiceActivity.select(InvoiceActivity.message).where(
        (InvoiceActivity.invoice == invoice.id) & (InvoiceActivity.kind == "credited"))
    assert "credited in full" in activity[-1]["message"]
    with pytest.raises(CreditInvalid):
        await issue_credit_note(vendor.vendor_id, invoice.id, _form("a4", mode="amount", amount="0.01"))


async def test_drafts_and_void_invoices_cannot_be_credited(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    draft = await factories.insert_invoice(vendor.vendor_id, customer.id, [Line("x", 1, 100)])
    response = await vendor.post(f"/invoices/{draft.id}/credit-notes",
                                 {"mode": "amount", "amount": "1", "reason": "x", "request_key": "d1" + RUN})
    assert response.status_code == 422 and "A draft invoice cannot be credited." in response.text


async def test_a_line_credited_in_parts_adds_up_to_the_line(vendor):
    invoice = await _sent(vendor.vendor_id, [Line("Hours", "1.5", 101, "8.25")])
    (line,) = await _lines(invoice.id)
    first = await issue_credit_note(vendor.vendor_id, invoice.id, _form("h1", quantities={line.id: "0.5"}))
    second = await issue_credit_note(vendor.vendor_id, invoice.id, _form("h2", quantities={line.id: "0.5"}))
    last = await issue_credit_note(vendor.vendor_id, invoice.id, _form("h3", quantities={line.id: "0.5"}))
    assert first.total + second.total + last.total == invoice.total
    assert (await _get(invoice.id)).amount_due == 0


async def test_kept_credit_is_applied_to_the_customers_next_invoice(vendor):
    customer = await factories.insert_customer(vendor.vendor_id, "Kim", "kim@example.com")
    first = await _sent(vendor.vendor_id, customer=customer)
    await mark_paid(vendor.vendor_id, first.id, date(2026, 6, 10), "bank_transfer")
    with pytest.raises(CreditInvalid) as asked:
        await issue_credit_note(vendor.vendor_id, first.id, _form("c1", mode="amount", amount="50"))
    assert "choose to refund it or keep it" in asked.value.errors["excess"]
    note = await issue_credit_note(vendor.vendor_id, first.id, _form("c1", mode="amount", amount="50", excess="keep"))
    paid = await _get(first.id)
    assert (note.amount_kept, paid.amount_due, paid.status, paid.needs_attention) == (5_000, 0, "paid", False)
    second = await _sent(vendor.vendor_id, [Line("More", 1, 8_000)], customer=customer)
    header = await vendor.client.get(f"/invoices/{second.id}/header", headers={"HX-Request": "true"})
    assert "Apply credit" in header.text
    over = await vendor.post(f"/invoices/{second.id}/apply-credit", {"amount": "60", "request_key": "ap1" + RUN})
    assert over.status_code == 422 and "Enter an amount from $0.01 to $50.00." in over.text
    ok = await vendor.post(f"/invoices/{second.id}/apply-credit", {"amount": "50", "request_key": "ap1" + RUN})
    assert ok.status_code < 300 and ok.headers.get("hx-redirect") == f"/invoices/{second.id}"
    await vendor.post(f"/invoices/{second.id}/apply-credit", {"amount": "50", "request_key": "ap1" + RUN})  # same form
    after = await _get(second.id)
    assert (after.amount_credited, after.amount_due, after.status) == (5_000, 3_000, "sent")
    assert sum(r.amount for r in await CustomerCredit.objects().where(CustomerCredit.customer == customer.id)) == 0
    with pytest.raises(CreditInvalid):
        await apply_credit(vendor.vendor_id, second.id, "1", "ap2" + RUN)  # nothing left


async def test_another_vendors_invoice_or_note_is_not_found(vendor, other_vendor):
    invoice = await _sent(vendor.vendor_id)
    note = await issue_credit_note(vendor.vendor_id, invoice.id, _form("o1", mode="amount", amount="1"))
    assert (await other_vendor.client.get(f"/invoices/credit-notes/{note.id}/pdf")).status_code == 404
    response = await other_vendor.post(f"/invoices/{invoice.id}/credit-notes",
                                       {"mode": "amount", "amount": "1", "reason": "x", "request_key": "o2" + RUN})
    assert response.status_code == 404
    assert note.number not in (await other_vendor.client.get("/invoices/credit-notes")).text


async def test_tab_search_csv_pdf_and_email(vendor):
    # The seller's legal details print on a credit note as on the invoice.
    await Vendor.update({Vendor.address: "Hauptstr. 1\n10115 Berlin", Vendor.vat_id: "DE136695976"}).where(
        Vendor.id == vendor.vendor_id)
    invoice = await _sent(vendor.vendor_id)
    note = await issue_credit_note(vendor.vendor_id, invoice.id, _form("t1", mode="amount", amount="12.34",
                                                                       reason="Late delivery"))
    page = (await vendor.client.get("/invoices/credit-notes")).text
    assert note.number in page and 'aria-current="page">Credit notes' in page
    miss = await vendor.client.get("/invoices/credit-notes/table?q=nothing-like-it", headers={"HX-Request": "true"})
    assert note.number not in miss.text and "No credit notes match" in miss.text
    hit = await vendor.client.get("/invoices/credit-notes/table?q=late", headers={"HX-Request": "true"})
    assert note.number in hit.text
    rows = list(csv.DictReader(io.StringIO((await vendor.client.get("/invoices/credit-notes/export.csv")).text)))
    assert [(r["Number"], r["Invoice"], r["Total"]) for r in rows] == [(note.number, invoice.number, "12.34")]
    invoices_csv = list(csv.DictReader(io.StringIO((await vendor.client.get("/invoices/export.csv")).text)))
    assert next(r for r in invoices_csv if r["Invoice id"] == str(invoice.id))["Credited"] == "12.34"
    pdf = pypdfium2.PdfDocument((await vendor.client.get(f"/invoices/credit-notes/{note.id}/pdf")).content)
    text = pdf[0].get_textpage().get_text_range()
    assert "CREDIT NOTE" in text and note.number in text and invoice.number in text and "$12.34" in text
    assert "10115 Berlin" in text and "VAT ID DE136695976" in text
    panel = await vendor.client.get(f"/invoices/{invoice.id}/credit-notes", headers={"HX-Request": "true"})
    assert note.number in panel.text
    sent = await vendor.post(f"/invoices/credit-notes/{note.id}/email", {"nonce": "n1"})
    assert sent.status_code == 200
    message = await OutboxMessage.objects().where(OutboxMessage.credit_note_id == note.id).first()
    assert message.credit_note_id == note.id and message.to == "pat@example.com" and note.number in message.subject
    await vendor.post(f"/invoices/credit-notes/{note.id}/email", {"nonce": "n1"})
    assert await OutboxMessage.count().where(OutboxMessage.credit_note_id == note.id) == 1


async def test_dashboard_shows_credits_and_paid_net_of_kept_credit(vendor):
    invoice = await _sent(vendor.vendor_id, [Line("Work", 1, 10_000)])
    await mark_paid(vendor.vendor_id, invoice.id, date(2026, 6, 10), "bank_transfer")
    await issue_credit_note(vendor.vendor_id, invoice.id, _form("dash", mode="amount", amount="25", excess="keep"))
    figures = (await vendor.client.get("/dashboard/figures", headers={"HX-Request": "true"})).text
    paid = figures.split('id="dashboard-figure-paid"')[1].split("</div>")[0]
    assert "$75.00" in paid  # $100 received, $25 of it now the customer's credit
    credited = figures.split('id="dashboard-figure-credited"')[1].split("</div>")[0]
    assert "$25.00" in credited and "1 credit note" in credited

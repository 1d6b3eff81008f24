"""Quotes: editor errors, numbering under concurrency, the customer's page (view, accept, decline, expiry in the
vendor's zone), conversion copying every line exactly, views not counted for the vendor's preview, isolation."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pypdfium2
import pytest

from app.services.api import webhooks
from app.services.clock import freeze
from app.services.quotes import editor, lifecycle
from app.services.quotes.pdf import acceptance_text, load_quote_document
from app.tables.api import WebhookDelivery
from app.tables.invoices import Instalment, Invoice, InvoiceActivity, InvoiceLine
from app.tables.mail import OutboxMessage
from app.tables.payments import PaymentLink
from app.tables.quotes import Quote, QuoteActivity, QuoteLine
from app.tables.vendors import Vendor
from tests import factories

LINES = [("Design sprint", "2.5", "1200.00", "20"), ("Hosting, 12 months", "12", "19.99", "0"),
         ("Workshop", "1", "850.50", "7.5")]


def _form(customer_id: int, **values) -> dict:
    data = {"customer": str(customer_id), "currency": "EUR", "issue_date": "2026-12-01",
            "expiry_date": "2026-12-31", "discount": "10", "notes": "Prices valid for this project only.",
            "footer": "Thank you", "line_description": [l[0] for l in LINES],
            "line_quantity": [l[1] for l in LINES], "line_unit_price": [l[2] for l in LINES],
            "line_tax_rate": [l[3] for l in LINES]}
    data.update(values)
    return data


async def _quote(vendor_id: int, customer_id: int, **values) -> int:
    draft = editor.QuoteDraft(**{
        "customer": str(customer_id), "currency": "EUR", "issue_date": "2026-12-01", "expiry_date": "2026-12-31",
        "discount": "10", "notes": "Prices valid for this project only.", "footer": "Thank you",
        "lines": [{"description": d, "quantity": q, "unit_price": p, "tax_rate": t} for d, q, p, t in LINES],
        **values})
    clean = await editor.check_quote(vendor_id, "UTC", draft)
    return await editor.create_quote(vendor_id, clean)


async def _sent(vendor_id: int, customer_id: int, **values) -> Quote:
    quote_id = await _quote(vendor_id, customer_id, **values)
    await lifecycle.send_quote(vendor_id, quote_id, lifecycle.QuoteSendForm(
        to="jane@example.com", subject="Your quote", message="Hello"))
    return await Quote.objects().where(Quote.id == quote_id).first()


@pytest.fixture(autouse=True)
def _frozen_clock():
    freeze(datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc))
    yield
    freeze(None)


async def test_new_quote_through_the_form_then_sent_with_its_link(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    response = await vendor.post("/quotes/new", _form(customer.id))
    assert response.status_code == 200 and response.headers["hx-redirect"].startswith("/quotes/")
    quote = await Quote.objects().where(Quote.vendor == vendor.vendor_id).first()
    assert quote.status == "draft" and quote.number is None and quote.expiry_date == date(2026, 12, 31)
    page = await vendor.client.get(f"/quotes/{quote.id}")
    assert page.status_code == 200 and "Send quote" in page.text
    response = await vendor.post(f"/quotes/{quote.id}/send", {"to": "jane@example.com", "subject": "Your quote",
                                                              "message": "Hello Jane", "nonce": "n1"})
    assert response.status_code in (200, 303), response.text
    quote = await Quote.objects().where(Quote.id == quote.id).first()
    assert quote.status == "sent" and quote.number == "QUO-2026-0001"
    message = await OutboxMessage.objects().where(OutboxMessage.vendor == vendor.vendor_id).first()
    assert message.kind == "quote" and message.to == "jane@example.com"
    assert f"http://127.0.0.1:8000/quote/{quote.token}" in message.text
    listing = await vendor.client.get("/quotes")
    assert "QUO-2026-0001" in listing.text and 'data-status="sent"' in listing.text


async def test_bad_input_gets_field_errors_and_saves_nothing(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    response = await vendor.post("/quotes/new", _form(customer.id, expiry_date="2026-11-01", currency="XXQ",
                                                      line_quantity=["-1", "12", "1"]))
    assert response.status_code == 422
    assert "The quote cannot expire before its date." in response.text
    assert "is not a currency we know" in response.text
    assert 'id="line-0-quantity-error"' in response.text
    response = await vendor.post("/quotes/new", _form(customer.id, expiry_date="not a date"))
    assert response.status_code == 422 and "Enter the date the quote expires" in response.text
    assert await Quote.count().where(Quote.vendor == vendor.vendor_id) == 0
    quote_id = await _quote(vendor.vendor_id, customer.id)
    response = await vendor.post(f"/quotes/{quote_id}/send", {"to": "not-an-address", "subject": ""})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text and "Enter a subject." in response.text
    assert (await Quote.objects().where(Quote.id == quote_id).first()).status == "draft"
    assert await OutboxMessage.count().where(OutboxMessage.vendor == vendor.vendor_id) == 0


async def test_numbers_under_concurrency_are_unique_and_consecutive(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    ids = [await _quote(vendor.vendor_id, customer.id) for _ in range(12)]
    form = lifecycle.QuoteSendForm(to="jane@example.com", subject="Quote", message="Hi")
    numbers = await asyncio.gather(*(lifecycle.send_quote(vendor.vendor_id, i, form) for i in ids))
    assert sorted(numbers) == [f"QUO-2026-{n:04}" for n in range(1, 13)]
    created = await asyncio.gather(*(_quote(vendor.vendor_id, customer.id) for _ in range(8)))
    assert len(set(created)) == 8
    more = await asyncio.gather(*(lifecycle.send_quote(vendor.vendor_id, i, form) for i in created))
    assert sorted(more) == [f"QUO-2026-{n:04}" for n in range(13, 21)]
    # Invoices keep their own sequence.
    assert (await Vendor.select(Vendor.next_invoice_seq).where(Vendor.id == vendor.vendor_id).first())[
        "next_invoice_seq"] == 1


async def test_customer_page_counts_views_but_the_vendor_preview_does_not(vendor, other_client):
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    preview = await vendor.client.get(f"/quotes/{quote.id}/preview")
    assert preview.status_code == 200 and "Preview." in preview.text and "not counted as a view" in preview.text
    assert "Accept quote" not in preview.text
    assert (await Quote.objects().where(Quote.id == quote.id).first()).view_count == 0
    for _ in range(3):
        page = await other_client.get(f"/quote/{quote.token}")
        assert page.status_code == 200 and "Accept quote" in page.text and "Preview." not in page.text
    quote = await Quote.objects().where(Quote.id == quote.id).first()
    assert quote.status == "viewed" and quote.view_count == 3 and quote.first_viewed_at <= quote.last_viewed_at
    views = await QuoteActivity.count().where((QuoteActivity.quote == quote.id) & (QuoteActivity.kind == "viewed"))
    assert views == 1
    listing = await vendor.client.get("/quotes?status=viewed")
    assert quote.number in listing.text and 'data-status="viewed"' in listing.text
    assert (await other_client.get("/quote/not-a-real-token")).status_code == 404


async def test_pay_page_view_is_recorded_once_in_the_activity(vendor, other_client):
    customer = await factories.insert_customer(vendor.vendor_id)
    invoice = await factories.insert_invoice(vendor.vendor_id, customer.id, status="sent", total=5000,
                                             number="INV-2026-0001")
    await PaymentLink(vendor=vendor.vendor_id, invoice=invoice.id, token="tok-viewed-test-0123456789").save()
    await vendor.client.get(f"/invoices/{invoice.id}")  # the vendor's own page counts nothing
    for _ in range(2):
        assert (await other_client.get("/pay/tok-viewed-test-0123456789")).status_code == 200
    row = await Invoice.objects().where(Invoice.id == invoice.id).first()
    assert row.view_count == 2 and row.first_viewed_at is not None
    assert await InvoiceActivity.count().where(
        (InvoiceActivity.invoice == invoice.id) & (InvoiceActivity.kind == "viewed")) == 1
    listing = await vendor.client.get("/invoices")
    assert "Viewed" in listing.text


async def test_accept_records_name_time_and_address_and_prints_them(vendor, other_client):
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    page = await other_client.get(f"/quote/{quote.token}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    empty = await other_client.post(f"/quote/{quote.token}/accept", data={"name": "  ", "_csrf_token": token})
    assert empty.status_code == 422 and "Type your full name to accept." in empty.text
    response = await other_client.post(f"/quote/{quote.token}/accept", data={"name": "Jane  Doe", "_csrf_token": token},
                                       follow_redirects=False)
    assert response.status_code == 303, response.text
    quote = await Quote.objects().where(Quote.id == quote.id).first()
    assert quote.status == "accepted" and quote.accepted_name == "Jane Doe" and quote.accepted_address
    assert quote.accepted_at == datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)
    text = acceptance_text(await load_quote_document(vendor.vendor_id, quote.id))
    assert text.startswith("Accepted by Jane Doe on") and quote.accepted_address in text
    pdf = await vendor.client.get(f"/quotes/{quote.id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    printed = " ".join(pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range().split())
    assert "QUOTE" in printed and quote.number in printed and "Design sprint" in printed
    assert "Accepted by Jane Doe on Dec 10, 2026" in printed and quote.accepted_address in printed
    customer_pdf = await other_client.get(f"/quote/{quote.token}/quote.pdf")
    assert customer_pdf.status_code == 200 and "Accepted by Jane Doe" in pypdfium2.PdfDocument(
        customer_pdf.content)[0].get_textpage().get_text_range()
    again = await other_client.post(f"/quote/{quote.token}/decline", data={"reason": "", "_csrf_token": token})
    assert again.status_code == 409 and "already accepted" in again.text


async def test_decline_with_a_reason(vendor, other_client):
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    declined = await lifecycle.decline_quote(quote.token, "  Too expensive for this year  ")
    assert declined.status == "declined" and declined.decline_reason == "Too expensive for this year"
    assert declined.declined_at is not None
    with pytest.raises(Exception, match="already declined"):
        await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    page = await other_client.get(f"/quote/{quote.token}")
    assert "You declined this quote" in page.text and "Accept quote" not in page.text
    with pytest.raises(lifecycle.QuoteFormError):
        await lifecycle.decline_quote((await _sent(vendor.vendor_id, customer.id)).token, "x" * 2001)


async def test_expiry_is_judged_in_the_vendors_time_zone(vendor, other_client):
    await Vendor.update({Vendor.timezone: "Pacific/Auckland"}).where(Vendor.id == vendor.vendor_id)
    customer = await factories.insert_customer(vendor.vendor_id)
    freeze(datetime(2026, 12, 9, 9, 0, tzinfo=timezone.utc))
    quote = await _sent(vendor.vendor_id, customer.id, issue_date="2026-12-01", expiry_date="2026-12-10")
    # 10:59 UTC on Dec 10 is 23:59 on Dec 10 in Auckland (UTC+13): still valid that day.
    freeze(datetime(2026, 12, 10, 10, 59, tzinfo=timezone.utc))
    assert "Accept quote" in (await other_client.get(f"/quote/{quote.token}")).text
    # 11:00 UTC is already Dec 11 in Auckland, while still Dec 10 in UTC: expired for this vendor.
    freeze(datetime(2026, 12, 10, 11, 0, tzinfo=timezone.utc))
    page = await other_client.get(f"/quote/{quote.token}")
    assert "can no longer be accepted" in page.text and "Accept quote" not in page.text
    with pytest.raises(Exception, match="expired"):
        await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    assert (await Quote.objects().where(Quote.id == quote.id).first()).status == "viewed"
    listing = await vendor.client.get("/quotes?status=expired")
    assert quote.number in listing.text and 'data-status="expired"' in listing.text


async def test_conversion_copies_every_line_exactly_with_a_deposit(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    with pytest.raises(Exception, match="accepted"):
        await lifecycle.convert_quote(vendor.vendor_id, quote.id)
    await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    bad = await vendor.post(f"/quotes/{quote.id}/convert", {"deposit": "130"})
    assert bad.status_code == 422 and "Enter a deposit percent" in bad.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0
    response = await vendor.post(f"/quotes/{quote.id}/convert", {"deposit": "30"})
    assert response.status_code == 200 and response.headers["hx-redirect"].startswith("/invoices/")
    quote = await Quote.objects().where(Quote.id == quote.id).first()
    invoice = await Invoice.objects().where(Invoice.id == quote.invoice).first()
    assert quote.status == "converted" and invoice.customer == customer.id
    for field in ("currency", "discount_percent", "notes", "footer", "subtotal", "discount_total", "tax_total",
                  "total"):
        assert getattr(invoice, field) == getattr(quote, field), field
    quote_lines = await QuoteLine.select().where(QuoteLine.quote == quote.id).order_by(QuoteLine.position)
    invoice_lines = await InvoiceLine.select().where(InvoiceLine.invoice == invoice.id).order_by(InvoiceLine.position)
    keys = ("position", "description", "quantity", "unit_price", "tax_rate", "line_total", "tax_amount")
    assert [{k: q[k] for k in keys} for q in quote_lines] == [{k: i[k] for k in keys} for i in invoice_lines]
    assert len(invoice_lines) == 3 and invoice_lines[0]["quantity"] == Decimal("2.5")
    instalments = await Instalment.select().where(Instalment.invoice == invoice.id).order_by(Instalment.position)
    assert [i["percent"] for i in instalments] == [Decimal(30), Decimal(70)]
    assert sum(i["amount"] for i in instalments) == invoice.total
    assert instalments[0]["amount"] == (invoice.total * 30 + 50) // 100
    assert await InvoiceActivity.exists().where((InvoiceActivity.invoice == invoice.id)
                                                & (InvoiceActivity.message == f"From quote {quote.number}."))
    page = await vendor.client.get(f"/quotes/{quote.id}")
    assert "Converted to" in page.text and f"/invoices/{invoice.id}" in page.text
    invoice_page = await vendor.client.get(f"/invoices/{invoice.id}")
    assert f"From quote {quote.number}" in invoice_page.text
    with pytest.raises(Exception, match="already been converted"):
        await lifecycle.convert_quote(vendor.vendor_id, quote.id)


async def test_auto_convert_on_acceptance(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    response = await vendor.post("/quotes/settings", {"auto_convert": "on"})
    assert response.status_code in (200, 303)
    quote = await _sent(vendor.vendor_id, customer.id)
    accepted = await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    assert accepted.status == "converted" and accepted.invoice is not None


async def test_csv_export_and_search(vendor):
    customer = await factories.insert_customer(vendor.vendor_id, name="Northwind Traders")
    quote = await _sent(vendor.vendor_id, customer.id)
    await _quote(vendor.vendor_id, customer.id)
    csv = await vendor.client.get("/quotes/export.csv?status=open")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = csv.text.strip().splitlines()
    assert rows[0].startswith("Number,Customer") and len(rows) == 2 and rows[1].startswith(quote.number)
    found = await vendor.client.get("/quotes/table?q=northwind", headers={"hx-request": "true"})
    assert found.text.count('id="quote-') == 2
    none = await vendor.client.get("/quotes/table?q=zzz-nothing", headers={"hx-request": "true"})
    assert "No quotes match" in none.text


async def test_another_vendors_quote_ids_answer_404(vendor, other_vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    for path in ("", "/edit", "/pdf", "/preview", "/header", "/side"):
        response = await other_vendor.client.get(f"/quotes/{quote.id}{path}", headers={"hx-request": "true"})
        assert response.status_code == 404, path
    for path, data in (("/edit", _form(customer.id)), ("/send", {"to": "a@b.co", "subject": "x"}),
                       ("/convert", {"deposit": ""})):
        response = await other_vendor.post(f"/quotes/{quote.id}{path}", data)
        assert response.status_code == 404, path
    assert (await Quote.objects().where(Quote.id == quote.id).first()).status == "accepted"
    assert "QUO-" not in (await other_vendor.client.get("/quotes")).text


async def test_searching_estimate_on_invoices_points_to_quotes(vendor):
    response = await vendor.client.get("/invoices/table?q=estimate", headers={"hx-request": "true"})
    assert "Looking for quotes (estimates)?" in response.text and 'href="/quotes"' in response.text
    response = await vendor.client.get("/invoices/table?q=acme", headers={"hx-request": "true"})
    assert "Looking for quotes" not in response.text
    page = await vendor.client.get("/invoices")
    assert '<a href="/quotes">Quotes</a>' in page.text


async def test_quote_pattern_in_settings(vendor):
    profile = {"name": "Acme Ltd", "timezone": "UTC", "default_currency": "USD", "invoice_prefix": "INV-",
               "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4",
               "credit_note_number_pattern": "CN-{year}-{seq}"}
    bad = await vendor.post("/settings/profile", {**profile, "quote_number_pattern": "EST-{year}"})
    assert bad.status_code == 422 and "The pattern must contain {seq}" in bad.text
    page = await vendor.client.get("/settings")
    assert "QUO-2026-0001" in page.text
    saved = await vendor.post("/settings/profile", {**profile, "quote_number_pattern": "EST/{year}/{seq:03}"})
    assert saved.status_code == 200
    customer = await factories.insert_customer(vendor.vendor_id)
    assert (await _sent(vendor.vendor_id, customer.id)).number == "EST/2026/001"


async def test_a_customer_with_quotes_is_archived_not_deleted(vendor):
    customer = await factories.insert_customer(vendor.vendor_id)
    await _quote(vendor.vendor_id, customer.id)
    response = await vendor.post(f"/customers/{customer.id}/delete")
    assert response.status_code == 422 and "This customer has quotes" in response.text
    assert await Quote.exists().where(Quote.customer == customer.id)


async def test_acceptance_is_announced_to_webhook_endpoints(vendor):
    endpoint, _ = await webhooks.create_endpoint(vendor.vendor_id, "https://hooks.example.com/payport", ["quote.accepted"])
    customer = await factories.insert_customer(vendor.vendor_id)
    quote = await _sent(vendor.vendor_id, customer.id)
    assert not await WebhookDelivery.exists().where(WebhookDelivery.endpoint == endpoint.id)  # sending is not accepting
    await lifecycle.accept_quote(quote.token, "Jane Doe", "127.0.0.1")
    deliveries = await WebhookDelivery.select().where(WebhookDelivery.endpoint == endpoint.id)
    assert [d["event_type"] for d in deliveries] == ["quote.accepted"]
    body = json.loads(deliveries[0]["payload"])["data"]["object"]
    assert (body["object"], body["number"], body["status"], body["accepted_name"]) == (
        "quote", quote.number, "accepted", "Jane Doe")

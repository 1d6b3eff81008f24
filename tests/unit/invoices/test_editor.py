"""The editor through HTTP: drafts saved, bad input shown in place with nothing saved, editing rules."""

from unittest import mock

from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from tests.unit.invoices import factories


def form(customer_id, lines=None, **extra):
    lines = lines if lines is not None else [("Logo design", "1.5", "400.00", "20"), ("Hosting", "12", "9.99", "0"), ("Setup", "1", "50", "0")]
    data = {"customer": str(customer_id), "currency": "USD", "issue_date": "2026-04-01", "terms": "net_30",
            "discount": "0", "notes": "Thanks", "footer": "", "action": "draft", **extra}
    data["line_description"] = [d for d, *_ in lines]
    data["line_quantity"] = [q for _, q, *_ in lines]
    data["line_unit_price"] = [p for *_, p, _ in lines]
    data["line_tax_rate"] = [t for *_, t in lines]
    return data


async def test_create_draft_with_three_lines(vendor):
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post("/invoices/new", form(c.id))
    assert response.status_code == 201 and response.headers["hx-redirect"].startswith("/invoices/")
    invoice = await Invoice.objects().where(Invoice.vendor == vendor.vendor_id).first()
    assert invoice.status == "draft" and invoice.number is None
    # 1.5 x 400 = 600 + 20% tax 120; 12 x 9.99 = 119.88; 50 -> 769.88 + 120 = 889.88
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (76988, 12000, 88988)
    assert str(invoice.due_date) == "2026-05-01"
    assert await InvoiceLine.count().where(InvoiceLine.invoice == invoice.id) == 3


async def test_save_and_send_goes_to_the_send_dialog(vendor):
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post("/invoices/new", form(c.id, action="send"))
    assert response.headers["hx-redirect"].endswith("?send=1")


async def test_every_bad_field_is_shown_in_place_and_nothing_is_saved(vendor, other_vendor):
    foreign = await factories.customer(other_vendor.vendor_id)
    lines = [("", "-2", "abc", "150"), ("Huge", "99999999", "-5", "0"), ("Ok", "1.00001", "1.234", "0")]
    data = form(foreign.id, lines, currency="XYZ", terms="custom", due_date="2026-03-01", discount="120")
    response = await vendor.post("/invoices/new", data)
    assert response.status_code == 422
    text = response.text
    for message in ["Choose a customer.", "XYZ is not a currency we know", "Describe the item.",
                    "Use a quantity above 0", "Enter a price.", "Use a tax rate from 0 to 100 percent.",
                    "Use a price from 0 up to 100,000,000.", "The due date cannot be before the issue date.",
                    "Use a discount from 0 to 100 percent."]:
        assert message in text, message
    assert 'value="99999999"' in text  # what was typed comes back
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0


async def test_zero_decimal_currency_rejects_fractions(vendor):
    c = await factories.customer(vendor.vendor_id, currency="JPY")
    response = await vendor.post("/invoices/new", form(c.id, [("Tea", "3", "333.5", "10")], currency="JPY"))
    assert response.status_code == 422 and "JPY has no decimals" in response.text
    ok = await vendor.post("/invoices/new", form(c.id, [("Tea", "3", "333", "10")], currency="jpy"))
    assert ok.status_code == 201
    invoice = await Invoice.objects().where(Invoice.vendor == vendor.vendor_id).first()
    assert (invoice.currency, invoice.total) == ("JPY", 1099)
    page = await vendor.client.get(f"/invoices/{invoice.id}")
    assert "¥1,099" in page.text and "¥1,099.00" not in page.text


async def test_missing_lines_and_customer(vendor):
    data = form("", [])
    response = await vendor.post("/invoices/new", data)
    assert response.status_code == 422
    assert "Choose a customer." in response.text and "Add at least one line." in response.text


async def test_preview_computes_totals_without_saving(vendor):
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post("/invoices/preview", form(c.id, discount="10"))
    assert response.status_code == 200
    # discount 10% per line: 60 + 11.99 (11.988) + 5 = 76.99; tax 20% of 540 = 108
    assert "$889.88" not in response.text and "−$76.99" in response.text and "$800.89" in response.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0


async def test_edit_a_draft_records_activity(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    response = await vendor.post(f"/invoices/{invoice_id}/edit", form(c.id, [("Only line", "1", "10", "0")]))
    assert response.status_code == 201
    invoice = await Invoice.objects().get(Invoice.id == invoice_id)
    assert invoice.total == 1000 and invoice.version == 2
    last = await InvoiceActivity.select().where(InvoiceActivity.invoice == invoice_id).order_by(
        InvoiceActivity.id, ascending=False).first()
    assert last["kind"] == "edited" and last["message"] == "Edited: total changed from $200.00 to $10.00."


async def test_sent_invoice_with_payment_link_keeps_its_amounts(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    with mock.patch("app.services.invoices.totals.has_payment_link", return_value=_true()):
        page = await vendor.client.get(f"/invoices/{invoice_id}/edit")
        assert "Void this invoice and issue a new one" in page.text
        response = await vendor.post(f"/invoices/{invoice_id}/edit",
                                     form(c.id, [("Cheaper", "1", "1", "0")], notes="New note"))
    assert response.status_code == 201
    invoice = await Invoice.objects().get(Invoice.id == invoice_id)
    assert invoice.total == 20000 and invoice.notes == "New note"
    assert await InvoiceLine.count().where(InvoiceLine.invoice == invoice_id) == 1


async def test_sent_invoice_without_link_is_still_editable(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    await vendor.post(f"/invoices/{invoice_id}/edit", form(c.id, [("Fixed", "2", "10", "0")]))
    invoice = await Invoice.objects().get(Invoice.id == invoice_id)
    assert invoice.status == "sent" and invoice.total == 2000


async def test_paid_invoice_cannot_be_edited(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-01-01")
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    await vendor.post(f"/invoices/{invoice_id}/mark-paid", {"paid_on": "2026-01-02", "method": "cash"})
    response = await vendor.post(f"/invoices/{invoice_id}/edit", form(c.id))
    assert response.status_code == 422 and "paid and can no longer be edited" in response.text


def _true():
    async def yes(*args):
        return True
    return yes

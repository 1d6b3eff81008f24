"""What each invoice offers: Duplicate once it is out of draft (a paid one too), Resend on the list once sent."""

import re

from app.services.clock import today_for
from app.services.invoices.lifecycle import mark_paid, send_invoice
from tests import factories


async def _paid_invoice(vendor, customer_id: int) -> int:
    invoice_id = await factories.invoice(
        vendor.vendor_id, customer_id, lines=[("Logo design", "3", "250.00", "0"), ("Brand book", "1", "90.50", "0")],
        notes="Thanks for your business.")
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    await mark_paid(vendor.vendor_id, invoice_id, today_for("UTC"), "bank_transfer", "TX-1")
    return invoice_id


async def test_a_paid_invoice_offers_duplicate_into_a_new_draft(vendor):
    customer = await factories.customer(vendor.vendor_id, name="Blue Bakery")
    invoice_id = await _paid_invoice(vendor, customer.id)
    details = (await vendor.client.get(f"/invoices/{invoice_id}")).text
    assert f'href="/invoices/new?duplicate={invoice_id}">Duplicate</a>' in details
    editor = (await vendor.client.get(f"/invoices/new?duplicate={invoice_id}")).text
    assert "Logo design" in editor and "Brand book" in editor and "90.50" in editor
    assert re.search(rf'<option value="{customer.id}"[^>]*\sselected', editor), "the customer is chosen"
    assert "Thanks for your business." in editor
    assert f'value="{today_for("UTC").isoformat()}"' in editor  # a fresh issue date


async def test_duplicate_of_another_vendors_invoice_is_not_found(vendor, other_vendor):
    customer = await factories.customer(vendor.vendor_id)
    invoice_id = await _paid_invoice(vendor, customer.id)
    response = await other_vendor.client.get(f"/invoices/new?duplicate={invoice_id}")
    assert response.status_code == 404 and "Logo design" not in response.text


async def test_the_list_says_resend_on_sent_invoices_and_send_on_drafts(vendor):
    customer = await factories.customer(vendor.vendor_id, name="Acme")
    draft_id = await factories.invoice(vendor.vendor_id, customer.id)
    sent_id = await factories.invoice(vendor.vendor_id, customer.id)
    sent = await send_invoice(vendor.vendor_id, sent_id, "manual")
    table = (await vendor.client.get("/invoices")).text
    draft_row = re.search(rf'<tr id="invoice-{draft_id}-row">.*?</tr>', table, re.S).group(0)
    sent_row = re.search(rf'<tr id="invoice-{sent_id}-row">.*?</tr>', table, re.S).group(0)
    assert ">Send</button>" in draft_row and "Resend" not in draft_row
    assert ">Resend</button>" in sent_row and f'aria-label="Resend {sent.number} to Acme"' in sent_row

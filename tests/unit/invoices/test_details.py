"""Billing Invoice Details: the parts other features and the live stream rely on."""

from datetime import date

from tests import factories


async def test_details_page_slots_and_live_markers(vendor):
    c = await factories.customer(vendor.vendor_id, "Acme")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Design", "1", "100", "8.25")])
    page = (await vendor.client.get(f"/invoices/{invoice_id}")).text
    assert "Billing Invoice Details" in page and "Draft invoice" in page
    assert f'id="invoice-{invoice_id}-header"' in page
    assert f'hx-trigger="sse:invoice-changed-{invoice_id}"' in page  # header and activity refresh themselves
    assert f'id="invoice-{invoice_id}-payment-link"' in page and "Not Created" in page
    assert "Tax 8.25%" in page and "$108.25" in page and "Draft created for $108.25." in page
    header = await vendor.client.get(f"/invoices/{invoice_id}/header", headers=vendor.headers())
    assert header.text.lstrip().startswith(f'<header id="invoice-{invoice_id}-header"')


async def test_send_dialog_offers_stripe_only_when_ready(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    dialog = (await vendor.client.get(f"/invoices/{invoice_id}/send")).text
    assert 'value="stripe" disabled' in dialog
    assert "Connect Stripe in Settings to send with a payment link." in dialog
    refused = await vendor.post(f"/invoices/{invoice_id}/send", {"method": "stripe"})
    assert refused.status_code == 422 and "Connect Stripe in Settings" in refused.text


async def test_void_and_mark_paid_dialog_errors_in_place(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-01-05")
    void = await vendor.post(f"/invoices/{invoice_id}/void", {"reason": ""})
    assert void.status_code == 422 and "Give a reason for voiding the invoice." in void.text
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    paid = await vendor.post(f"/invoices/{invoice_id}/mark-paid", {"paid_on": "2026-01-01", "method": "cash"})
    assert paid.status_code == 422 and "cannot be before the issue date" in paid.text
    bad_date = await vendor.post(f"/invoices/{invoice_id}/mark-paid", {"paid_on": "soon", "method": "cash"})
    assert bad_date.status_code == 422 and "Enter the payment date." in bad_date.text


async def test_document_partial_follows_the_invoice_after_send_and_payment(vendor, other_vendor):
    c = await factories.customer(vendor.vendor_id, "Acme")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Design", "1", "100", "0")])
    draft = (await vendor.client.get(f"/invoices/{invoice_id}/document", headers=vendor.headers())).text
    assert draft.lstrip().startswith(f'<article id="invoice-{invoice_id}-document"')
    assert f'hx-trigger="sse:invoice-changed-{invoice_id}"' in draft and "<dd>Draft</dd>" in draft
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    marked = await vendor.post(f"/invoices/{invoice_id}/mark-paid",
                               {"paid_on": date.today().isoformat(), "method": "cash"})
    assert marked.status_code < 400, marked.text
    paid = (await vendor.client.get(f"/invoices/{invoice_id}/document", headers=vendor.headers())).text
    assert "<dd>Draft</dd>" not in paid and "-0001</dd>" in paid
    assert 'Amount due</dt><dd class="num due">$0.00' in paid
    assert (await other_vendor.client.get(f"/invoices/{invoice_id}/document", headers=other_vendor.headers())).status_code == 404

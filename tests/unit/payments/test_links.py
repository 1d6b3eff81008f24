"""The Online Payment Link panel: eligibility, creation (race-safe), drafts finalized, tenancy."""

from __future__ import annotations

import asyncio

from app.services.payments.links import create_payment_link
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.payments import PaymentLink
from tests.unit.payments.conftest import connect_vendor, make_invoice


async def test_without_stripe_create_is_disabled_with_the_reason(vendor):
    invoice = await make_invoice(vendor.vendor_id)
    response = await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers=vendor.headers())
    assert response.status_code == 200
    assert f'id="invoice-{invoice.id}-payment-link"' in response.text
    assert "Not Created" in response.text and "Create Payment Link" in response.text
    assert "disabled" in response.text and "Connect Stripe with card payments enabled" in response.text
    refused = await vendor.post(f"/invoices/{invoice.id}/payment-link")
    assert refused.status_code == 422 and await PaymentLink.count().where(PaymentLink.invoice == invoice.id) == 0


async def test_each_ineligible_invoice_says_why(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    cases = {"void": "is void", "paid": "already paid"}
    for status, words in cases.items():
        invoice = await make_invoice(vendor.vendor_id, status=status)
        panel = await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers=vendor.headers())
        assert words in panel.text and "disabled" in panel.text
    zero = await make_invoice(vendor.vendor_id, total=0)
    assert "total above zero" in (await vendor.client.get(f"/invoices/{zero.id}/payment-link", headers=vendor.headers())).text


async def test_create_gives_a_permanent_link_with_copy_button_and_no_delete(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    response = await vendor.post(f"/invoices/{invoice.id}/payment-link")
    assert response.status_code == 200
    link = await PaymentLink.objects().where(PaymentLink.invoice == invoice.id).first()
    assert len(link.token) >= 32  # 24 random bytes, 192 bits
    assert f"http://127.0.0.1:8000/pay/{link.token}" in response.text
    assert "Pending Payment" in response.text and "Copy Link URL" in response.text
    assert f'data-copy="#invoice-{invoice.id}-link-url"' in response.text
    for word in ("Delete", "Cancel link", "Remove"):
        assert word not in response.text
    again = await vendor.post(f"/invoices/{invoice.id}/payment-link")
    assert again.status_code == 200 and await PaymentLink.count().where(PaymentLink.invoice == invoice.id) == 1


async def test_creating_a_link_on_a_draft_finalizes_it(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    draft = await make_invoice(vendor.vendor_id, status="draft", number=None)
    await vendor.post(f"/invoices/{draft.id}/payment-link")
    invoice = await Invoice.objects().where(Invoice.id == draft.id).first()
    assert invoice.status == "sent" and invoice.sent_method == "stripe" and invoice.number.startswith("INV-")
    kinds = (
        await InvoiceActivity.select(InvoiceActivity.kind)
        .where(InvoiceActivity.invoice == draft.id)
        .output(as_list=True)
    )
    assert kinds == ["sent", "link_created"]


async def test_two_concurrent_clicks_make_one_link(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    draft = await make_invoice(vendor.vendor_id, status="draft", number=None)
    links = await asyncio.gather(*(create_payment_link(vendor.vendor_id, draft.id) for _ in range(8)))
    assert len({link.token for link in links}) == 1
    assert await PaymentLink.count().where(PaymentLink.invoice == draft.id) == 1
    sent = await InvoiceActivity.count().where((InvoiceActivity.invoice == draft.id) & (InvoiceActivity.kind == "sent"))
    assert sent == 1


async def test_another_vendors_invoice_answers_404_on_every_verb(vendor, other_vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    assert (
        await other_vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers=other_vendor.headers())
    ).status_code == 404
    assert (await other_vendor.post(f"/invoices/{invoice.id}/payment-link")).status_code == 404
    assert (await vendor.client.get("/invoices/999999/payment-link")).status_code == 404
    assert await PaymentLink.count().where(PaymentLink.invoice == invoice.id) == 0


async def test_send_with_stripe_creates_the_link_and_locks_the_amounts(vendor, sandbox):
    from app.services.invoices.lifecycle import send_invoice
    from app.services.invoices.totals import amounts_locked_reason

    await connect_vendor(vendor.vendor_id, sandbox)
    draft = await make_invoice(vendor.vendor_id, status="draft", number=None)
    sent = await send_invoice(vendor.vendor_id, draft.id, "stripe")
    assert sent.status == "sent" and sent.sent_method == "stripe" and sent.number
    assert await PaymentLink.count().where(PaymentLink.invoice == draft.id) == 1
    assert "payment link exists" in (await amounts_locked_reason(sent))


async def test_after_disconnect_a_pending_link_warns_that_online_payment_is_unavailable(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    await vendor.post(f"/invoices/{invoice.id}/payment-link")
    before = await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers={"HX-Request": "true"})
    assert "Pay charges the customer $125.00 now." in before.text
    assert "Online payment is unavailable" not in before.text
    await vendor.post("/settings/stripe/disconnect")
    after = await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers={"HX-Request": "true"})
    assert "Pending Payment" in after.text and "Waiting for the customer" not in after.text
    assert "Online payment is unavailable until Stripe is reconnected." in after.text
    assert 'href="/settings#stripe"' in after.text
    # The open invoice page refreshes the panel when the Stripe connection changes.
    assert "sse:stripe-changed" in after.text

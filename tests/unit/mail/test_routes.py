"""The HTTP side: send dialog, outbox viewer, PDF, reminder settings, and tenant isolation on every route."""

from __future__ import annotations

import re

import pytest

from app.services.mail import delivery as mail_delivery
from app.tables.invoices import Invoice
from app.tables.mail import OutboxMessage
from tests.unit.mail.conftest import make_invoice

NONCE = re.compile(r'name="nonce" value="([^"]+)"')


async def _send_form(vendor, invoice_id: int) -> dict[str, str]:
    page = await vendor.client.get(f"/invoices/{invoice_id}/send", headers={"hx-request": "true"})
    assert page.status_code == 200
    return {"to": "ap@globex.example", "cc": "", "subject": "Your invoice", "message": "Hello,\n\nSee attached.",
            "method": "manual", "attach_pdf": "on", "nonce": NONCE.search(page.text).group(1), "action": "send"}


async def test_dialog_prefills_from_the_customer_and_explains_why_stripe_is_off(vendor):
    invoice_id = await make_invoice(vendor.vendor_id, status="draft")
    page = await vendor.client.get(f"/invoices/{invoice_id}/send", headers={"hx-request": "true"})
    assert 'value="ap@globex.example"' in page.text
    assert "Invoice from Acme Ltd ($1,650.00)" in page.text
    assert "Connect Stripe in Settings to send with a payment link." in page.text
    assert re.search(r'value="stripe"[^>]*disabled', page.text)
    assert "Save as Draft" in page.text and ">Send</button>" in page.text


async def test_send_from_the_dialog_finalizes_the_draft_and_the_mail_lands_in_the_outbox(vendor):
    invoice_id = await make_invoice(vendor.vendor_id, status="draft")
    form = await _send_form(vendor, invoice_id)
    form["subject"] = "Invoice from Acme Ltd ($1,650.00)"  # the untouched default follows the new number
    response = await vendor.post(f"/invoices/{invoice_id}/send", form)
    assert response.status_code == 200 and response.headers["hx-refresh"] == "true"
    invoice = await Invoice.select().where(Invoice.id == invoice_id).first()
    assert invoice["status"] == "sent" and invoice["sent_method"] == "manual" and invoice["number"]

    delivered = await mail_delivery.deliver_due()  # account emails of earlier tests may be due too
    message_id = (await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.invoice == invoice_id).first())["id"]
    assert (message_id, "sent") in delivered
    listing = await vendor.client.get("/outbox")
    assert f"Invoice {invoice['number']} from Acme Ltd ($1,650.00)" in listing.text and "Delivered" in listing.text
    viewer = await vendor.client.get(f"/outbox/{message_id}")
    assert f'src="/outbox/{message_id}/html"' in viewer.text and 'sandbox=""' in viewer.text
    assert "See attached." in viewer.text  # the text part, shown as text
    html = await vendor.client.get(f"/outbox/{message_id}/html")
    assert html.headers["content-security-policy"].startswith("default-src 'none'")
    assert "See attached." in html.text
    pdf = await vendor.client.get(f"/outbox/{message_id}/attachment")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


async def test_bad_recipients_are_shown_in_place_and_nothing_is_sent(vendor):
    invoice_id = await make_invoice(vendor.vendor_id, status="draft")
    form = await _send_form(vendor, invoice_id)
    form.update(to="ap@globex, x", subject="")
    response = await vendor.post(f"/invoices/{invoice_id}/send", form)
    assert response.status_code == 422
    assert "ap@globex is not a valid email address." in response.text and "Enter a subject." in response.text
    assert (await Invoice.select(Invoice.status).where(Invoice.id == invoice_id).first())["status"] == "draft"
    assert not await OutboxMessage.exists().where(OutboxMessage.invoice == invoice_id)


async def test_save_as_draft_keeps_the_message_for_next_time(vendor):
    invoice_id = await make_invoice(vendor.vendor_id, status="draft")
    form = await _send_form(vendor, invoice_id)
    form.update(action="draft", subject="Kept for later", cc="boss@globex.example")
    assert (await vendor.post(f"/invoices/{invoice_id}/send", form)).status_code == 200
    page = await vendor.client.get(f"/invoices/{invoice_id}/send", headers={"hx-request": "true"})
    assert 'value="Kept for later"' in page.text and 'value="boss@globex.example"' in page.text
    assert (await Invoice.select(Invoice.status).where(Invoice.id == invoice_id).first())["status"] == "draft"
    # A fresh vendor has no other mail, so the Queued tab is empty only if the draft queued nothing.
    assert "No email is in queue right now." in (await vendor.client.get("/outbox?status=queued")).text
    assert not await OutboxMessage.exists().where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.status == "queued"))


async def test_invoice_pdf_for_the_vendor(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    response = await vendor.client.get(f"/invoices/{invoice_id}/pdf?download=true")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == 'attachment; filename="INV-2026-0001.pdf"'


async def test_failed_email_shows_retry_on_the_invoice_panel(vendor, smtp):
    smtp.fail_with = ["550 5.1.1 No such mailbox"]
    invoice_id = await make_invoice(vendor.vendor_id)
    await vendor.post(f"/invoices/{invoice_id}/send", await _send_form(vendor, invoice_id))
    await mail_delivery.deliver_due()
    panel = await vendor.client.get(f"/invoices/{invoice_id}/emails", headers=vendor.headers())
    assert "Not delivered: The mail server answered 550 5.1.1 No such mailbox" in panel.text and ">Retry</button>" in panel.text
    message_id = (await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.invoice == invoice_id).first())["id"]
    retried = await vendor.post(f"/outbox/{message_id}/retry?panel=invoice")
    assert retried.status_code == 200 and "Retrying now." in retried.text
    assert [s for _, s in await mail_delivery.deliver_due()] == ["sent"]


async def test_send_reminder_by_hand_from_the_panel(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    panel = await vendor.client.get(f"/invoices/{invoice_id}/emails", headers=vendor.headers())
    nonce = NONCE.search(panel.text).group(1)
    for _ in range(2):  # a double click
        response = await vendor.post(f"/invoices/{invoice_id}/reminders", {"nonce": nonce})
        assert response.status_code == 200 and "Reminder queued." in response.text
    assert await OutboxMessage.count().where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.kind == "reminder")) == 1


async def test_reminder_settings_save_and_errors_in_place(vendor):
    settings = await vendor.client.get("/settings")  # the section comes with the page, no second request
    assert 'id="vendor-reminders"' in settings.text and "Save reminders" in settings.text
    assert 'hx-trigger="load' not in settings.text
    bad = await vendor.post("/settings/reminders", {"enabled": "on", "when_1": "after", "days_1": "0"})
    assert bad.status_code == 422 and "Enter a number of days from 1 to 365." in bad.text
    ok = await vendor.post("/settings/reminders", {"enabled": "on", "when_1": "due", "when_2": "after", "days_2": "7"})
    assert ok.status_code == 200 and "Reminder settings saved: on the due date, 7 days after." in ok.text
    shown = await vendor.client.get("/settings/reminders", headers=vendor.headers())
    assert re.search(r'<option value="after" selected>', shown.text) and 'value="7"' in shown.text
    page = await vendor.client.get("/settings")
    assert re.search(r'<option value="after" selected>', page.text) and 'value="7"' in page.text


async def test_another_vendors_ids_answer_404_on_every_route(vendor, other_vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    await vendor.post(f"/invoices/{invoice_id}/send", await _send_form(vendor, invoice_id))
    message_id = (await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.invoice == invoice_id).first())["id"]
    await OutboxMessage.update({OutboxMessage.status: "failed"}).where(OutboxMessage.id == message_id)
    gets = [f"/invoices/{invoice_id}/send", f"/invoices/{invoice_id}/emails", f"/invoices/{invoice_id}/pdf",
            f"/outbox/{message_id}", f"/outbox/{message_id}/html", f"/outbox/{message_id}/attachment"]
    for url in gets:
        assert (await other_vendor.client.get(url)).status_code == 404, url
    posts = [(f"/invoices/{invoice_id}/send", await _send_form(vendor, invoice_id)),
             (f"/invoices/{invoice_id}/send/method", {"method": "manual"}),
             (f"/invoices/{invoice_id}/reminders", {"nonce": "x"}), (f"/outbox/{message_id}/retry", {})]
    for url, data in posts:
        assert (await other_vendor.post(url, data)).status_code == 404, url
    assert message_id not in [m for m in (await other_vendor.client.get("/outbox")).text.split() if m.isdigit()]
    assert "Your invoice" not in (await other_vendor.client.get("/outbox")).text
    row = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.id == message_id).first()
    assert row["status"] == "failed"  # the other vendor's Retry changed nothing


async def test_customer_pdf_needs_a_real_token(client):
    assert (await client.get("/pay/not-a-token/invoice.pdf")).status_code == 404


@pytest.mark.parametrize("url", ["/outbox", "/invoices/1/send", "/invoices/1/pdf", "/settings/reminders"])
async def test_routes_need_a_login(client, url):
    response = await client.get(url, follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"] == "/login"


async def test_details_page_brings_its_panels_with_it(vendor):
    """Payment link, Payments and Email panels arrive in the page; their routes only refresh them."""
    invoice_id = await make_invoice(vendor.vendor_id, status="draft")
    page = await vendor.client.get(f"/invoices/{invoice_id}")
    assert page.status_code == 200 and 'hx-trigger="load' not in page.text
    assert 'data-testid="payment-link-status">Not Created<' in page.text
    assert "No payment yet." in page.text and "No email sent for this invoice yet." in page.text
    for panel in ("payment-link", "payments", "emails"):
        refreshed = await vendor.client.get(f"/invoices/{invoice_id}/{panel}", headers=vendor.headers())
        assert refreshed.status_code == 200 and f'id="invoice-{invoice_id}-{panel}"' in refreshed.text

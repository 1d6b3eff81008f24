"""Delivery through a real SMTP server: both parts, the link, the PDF; retries; restarts; two workers."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from facturx import get_xml_from_pdf

from app.services.mail import compose
from app.services.mail import worker as mail_worker
from app.services.mail import send as invoice_email, delivery as mail_delivery
from app.services.clock import utcnow
from app.services.mail.send import SendForm
from app.tables.customers import Customer
from app.tables.invoices import InvoiceActivity
from app.tables.vendors import Vendor
from app.tables.mail import OutboxMessage
from tests.unit.mail.conftest import link_url, make_invoice


async def _activity(invoice_id: int) -> list[str]:
    rows = await InvoiceActivity.select(InvoiceActivity.kind).where(InvoiceActivity.invoice == invoice_id)
    return [r["kind"] for r in rows]


async def test_invoice_email_arrives_with_both_parts_the_link_and_the_pdf(vendor, smtp, stripe_connected):
    invoice_id = await make_invoice(vendor.vendor_id)
    state = await invoice_email.dialog_state(vendor.vendor_id, invoice_id)
    form = state["form"]
    assert form.to == "ap@globex.example" and state["stripe_ready"]
    form.method = "stripe"
    form.cc = "boss@globex.example"

    await invoice_email.send(vendor.vendor_id, invoice_id, form)
    results = await mail_delivery.deliver_due()
    link = await link_url(invoice_id)  # Send with Stripe created the payment link

    assert link.startswith("http://127.0.0.1:8000/pay/") and [status for _, status in results] == ["sent"]
    [msg] = smtp.messages
    assert msg["To"] == "ap@globex.example" and msg["Cc"] == "boss@globex.example"
    assert msg["Subject"] == "Invoice INV-2026-0001 from Acme Ltd ($1,650.00)"
    assert "Acme Ltd" in msg["From"] and msg["Reply-To"] == vendor.email
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert link in text and f'href="{link}"' in html and "Pay online" in html
    assert "$1,650.00" in text and "November 30, 2026" in text
    [pdf] = [part for part in msg.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == "INV-2026-0001.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert set(smtp.envelopes[0].rcpt_tos) == {"ap@globex.example", "boss@globex.example"}
    assert "email_sent" in await _activity(invoice_id)


async def test_manual_method_has_no_pay_link(vendor, smtp):
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    assert form.method == "manual"  # Stripe is not connected for this vendor
    await invoice_email.send(vendor.vendor_id, invoice_id, form)
    await mail_delivery.deliver_due()
    [msg] = smtp.messages
    assert await link_url(invoice_id) == ""  # no link was created
    assert "/pay/" not in msg.get_body(("plain",)).get_content()
    assert "Pay online" not in msg.get_body(("html",)).get_content()


async def test_stripe_method_is_refused_while_stripe_is_not_connected(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    form = SendForm(to="ap@globex.example", subject="Invoice", message="Hi", method="stripe")
    with pytest.raises(invoice_email.SendFormError) as caught:
        await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert "Connect Stripe" in caught.value.errors["method"]
    assert not await OutboxMessage.exists().where(OutboxMessage.invoice == invoice_id)


async def test_temporary_smtp_failure_is_retried_then_delivered(vendor, smtp, frozen):
    smtp.fail_with = ["451 4.3.0 Mailbox busy, try again later"]
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)

    assert await mail_delivery.deliver_due() == [(message_id, "queued")]
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert row["attempts"] == 1 and "451" in row["last_error"] and not smtp.messages
    assert await mail_delivery.deliver_due() == []  # not due before the backoff has passed

    frozen(row["next_attempt_at"] + timedelta(seconds=1))
    assert await mail_delivery.deliver_due() == [(message_id, "sent")]
    assert len(smtp.messages) == 1
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert row["status"] == "sent" and row["attempts"] == 2 and row["last_error"] == ""


async def test_permanent_failure_shows_on_the_invoice_and_retry_delivers(vendor, smtp):
    smtp.fail_with = ["550 5.1.1 No such mailbox"]
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)

    assert await mail_delivery.deliver_due() == [(message_id, "failed")]
    failed = await InvoiceActivity.select().where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.kind == "email_failed")).first()
    assert "could not be delivered" in failed["message"] and "No such mailbox" in failed["message"]

    await mail_delivery.retry_message(vendor.vendor_id, message_id)
    assert await mail_delivery.deliver_due() == [(message_id, "sent")]
    assert len(smtp.messages) == 1


async def test_gives_up_after_the_last_attempt(vendor, smtp, frozen):
    smtp.fail_with = ["421 4.7.0 Try later"] * mail_delivery.MAX_ATTEMPTS
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    statuses = []
    for _ in range(mail_delivery.MAX_ATTEMPTS):
        statuses += [s for _, s in await mail_delivery.deliver_due()]
        frozen(utcnow() + timedelta(hours=3))
    assert statuses == ["queued"] * (mail_delivery.MAX_ATTEMPTS - 1) + ["failed"]
    assert "email_failed" in await _activity(invoice_id)


async def test_a_row_left_sending_by_a_dead_worker_is_sent_after_restart(vendor, frozen):
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert await mail_delivery.claim_due() == [message_id]  # the worker "crashes" right after claiming
    assert await mail_delivery.deliver_due() == []  # still held: that worker may yet finish

    frozen(utcnow() + mail_delivery.STALE_AFTER + timedelta(seconds=1))
    assert await mail_delivery.deliver_due() == [(message_id, "sent")]
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert row["transport"] == "outbox" and row["attachment"].startswith(b"%PDF")


async def test_two_workers_never_send_the_same_message_twice(vendor, smtp):
    ids = []
    for n in range(6):
        invoice_id = await make_invoice(vendor.vendor_id, number=f"INV-CONC-{n}")
        form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
        ids.append(await invoice_email.send(vendor.vendor_id, invoice_id, form))
    first, second = await asyncio.gather(mail_delivery.deliver_due(), mail_delivery.deliver_due())
    delivered = [i for i, _ in first + second]
    assert sorted(delivered) == sorted(ids)
    assert len(smtp.messages) == 6


async def test_double_submitted_send_queues_one_email(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    first = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    second = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert first == second
    assert await OutboxMessage.count().where(OutboxMessage.invoice == invoice_id) == 1


def test_smtp_url_forms():
    plain = mail_delivery.smtp_target("smtp://user%40x.com:p%40ss@mail.example.com")
    assert (plain.hostname, plain.port, plain.username, plain.password) == (
        "mail.example.com", 587, "user@x.com", "p@ss")
    assert plain.start_tls is True and plain.use_tls is False
    tls = mail_delivery.smtp_target("smtps://u:p@mail.example.com")
    assert tls.port == 465 and tls.use_tls and tls.start_tls is False
    with pytest.raises(ValueError):
        mail_delivery.smtp_target("http://mail.example.com")


async def test_the_background_worker_sends_as_soon_as_mail_is_queued(vendor, smtp, monkeypatch):
    slow = dataclasses.replace(mail_worker.get_settings(), mail_poll_seconds=60)  # only the wake-up can make it this fast
    monkeypatch.setattr(mail_worker, "get_settings", lambda: slow)
    stop = asyncio.Event()
    worker = asyncio.create_task(mail_worker.run_worker(stop))
    try:
        await asyncio.sleep(0.2)  # let the first (empty) pass finish and the worker go to sleep
        invoice_id = await make_invoice(vendor.vendor_id)
        form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
        message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
        for _ in range(100):
            row = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.id == message_id).first()
            if row["status"] == "sent":
                break
            await asyncio.sleep(0.05)
        assert row["status"] == "sent" and len(smtp.messages) == 1
    finally:
        stop.set()
        compose.wake_worker()
        await asyncio.wait_for(worker, timeout=5)


async def test_a_header_that_cannot_be_built_fails_at_once_with_its_reason(vendor, smtp):
    """Data stored before names were checked (a business name with CR/LF) must not be retried for hours."""

    await Vendor.update({Vendor.name: "Acme\r\nBcc: victim@example.com"}).where(Vendor.id == vendor.vendor_id)
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    form = dataclasses.replace(form, subject="Your invoice")  # the sender's name still carries the CR/LF
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert await mail_delivery.deliver_due() == [(message_id, "failed")]
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert row["attempts"] == 1 and "line breaks" in row["last_error"] and not smtp.messages
    failed = await InvoiceActivity.select().where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.kind == "email_failed")).first()
    assert failed and "cannot be sent" in failed["message"]


@pytest.mark.parametrize("value", ["Acme\r\nBcc: victim@example.com", "Acme\nLtd", "Acme\x0bLtd", "Acme\u2028Ltd"])
async def test_names_and_subjects_that_reach_headers_are_one_line(vendor, value):

    profile = {"name": value, "timezone": "UTC", "default_currency": "USD", "invoice_prefix": "INV-",
               "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4"}
    response = await vendor.post("/settings/profile", profile)
    assert response.status_code in (400, 422), response.status_code
    customer = await vendor.post("/customers", {"name": value, "email": "x@example.com", "currency": "USD"})
    assert customer.status_code in (400, 422)
    invoice_id = await make_invoice(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    sent = await vendor.post(f"/invoices/{invoice_id}/send", {
        "method": "manual", "to": form.to, "subject": value, "message": "Hello", "nonce": "n-" + value[-3:]})
    assert sent.status_code in (400, 422)
    assert (await Vendor.objects().get(Vendor.id == vendor.vendor_id)).name == "Acme Ltd"
    assert await OutboxMessage.count().where(OutboxMessage.invoice == invoice_id) == 0


async def test_with_the_vendors_setting_the_email_carries_factur_x_and_ubl(vendor, smtp):
    await Vendor.update({Vendor.attach_einvoices: True, Vendor.vat_id: "DE136695976", Vendor.country: "DE"}).where(
        Vendor.id == vendor.vendor_id)
    invoice_id = await make_invoice(vendor.vendor_id)
    await Customer.update({Customer.tax_id: "DE123456788", Customer.country: "DE"}).where(
        Customer.vendor == vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert [status for _, status in await mail_delivery.deliver_due()] == ["sent"]
    [msg] = smtp.messages
    pdf, ubl = list(msg.iter_attachments())
    assert pdf.get_filename() == "INV-2026-0001-facturx.pdf" and ubl.get_filename() == "INV-2026-0001-ubl.xml"
    assert get_xml_from_pdf(pdf.get_content(), check_xsd=True)[0] == "factur-x.xml"
    assert b"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant" in ubl.get_content()

"""Every time a vendor reads is on their own clock: the email panel, the outbox and its messages, retries,
receipts; the zone is named where a reader could doubt it (times one could take for UTC, repeated hours)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.services.invoices import documents as invoice_documents
from app.services.mail import send as invoice_email, compose as mail, delivery as mail_delivery
from app.tables.invoices import Invoice
from app.tables.mail import OutboxMessage
from app.tables.payments import PaymentLink
from app.times import format_datetime, format_time, offset_label, zone_caption
from tests.unit.mail.conftest import make_invoice

# 23:30 UTC on Nov 1 is 08:30 on Nov 2 in Tokyo: a UTC display shows the wrong day as well as the wrong hour.
SENT = datetime(2026, 11, 1, 23, 30, tzinfo=timezone.utc)


async def _set_zone(vendor, tz: str) -> None:
    response = await vendor.post("/settings/profile", {
        "name": "Acme Ltd", "timezone": tz, "default_currency": "USD", "invoice_prefix": "INV-",
        "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4"})
    assert response.status_code == 200 and "Business profile saved." in response.text, response.text


async def _emailed_invoice(vendor, frozen) -> tuple[int, int]:
    await _set_zone(vendor, "Asia/Tokyo")
    invoice_id = await make_invoice(vendor.vendor_id)
    frozen(SENT)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    await mail_delivery.deliver_due()
    return invoice_id, message_id


async def test_the_email_panel_and_the_outbox_show_the_vendors_time(vendor, frozen):
    invoice_id, message_id = await _emailed_invoice(vendor, frozen)

    panel = (await vendor.client.get(f"/invoices/{invoice_id}/emails", headers=vendor.headers())).text
    listing = (await vendor.client.get("/outbox")).text
    message = (await vendor.client.get(f"/outbox/{message_id}")).text

    for page in (panel, listing, message):
        assert "Nov 2, 2026 08:30" in page and "Nov 1, 2026 23:30" not in page
    assert "Times are Asia/Tokyo (UTC+9)" in listing
    assert "Nov 2, 2026 08:30 UTC+9" in message  # an email's date is read next to other mail: name the zone


async def test_a_retry_time_is_on_the_vendors_clock_with_its_zone(vendor, frozen):
    invoice_id, message_id = await _emailed_invoice(vendor, frozen)
    retry_at = SENT + timedelta(minutes=2)
    await OutboxMessage.update({OutboxMessage.status: "queued", OutboxMessage.attempts: 1,
                                OutboxMessage.last_error: "451 try later",
                                OutboxMessage.next_attempt_at: retry_at}).where(OutboxMessage.id == message_id)
    panel = (await vendor.client.get(f"/invoices/{invoice_id}/emails", headers=vendor.headers())).text
    assert "Trying again at Nov 2, 2026 08:32 UTC+9." in panel and " UTC." not in panel


async def test_receipts_give_the_payment_day_of_the_vendors_zone(vendor):
    await _set_zone(vendor, "Asia/Tokyo")
    invoice_id = await make_invoice(vendor.vendor_id, status="paid")
    await Invoice.update({Invoice.paid_at: SENT}).where(Invoice.id == invoice_id)
    doc = await invoice_documents.load_document(vendor.vendor_id, invoice_id)
    composed = mail.compose("receipt", doc, mail.default_message("receipt", doc))
    assert "November 2, 2026" in composed.text and "November 1, 2026" not in composed.text


def test_a_repeated_wall_time_names_its_offset():
    # Oct 25, 2026: Paris goes back from 03:00 to 02:00, so 02:30 happens twice.
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    assert format_time(first, "Europe/Paris") == "02:30 UTC+2"
    assert format_time(second, "Europe/Paris") == "02:30 UTC+1"
    assert format_time(datetime(2026, 10, 25, 12, tzinfo=timezone.utc), "Europe/Paris") == "13:00"


def test_offsets_and_captions_read_unambiguously():
    moment = datetime(2026, 1, 15, 12, tzinfo=timezone.utc)
    assert format_datetime(moment, "Asia/Kolkata", with_zone=True) == "Jan 15, 2026 17:30 UTC+5:30"
    assert format_datetime(moment, "America/Sao_Paulo", with_zone=True) == "Jan 15, 2026 09:00 UTC\N{MINUS SIGN}3"
    assert format_datetime(moment, "UTC", with_zone=True) == "Jan 15, 2026 12:00 UTC"
    assert format_datetime(moment, "Not/AZone") == "Jan 15, 2026 12:00"  # a bad stored value never breaks a page
    assert zone_caption("Europe/Paris", moment) == "Europe/Paris (UTC+1)"
    assert zone_caption("Europe/London", moment) == "Europe/London (UTC)"
    assert zone_caption("UTC", moment) == "UTC"  # not "UTC (UTC)"
    assert offset_label(moment) == "UTC"
    assert format_datetime(moment.replace(tzinfo=None), "Asia/Tokyo") == "Jan 15, 2026 21:00"  # naive means UTC


async def test_the_customers_pay_page_gives_the_payment_day_of_the_vendors_zone(vendor, other_client):
    await _set_zone(vendor, "Asia/Tokyo")
    invoice_id = await make_invoice(vendor.vendor_id, status="paid")
    await Invoice.update({Invoice.paid_at: SENT}).where(Invoice.id == invoice_id)
    await PaymentLink.insert(PaymentLink(vendor=vendor.vendor_id, invoice=invoice_id, token=f"tz-{invoice_id}-pay"))
    page = (await other_client.get(f"/pay/tz-{invoice_id}-pay")).text
    assert "Nov 2, 2026" in page and "Nov 1, 2026" not in page.replace("issued Nov 1, 2026", "")

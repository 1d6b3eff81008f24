"""Reminders go out once each on their day (frozen clock); receipts once per Stripe payment."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest

from app.services.mail import delivery as mail_delivery, receipts, reminders
from app.services.clock import utcnow
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.mail import OutboxMessage, ReminderLog, ReminderSettings
from tests.unit.mail.conftest import make_invoice


@pytest.fixture(autouse=True)
async def only_this_test_sends_reminders():
    """Vendors of earlier tests keep their plans in the shared database; switch them off."""
    await ReminderSettings.update({ReminderSettings.enabled: False}).where(ReminderSettings.enabled == True)  # noqa: E712


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


async def _reminders(invoice_id: int) -> list[dict]:
    return await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.to, OutboxMessage.text).where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.kind == "reminder")).order_by(OutboxMessage.id)


async def test_each_automatic_reminder_goes_out_once_on_its_day(vendor, smtp, frozen):
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, [("due", ""), ("after", "7"), ("off", "")]))
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 11, 10))
    paid_id = await make_invoice(vendor.vendor_id, status="paid", number="INV-PAID", due=date(2026, 11, 10))

    frozen(_at(date(2026, 11, 9)))
    assert await reminders.queue_due_reminders() == 0
    frozen(_at(date(2026, 11, 10)))
    assert await reminders.queue_due_reminders() == 1
    assert await reminders.queue_due_reminders() == 0  # same day, again: nothing (a restart changes nothing)
    frozen(_at(date(2026, 11, 16, ), 23))
    assert await reminders.queue_due_reminders() == 0
    frozen(_at(date(2026, 11, 17)))
    assert await reminders.queue_due_reminders() == 1
    frozen(_at(date(2026, 12, 31)))
    assert await reminders.queue_due_reminders() == 0

    await mail_delivery.deliver_due()
    sent = await _reminders(invoice_id)
    assert len(sent) == 2 and len(smtp.messages) == 2
    assert sent[0]["subject"] == "Reminder: invoice INV-2026-0001 from Acme Ltd is due"
    assert "due today" in sent[0]["text"]
    assert sent[1]["subject"] == "Reminder: invoice INV-2026-0001 from Acme Ltd is past due"
    assert "7 days past due" in sent[1]["text"]
    assert all(m.get_body(("plain",)) and list(m.iter_attachments()) for m in smtp.messages)
    assert await _reminders(paid_id) == []
    logged = await InvoiceActivity.select(InvoiceActivity.message).where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.kind == "reminder_sent"))
    assert [r["message"] for r in logged] == [
        "Automatic reminder 1 of 2 sent to ap@globex.example.", "Automatic reminder 2 of 2 sent to ap@globex.example."]


async def test_turning_reminders_on_late_sends_only_the_latest_not_a_burst(vendor, frozen):
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 9, 1), sent_at=_at(date(2026, 8, 2)))
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, [("due", ""), ("after", "7"), ("after", "30")]))
    frozen(_at(date(2026, 11, 20)))
    assert await reminders.queue_due_reminders() == 1
    assert [r["number"] for r in await ReminderLog.select(ReminderLog.number).where(
        ReminderLog.invoice == invoice_id)] == [3]


async def test_no_reminder_for_a_day_before_the_invoice_was_sent(vendor, frozen):
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, [("due", ""), ("after", "30")]))
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 10, 1), sent_at=_at(date(2026, 10, 15)))
    frozen(_at(date(2026, 10, 20)))
    assert await reminders.queue_due_reminders() == 0
    frozen(_at(date(2026, 10, 31)))
    assert await reminders.queue_due_reminders() == 1
    assert len(await _reminders(invoice_id)) == 1


async def test_reminders_respect_the_vendors_time_zone(vendor, frozen):
    from app.tables.vendors import Vendor

    await Vendor.update({Vendor.timezone: "Pacific/Auckland"}).where(Vendor.id == vendor.vendor_id)
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, [("due", "")]))
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 11, 10))
    frozen(datetime(2026, 11, 9, 10, tzinfo=timezone.utc))  # Nov 9 in UTC, already Nov 9 23:00 in Auckland
    assert await reminders.queue_due_reminders() == 0
    frozen(datetime(2026, 11, 9, 12, tzinfo=timezone.utc))  # Nov 10 01:00 in Auckland
    assert await reminders.queue_due_reminders() == 1
    assert len(await _reminders(invoice_id)) == 1


async def test_reminders_off_send_nothing(vendor, frozen):
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(False, [("due", "")]))
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 11, 10))
    frozen(_at(date(2026, 11, 20)))
    await reminders.queue_due_reminders()
    assert await _reminders(invoice_id) == []


def test_reminder_settings_form_errors():
    with pytest.raises(reminders.ReminderFormError) as caught:
        reminders.parse_plan(True, [("after", "0"), ("after", "abc"), ("due", "")])
    assert set(caught.value.errors) == {"days_1", "days_2"}
    with pytest.raises(reminders.ReminderFormError) as caught:
        reminders.parse_plan(True, [("after", "7"), ("after", "7")])
    assert "same day" in caught.value.errors["reminders"]
    plan = reminders.parse_plan(True, [("after", "14"), ("due", ""), ("off", "")])
    assert plan.offsets == (0, 14) and plan.describe() == "On the due date, 14 days after"


async def test_manual_reminder_once_per_click_and_only_for_open_invoices(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    first = await reminders.send_reminder(vendor.vendor_id, invoice_id, "click-1")
    assert await reminders.send_reminder(vendor.vendor_id, invoice_id, "click-1") == first
    assert len(await _reminders(invoice_id)) == 1
    paid_id = await make_invoice(vendor.vendor_id, status="paid", number="INV-P2")
    from app.errors import NotAllowed
    with pytest.raises(NotAllowed):
        await reminders.send_reminder(vendor.vendor_id, paid_id, "click-2")


async def _pay(vendor_id: int, invoice_id: int) -> None:
    await Invoice.update({Invoice.status: "paid", Invoice.amount_paid: Invoice.total, Invoice.paid_at: utcnow()}).where(
        Invoice.id == invoice_id)
    await InvoiceActivity.insert(InvoiceActivity(
        vendor=vendor_id, invoice=invoice_id, kind="payment_succeeded", message="Payment of $1,650.00 received.",
        created_at=utcnow()))


async def test_a_stripe_payment_gives_one_receipt_and_one_paid_notice(vendor, smtp):
    invoice_id = await make_invoice(vendor.vendor_id)
    await _pay(vendor.vendor_id, invoice_id)

    results = await asyncio.gather(*(receipts.queue_due_receipts() for _ in range(3)), return_exceptions=True)
    assert any(r == 1 for r in results)
    await receipts.queue_due_receipts()  # a later pass (or a restart) finds nothing new
    await mail_delivery.deliver_due()

    rows = await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.to).where(
        OutboxMessage.invoice == invoice_id).order_by(OutboxMessage.id)
    assert rows == [{"kind": "receipt", "to": "ap@globex.example"}, {"kind": "paid_notice", "to": vendor.email}]
    by_to = {m["To"]: m for m in smtp.messages}
    receipt = by_to["ap@globex.example"]
    assert receipt["Subject"] == "Receipt for invoice INV-2026-0001 from Acme Ltd"
    assert "Thank you for your payment of $1,650.00" in receipt.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in receipt.iter_attachments()] == ["INV-2026-0001.pdf"]
    notice = by_to[vendor.email]
    assert notice["Subject"] == "Paid: Invoice INV-2026-0001 by Globex Corporation ($1,650.00)"
    assert list(notice.iter_attachments()) == []


async def test_manual_mark_as_paid_sends_no_receipt(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    await InvoiceActivity.insert(InvoiceActivity(vendor=vendor.vendor_id, invoice=invoice_id, kind="marked_paid",
                                                 message="Marked as paid.", created_at=utcnow()))
    await receipts.queue_due_receipts()
    assert not await OutboxMessage.exists().where(OutboxMessage.invoice == invoice_id)

"""An automatic reminder never lands on the day the invoice itself went out (in the vendor's time zone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.services.mail import send as invoice_email, reminders
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.mail import OutboxMessage, ReminderSettings
from app.tables.vendors import Vendor
from tests.unit.mail.conftest import make_invoice

THREE = [("due", ""), ("after", "7"), ("after", "14")]


@pytest.fixture(autouse=True)
async def only_this_test_sends_reminders():
    """Vendors of earlier tests keep their plans in the shared database; switch them off."""
    await ReminderSettings.update({ReminderSettings.enabled: False}).where(ReminderSettings.enabled == True)  # noqa: E712


async def _reminder_log(invoice_id: int) -> list[str]:
    rows = await InvoiceActivity.select(InvoiceActivity.message).where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.kind == "reminder_sent"))
    return [r["message"] for r in rows]


async def _email_invoice(vendor_id: int, invoice_id: int) -> None:
    form = (await invoice_email.dialog_state(vendor_id, invoice_id))["form"]
    await invoice_email.send(vendor_id, invoice_id, form)


async def test_a_due_on_receipt_invoice_gets_its_first_reminder_the_next_day(vendor, frozen):
    await Vendor.update({Vendor.timezone: "Asia/Tokyo"}).where(Vendor.id == vendor.vendor_id)
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, THREE))
    invoice_id = await make_invoice(vendor.vendor_id, status="draft", due=date(2026, 11, 10))
    await Invoice.update({Invoice.issue_date: date(2026, 11, 10)}).where(Invoice.id == invoice_id)  # due on receipt

    sent = datetime(2026, 11, 10, 1, tzinfo=timezone.utc)  # 10:00 in Tokyo
    frozen(sent)
    await _email_invoice(vendor.vendor_id, invoice_id)
    frozen(sent + timedelta(seconds=30))
    assert await reminders.queue_due_reminders() == 0
    frozen(datetime(2026, 11, 10, 14, 59, tzinfo=timezone.utc))  # 23:59 in Tokyo, still the day it was sent
    assert await reminders.queue_due_reminders() == 0
    assert await _reminder_log(invoice_id) == []

    frozen(datetime(2026, 11, 10, 15, 5, tzinfo=timezone.utc))  # 00:05 on Nov 11 in Tokyo (still Nov 10 in UTC)
    assert await reminders.queue_due_reminders() == 1
    assert await _reminder_log(invoice_id) == ["Automatic reminder 1 of 3 sent to ap@globex.example."]


async def test_emailing_the_invoice_again_holds_that_days_reminder(vendor, frozen):
    await reminders.save_plan(vendor.vendor_id, reminders.parse_plan(True, THREE))
    invoice_id = await make_invoice(vendor.vendor_id, due=date(2026, 11, 10))  # sent by hand on Nov 1
    frozen(datetime(2026, 11, 10, 8, tzinfo=timezone.utc))
    await _email_invoice(vendor.vendor_id, invoice_id)  # the vendor emails it on its due date
    frozen(datetime(2026, 11, 10, 9, tzinfo=timezone.utc))
    assert await reminders.queue_due_reminders() == 0
    frozen(datetime(2026, 11, 11, 9, tzinfo=timezone.utc))
    assert await reminders.queue_due_reminders() == 1
    kinds = await OutboxMessage.select(OutboxMessage.kind).where(OutboxMessage.invoice == invoice_id).order_by(
        OutboxMessage.id)
    assert [k["kind"] for k in kinds] == ["invoice", "reminder"]

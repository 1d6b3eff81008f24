"""A profile set to autopay: the period's invoice is made, sent, then charged off-session to the card the
customer saved while paying an earlier invoice; it turns Paid without anyone pressing a button."""

from __future__ import annotations

from app.services.autopay.charge import attempts_of
from app.services.recurring import generate, profiles
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.mail import OutboxMessage
from app.tables.payments import Payment
from tests.unit.payments.test_autopay import DECLINES, _save_while_paying
from tests.unit.payments.conftest import connect_vendor
from tests.unit.recurring.helpers import form


async def test_the_next_period_is_charged_to_the_saved_card(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    profile_id = await profiles.create_profile(vendor.vendor_id, form(first.customer, action="autopay"))  # due today
    assert await generate.run_due(vendor.vendor_id) == 1
    made = await Invoice.objects().where(Invoice.recurring_profile_id == profile_id).first()
    assert made.status == "paid" and made.amount_due == 0
    payment = await Payment.objects().where(Payment.invoice == made.id).first()
    intent = await sandbox.api("GET", f"/v1/payment_intents/{payment.payment_intent}")
    assert intent["metadata"]["payport_autopay"] == "1" and intent["customer"]
    assert (intent["amount"], intent["status"]) == (10_000, "succeeded")


async def test_a_declined_period_stays_open_and_waits_for_the_retries(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox, card=DECLINES)
    profile_id = await profiles.create_profile(vendor.vendor_id, form(first.customer, action="autopay"))  # due today
    assert await generate.run_due(vendor.vendor_id) == 1
    made = await Invoice.objects().where(Invoice.recurring_profile_id == profile_id).first()
    assert made.status == "sent" and made.amount_due == 10_000
    kinds = {a.kind for a in await InvoiceActivity.objects().where(InvoiceActivity.invoice == made.id)}
    assert {"recurring", "sent", "payment_failed"} <= kinds and "autopay_skipped" not in kinds
    mails = await OutboxMessage.select(OutboxMessage.kind).where(OutboxMessage.invoice == made.id)
    assert "autopay_failed" in {m["kind"] for m in mails}  # the customer is asked to pay or update the card
    attempt = (await attempts_of(vendor.vendor_id, made.id))[0]
    assert attempt.next_retry_at is not None  # the retries take it from here

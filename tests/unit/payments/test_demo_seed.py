"""`make run`'s demo vendor: a year of data once, card payments really made in the sandbox, never in production."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.services import clock
from app.services.customers import create_customer
from app.services.demo.seed import SandboxActor, ensure_demo_vendor, seed_demo
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.mail import OutboxMessage
from app.tables.payments import CheckoutAttempt, Payment, Refund
from app.tables.quotes import Quote
from app.tables.recurring import RecurringProfile
from app.tables.vendors import User
from tests.unit.payments.conftest import PLATFORM_KEY

PASSWORD = "payport-demo-2026"


def demo_email() -> str:
    """A demo address of this test's own (the unit database is shared by the whole run)."""
    return f"demo-{uuid.uuid4().hex[:8]}@payport.local"


async def counts(vendor_id: int) -> tuple[int, ...]:
    return (
        await Customer.count().where(Customer.vendor == vendor_id),
        await Invoice.count().where(Invoice.vendor == vendor_id),
        await OutboxMessage.count().where(OutboxMessage.vendor == vendor_id),
        await Payment.count().where(Payment.vendor == vendor_id),
    )


async def test_demo_vendor_gets_a_realistic_year_once_paid_through_the_sandbox(vendor, sandbox):
    email = demo_email()
    others_before = await counts(vendor.vendor_id)
    report = await seed_demo(email, PASSWORD, SandboxActor(sandbox.http, PLATFORM_KEY))
    demo = (await User.objects().where(User.email == email).first()).vendor
    assert report is not None and report.skipped == []
    invoices = await Invoice.objects().where(Invoice.vendor == demo)
    assert await Customer.count().where(Customer.vendor == demo) == 12 and len(invoices) == 60
    assert {i.currency for i in invoices} == {"USD", "EUR", "JPY"}
    assert {i.status for i in invoices} == {"draft", "sent", "paid", "partially_refunded", "refunded", "void"}
    today = clock.utcnow().date()
    assert all(today - timedelta(days=365) < i.issue_date <= today for i in invoices)
    assert len({(i.issue_date.year, i.issue_date.month) for i in invoices}) >= 12
    overdue = [i for i in invoices if i.status == "sent" and i.due_date < today]
    reminded = await OutboxMessage.select(OutboxMessage.invoice).where(
        (OutboxMessage.vendor == demo) & (OutboxMessage.kind == "reminder")).output(as_list=True)
    assert overdue and set(reminded) <= {i.id for i in overdue} and reminded
    sent = await OutboxMessage.count().where((OutboxMessage.vendor == demo) & (OutboxMessage.status == "sent"))
    assert sent >= 50  # each sent invoice's email, delivered to the outbox on its day
    # Paid over the months, not all on the afternoon the seed ran.
    payments = await Payment.objects().where(Payment.vendor == demo)
    assert len(payments) >= 8 and len({(p.paid_at.year, p.paid_at.month) for p in payments}) >= 6
    assert all(p.paid_at <= clock.utcnow() for p in payments)  # even one paid today was not paid later today
    # Every card payment exists in the sandbox: a completed Checkout Session, its PaymentIntent and charge.
    for attempt in await CheckoutAttempt.objects().where(CheckoutAttempt.vendor == demo):
        session = await sandbox.api("GET", f"/v1/checkout/sessions/{attempt.session_id}")
        assert session["status"] == "complete" and session["payment_status"] == "paid"
    card_payments = [p for p in payments if p.payment_intent.startswith("pi_")]  # the rest were recorded by hand
    assert len(card_payments) >= 8
    for payment in card_payments:
        intent = await sandbox.api("GET", f"/v1/payment_intents/{payment.payment_intent}")
        assert intent["status"] == "succeeded" and intent["amount"] == payment.amount
        charges = await sandbox.api("GET", "/v1/charges", params={"payment_intent": payment.payment_intent})
        refunded = sum(r.amount for r in await Refund.objects().where(
            (Refund.payment == payment.id) & (Refund.status == "succeeded")))
        assert charges["data"][0]["amount_refunded"] == refunded
    refunds = (await sandbox.api("GET", "/v1/refunds"))["data"]
    assert len(refunds) == 2 and sum(r["amount"] for r in refunds) == sum(
        r.amount for r in await Refund.objects().where(Refund.vendor == demo))
    # Quotes at three stages and a recurring profile, so every tab shows something.
    quotes = await Quote.select(Quote.status).where(Quote.vendor == demo).output(as_list=True)
    assert sorted(quotes) == ["accepted", "draft", "sent"]
    profiles = await RecurringProfile.select(RecurringProfile.status, RecurringProfile.action).where(
        RecurringProfile.vendor == demo)
    assert profiles == [{"status": "active", "action": "send"}]
    # Nobody else's data changed, and a second run adds nothing anywhere.
    assert await counts(vendor.vendor_id) == others_before
    before, sessions = await counts(demo), len((await sandbox.api("GET", "/v1/checkout/sessions"))["data"])
    assert await seed_demo(email, PASSWORD, SandboxActor(sandbox.http, PLATFORM_KEY)) is None
    assert await counts(demo) == before
    assert len((await sandbox.api("GET", "/v1/checkout/sessions"))["data"]) == sessions


async def test_a_demo_vendor_with_data_of_its_own_is_left_alone():
    email = demo_email()
    demo, empty = await ensure_demo_vendor(email, PASSWORD)
    assert empty
    await create_customer(demo, {"name": "My Own Client", "email": "me@client.test", "currency": "USD"})
    assert await seed_demo(email, PASSWORD, None) is None
    assert await counts(demo) == (1, 0, 0, 0)


async def test_no_demo_vendor_in_production(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PAYPORT_ENV", "production")
    get_settings.cache_clear()
    try:
        email = demo_email()
        assert await seed_demo(email, PASSWORD, None) is None
        assert not await User.exists().where(User.email == email)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

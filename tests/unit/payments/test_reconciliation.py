"""Reconciliation catches what webhooks missed; start-up registers the sandbox webhook endpoints once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.services.payments.checkout import start_checkout
from app.services.clock import utcnow
from app.services.payments.links import create_payment_link
from app.services.payments.reconciliation import reconcile
from app.services.payments.platform import platform_secrets, register_platform_endpoints
from app.tables.invoices import Invoice
from app.tables.payments import CheckoutAttempt, PlatformWebhookEndpoint
from tests.unit.payments.conftest import PLATFORM_KEY, connect_vendor, make_invoice, session_id_of

AUTH = {"Authorization": f"Bearer {PLATFORM_KEY}"}


async def _open_session(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    return invoice, session_id_of(await start_checkout(link.token))


async def _status(invoice_id: int) -> str:
    return (await Invoice.objects().where(Invoice.id == invoice_id).first()).status


async def test_a_payment_whose_webhook_never_came_is_applied(vendor, sandbox):
    invoice, session_id = await _open_session(vendor, sandbox)
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    report = await reconcile()
    assert await _status(invoice.id) == "paid"
    assert any(session_id in line for line in report.changed)
    assert not any(session_id in line for line in report.errors)
    again = await reconcile()
    assert not any(session_id in line for line in again.changed)


async def test_an_expired_session_is_closed_here_too(vendor, sandbox):
    invoice, session_id = await _open_session(vendor, sandbox)
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/expire")
    await reconcile()
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.session_id == session_id).first()
    assert attempt.status == "expired" and await _status(invoice.id) == "sent"


async def test_a_session_created_without_its_answer_saved_is_found_by_its_idempotency_key(vendor, sandbox):
    invoice, session_id = await _open_session(vendor, sandbox)
    await CheckoutAttempt.update(
        {
            CheckoutAttempt.session_id: None,
            CheckoutAttempt.status: "creating",
            CheckoutAttempt.created_at: utcnow() - timedelta(minutes=5),
        }
    ).where(CheckoutAttempt.invoice == invoice.id)
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    await reconcile()
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.invoice == invoice.id).first()
    assert attempt.session_id == session_id and await _status(invoice.id) == "paid"
    listed = (await sandbox.http.get("/v1/checkout/sessions", headers=AUTH)).json()["data"]
    assert len(listed) == 1  # the replayed create made no second session


async def test_undelivered_events_are_replayed(vendor, sandbox):
    # An endpoint nobody answers: every event stays undelivered in Stripe's records.
    await sandbox.http.post(
        "/v1/webhook_endpoints", headers=AUTH, data={"url": "http://127.0.0.1:9/hook", "enabled_events[]": "*"}
    )
    invoice, session_id = await _open_session(vendor, sandbox)
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")).json()
    await sandbox.http.post("/v1/refunds", headers=AUTH, data={"payment_intent": paid["payment_intent"]["id"]})
    report = await reconcile()
    assert await _status(invoice.id) == "refunded", report.changed
    assert report.events_checked >= 2


async def test_start_up_registers_two_endpoints_once_and_replaces_them_when_the_secret_is_lost(sandbox):
    await PlatformWebhookEndpoint.delete(force=True)
    first = await register_platform_endpoints()
    assert await register_platform_endpoints() == first
    listed = (await sandbox.http.get("/v1/webhook_endpoints", headers=AUTH)).json()["data"]
    assert sorted(e["metadata"]["payport"] for e in listed) == ["connect", "platform"]
    assert {e["url"] for e in listed} == {"http://127.0.0.1:8000/webhooks/stripe"}
    assert sorted(kind for kind, _ in await platform_secrets()) == ["connect", "platform"]
    await PlatformWebhookEndpoint.delete(force=True)
    replaced = await register_platform_endpoints()
    assert not set(replaced) & set(first)
    listed = (await sandbox.http.get("/v1/webhook_endpoints", headers=AUTH)).json()["data"]
    assert sorted(e["id"] for e in listed) == sorted(replaced)


async def test_workers_starting_together_register_each_endpoint_once(sandbox):
    await PlatformWebhookEndpoint.delete(force=True)
    results = await asyncio.gather(*(register_platform_endpoints() for _ in range(3)))
    assert results[0] == results[1] == results[2]
    listed = (await sandbox.http.get("/v1/webhook_endpoints", headers=AUTH)).json()["data"]
    assert sorted(e["id"] for e in listed) == sorted(results[0])
    stored = await PlatformWebhookEndpoint.select(PlatformWebhookEndpoint.endpoint_id)
    assert sorted(row["endpoint_id"] for row in stored) == sorted(results[0])


async def test_a_session_stripe_does_not_know_is_closed_instead_of_retried_forever(vendor, sandbox):
    invoice, session_id = await _open_session(vendor, sandbox)
    await CheckoutAttempt.update({CheckoutAttempt.session_id: "cs_test_unknown_to_stripe"}).where(
        CheckoutAttempt.invoice == invoice.id
    )
    report = await reconcile()
    assert any("closed: Stripe refused the request: No such checkout.session" in line for line in report.changed)
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.invoice == invoice.id).first()
    assert attempt.status == "failed" and await _status(invoice.id) == "sent"

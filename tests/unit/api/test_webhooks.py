"""Outgoing webhooks: signed as Stripe signs and checked by a real receiver, retried, replayed, never lost,
and endpoints disabled after a day of failures with an email to the owner."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.db import write_transaction
from app.services.api import webhooks
from app.services.clock import utcnow
from app.services.webhook_queue import queue_event
from app.tables.api import WebhookDelivery, WebhookEndpoint
from app.tables.mail import OutboxMessage
from tests import factories

ALL = ["invoice.created", "invoice.sent", "invoice.paid", "payment.succeeded", "payment.refunded",
       "credit_note.created"]


class Receiver:
    """A small HTTP server standing in for the integrator's endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


def stripe_style_check(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, written out as Stripe documents it: split t and v1, HMAC "t.body", compare."""
    items = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), items["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs(int(utcnow().timestamp()) - int(items["t"])) <= tolerance
    return fresh and hmac.compare_digest(expected, items["v1"])


@pytest.fixture(autouse=True)
async def no_deliveries_left():
    """Each test starts with an empty queue: another test's pending rows (and a port the OS hands out again)
    must not reach this test's receiver."""
    await WebhookDelivery.delete(force=True)
    await WebhookEndpoint.delete(force=True)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


async def _endpoint(vendor, url: str, events=ALL) -> str:
    page = await vendor.post("/settings/webhooks", {"url": url, "events": events})
    assert page.status_code == 200, page.text
    return re.search(r'data-testid="webhook-secret">(whsec_[\w-]+)<', page.text)[1]


async def test_delivery_is_signed_and_a_receiver_verifies_it(api, vendor, receiver):
    secret = await _endpoint(vendor, receiver.url)
    customer = await factories.customer(api.vendor_id)
    created = await api.post("/api/v1/invoices", {"customer": customer.id, "lines": [
        {"description": "Work", "unit_amount": 1000}]})
    assert await webhooks.deliver_due() == 1
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert event["type"] == "invoice.created" and event["data"]["object"]["id"] == created.json()["id"]
    assert event["data"]["object"]["total"] == 1000 and event["id"].startswith("evt_")
    assert stripe_style_check(secret, headers["payport-signature"], body)
    assert not stripe_style_check(secret, headers["payport-signature"], body.replace(b"1000", b"1"))
    assert not stripe_style_check("whsec_other", headers["payport-signature"], body)
    assert webhooks.verify(secret, body.decode(), headers["payport-signature"])
    row = await WebhookDelivery.objects().first()
    assert row.status == "succeeded" and row.response_status == 200 and row.attempts == 1


async def test_each_change_queues_its_event(api, vendor, receiver):
    await _endpoint(vendor, receiver.url)
    customer = await factories.customer(api.vendor_id)
    invoice = (await api.post("/api/v1/invoices", {"customer": customer.id, "lines": [
        {"description": "Work", "unit_amount": 1000}]})).json()
    await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"email": False})
    payment = (await api.post("/api/v1/payments", {"invoice": invoice["id"]})).json()
    await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 100})
    await api.post("/api/v1/credit-notes", {"invoice": invoice["id"], "reason": "Goodwill", "amount": 100})
    await webhooks.deliver_due()
    types = [e["type"] for e in receiver.events()]
    # The credit note settles what the refund reopened: the invoice is paid in full again.
    assert types == ["invoice.created", "invoice.sent", "payment.succeeded", "invoice.paid", "payment.refunded",
                     "invoice.paid", "credit_note.created"]


async def test_only_subscribed_enabled_endpoints_and_never_on_rollback(vendor, receiver):
    await _endpoint(vendor, receiver.url, ["invoice.paid"])
    customer = await factories.customer(vendor.vendor_id)
    await factories.invoice(vendor.vendor_id, customer.id)  # invoice.created: not subscribed
    assert await WebhookDelivery.count() == 0
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await queue_event(vendor.vendor_id, "invoice.paid", "invoice", {"id": 1})
            raise RuntimeError("the change failed")
    assert await WebhookDelivery.count().where(WebhookDelivery.vendor == vendor.vendor_id) == 0


async def test_failures_retry_with_backoff_then_disable_and_email_the_owner(vendor, receiver):
    await _endpoint(vendor, receiver.url)
    receiver.status = 500
    await factories.invoice(vendor.vendor_id, (await factories.customer(vendor.vendor_id)).id)
    now = utcnow()
    await webhooks.deliver_due(now)
    row = await WebhookDelivery.objects().first()
    assert row.status == "pending" and row.attempts == 1 and row.response_status == 500
    assert row.next_attempt_at - now == webhooks.BACKOFF[0]
    assert await webhooks.deliver_due(now) == 0  # not due yet
    endpoint = await WebhookEndpoint.objects().first()
    assert endpoint.failures == 1 and endpoint.enabled
    await WebhookEndpoint.update({WebhookEndpoint.failures: webhooks.DISABLE_AFTER - 1,
                                  WebhookEndpoint.failing_since: now - timedelta(days=1, minutes=1)}).where(
        WebhookEndpoint.id == endpoint.id)
    await webhooks.deliver_due(now + webhooks.BACKOFF[0])
    endpoint = await WebhookEndpoint.objects().first()
    assert not endpoint.enabled and "failed deliveries" in endpoint.disabled_reason
    notice = await OutboxMessage.objects().where(OutboxMessage.vendor == vendor.vendor_id).first()
    assert notice.to == vendor.email and "disabled" in notice.subject and receiver.url in notice.text
    page = await vendor.client.get("/settings/webhooks", headers={"hx-request": "true"})
    assert "Disabled" in page.text and "failed deliveries" in page.text
    enabled = await vendor.post(f"/settings/webhooks/{endpoint.id}/enable")
    assert "Enabled" in enabled.text
    assert (await WebhookEndpoint.objects().first()).failures == 0


async def test_replay_from_the_log(vendor, other_vendor, receiver):
    secret = await _endpoint(vendor, receiver.url)
    await factories.invoice(vendor.vendor_id, (await factories.customer(vendor.vendor_id)).id)
    await webhooks.deliver_due()
    first = await WebhookDelivery.objects().first()
    assert (await other_vendor.post(f"/settings/webhooks/deliveries/{first.id}/replay")).status_code == 404
    page = await vendor.post(f"/settings/webhooks/deliveries/{first.id}/replay")
    assert page.status_code == 200 and f"Event {first.event_id} queued again." in page.text
    await webhooks.deliver_due()
    assert [e["id"] for e in receiver.events()] == [first.event_id, first.event_id]
    headers, body = receiver.received[1]
    assert stripe_style_check(secret, headers["payport-signature"], body)


async def test_pending_delivery_survives_a_restart(vendor, receiver):
    await _endpoint(vendor, receiver.url)
    customer = await factories.customer(vendor.vendor_id)
    await factories.invoice(vendor.vendor_id, customer.id)  # queued while no worker runs: the app is "down"
    second = await factories.invoice(vendor.vendor_id, customer.id)
    # A process died mid-delivery: its row stays "sending", claimed long ago.
    await WebhookDelivery.update({WebhookDelivery.status: "sending",
                                  WebhookDelivery.claimed_at: utcnow() - timedelta(minutes=6)}).where(
        WebhookDelivery.payload.like(f'%"id":{second},%'))
    stop = asyncio.Event()
    worker = asyncio.create_task(webhooks.run_worker(stop, poll=0.05))  # the app starts again
    for _ in range(200):
        if len(receiver.received) >= 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(worker, 5)
    assert sorted(e["data"]["object"]["id"] for e in receiver.events())[-1] == second
    assert len(receiver.received) == 2
    assert await WebhookDelivery.count().where(WebhookDelivery.status == "succeeded") == 2


async def test_endpoint_form_errors_in_place(vendor):
    bad = await vendor.post("/settings/webhooks", {"url": "ftp://nope", "events": []})
    assert bad.status_code == 422
    assert "Enter the full URL" in bad.text and "Choose at least one event." in bad.text
    assert await WebhookEndpoint.count().where(WebhookEndpoint.vendor == vendor.vendor_id) == 0


async def test_invoice_overdue_once_per_due_date(vendor, receiver):
    from datetime import date
    from app.tables.invoices import Invoice
    await _endpoint(vendor, receiver.url, ["invoice.overdue"])
    customer = await factories.customer(vendor.vendor_id)
    late = await factories.insert_invoice(vendor.vendor_id, customer.id, status="sent", total=500,
                                          due_date=date(2026, 1, 5), number="INV-LATE")
    await factories.insert_invoice(vendor.vendor_id, customer.id, status="sent", total=500, due_date=date(2199, 1, 1))
    assert await webhooks.queue_overdue_events() == 1
    assert await webhooks.queue_overdue_events() == 0  # once per invoice and due date
    await webhooks.deliver_due()
    [event] = receiver.events()
    assert event["type"] == "invoice.overdue" and event["data"]["object"]["id"] == late.id
    await Invoice.update({Invoice.due_date: date(2026, 2, 5)}).where(Invoice.id == late.id)
    assert await webhooks.queue_overdue_events() == 1  # a new due date is a new fact


def test_production_endpoints_must_be_public_https(monkeypatch):
    from dataclasses import replace
    from app import settings as settings_module
    production = replace(settings_module.get_settings(), env="production")
    monkeypatch.setattr(webhooks, "get_settings", lambda: production)
    for url in ("http://example.com/hooks", "https://127.0.0.1/hooks", "https://10.0.0.5/x", "https://localhost/x"):
        with pytest.raises(webhooks.EndpointErrors):
            webhooks._check(url, ["invoice.paid"])
    assert webhooks._check("https://hooks.example.com/payport", ["invoice.paid"])[0] == "https://hooks.example.com/payport"


async def test_invoice_overdue_queued_once_by_workers_looking_at_once(vendor, receiver, monkeypatch):
    from datetime import date
    await _endpoint(vendor, receiver.url, ["invoice.overdue"])
    customer = await factories.customer(vendor.vendor_id)
    late = await factories.insert_invoice(vendor.vendor_id, customer.id, status="sent", total=500,
                                          due_date=date(2026, 1, 5), number="INV-LATE")
    # Three schedulers at the same moment, none seeing what the others are writing: the unique key decides.
    async def nothing_yet(keys):
        return set()
    monkeypatch.setattr(webhooks, "_already_queued", nothing_yet)
    counts = await asyncio.gather(*(webhooks.queue_overdue_events() for _ in range(3)))
    assert sorted(counts) == [0, 0, 1]
    assert await webhooks.queue_overdue_events() == 0
    rows = await WebhookDelivery.select(WebhookDelivery.event_type, WebhookDelivery.dedupe_key).where(
        WebhookDelivery.vendor == vendor.vendor_id)
    assert len(rows) == 1 and rows[0]["event_type"] == "invoice.overdue" and str(late.id) in rows[0]["dedupe_key"]
    await webhooks.deliver_due()
    assert [event["data"]["object"]["id"] for event in receiver.events()] == [late.id]
    # A replay from the log is a new delivery of the same event, not blocked by the key.
    [logged] = await WebhookDelivery.select(WebhookDelivery.id).where(WebhookDelivery.vendor == vendor.vendor_id)
    await webhooks.replay(vendor.vendor_id, logged["id"])
    await webhooks.deliver_due()
    assert [event["data"]["object"]["id"] for event in receiver.events()] == [late.id, late.id]

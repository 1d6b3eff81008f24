"""Webhook endpoints and delivery: signatures, routing, retries, switches."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from stripe_sandbox.app import create_app
from stripe_sandbox.core import DeliveryPolicy
from tests.servers import ThreadedServer
from tests.unit.sandbox.helpers import (
    PLATFORM_KEY,
    Receiver,
    deliveries,
    express_account,
    pay,
    session_params,
    settle,
    switches,
    wait_until,
)


def endpoint(client: stripe.StripeClient, url: str, events: list[str] | None = None, **extra) -> stripe.WebhookEndpoint:  # noqa: ANN003
    return client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": events or ["*"], **extra})


def paid_session(client: stripe.StripeClient, base: str, **options) -> str:  # noqa: ANN003
    session = client.v1.checkout.sessions.create(params=session_params(), options=options)
    pay(base, session.id).raise_for_status()
    return session.id


def test_secret_only_at_creation_and_delete(client: stripe.StripeClient) -> None:
    created = endpoint(client, "https://payport.test/webhooks", ["checkout.session.completed"], description="PayPort")
    assert created.secret.startswith("whsec_") and created.status == "enabled" and created.id.startswith("we_")
    assert created.enabled_events == ["checkout.session.completed"]
    listed = client.v1.webhook_endpoints.list().data
    assert [e.id for e in listed] == [created.id] and "secret" not in listed[0]
    assert "secret" not in client.v1.webhook_endpoints.retrieve(created.id)
    deleted = client.v1.webhook_endpoints.delete(created.id)
    assert (deleted.id, deleted.deleted) == (created.id, True)
    assert client.v1.webhook_endpoints.list().data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.delete(created.id)


def test_endpoint_validation(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h", "enabled_events": ["invoice.exploded"]})  # type: ignore[list-item]
    assert caught.value.param == "enabled_events[0]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h"})  # type: ignore[typeddict-item]
    assert caught.value.code == "parameter_missing"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h", "enabled_events": []})
    assert caught.value.param == "enabled_events"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "localhost/h", "enabled_events": ["*"]})
    assert caught.value.code == "url_invalid"


def test_events_are_signed_and_verify_with_construct_event(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    created = endpoint(client, receiver.url)
    session_id = paid_session(client, base)
    wait_until(lambda: "checkout.session.completed" in receiver.types())
    for request in receiver.requests:
        event = client.construct_event(request["body"], request["headers"]["stripe-signature"], created.secret)
        assert event.object == "event"
        timestamp = int(request["headers"]["stripe-signature"].split(",")[0].removeprefix("t="))
        assert abs(timestamp - request["received_at"]) < 2
    completed = [e for e in receiver.events() if e["type"] == "checkout.session.completed"][0]
    assert completed["data"]["object"]["id"] == session_id and "account" not in completed
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(receiver.requests[0]["body"], receiver.requests[0]["headers"]["stripe-signature"], "whsec_wrong")
    tampered = receiver.requests[0]["body"].replace("event", "evnt", 1)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(tampered, receiver.requests[0]["headers"]["stripe-signature"], created.secret)


def test_enabled_events_filter(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    settle(base)
    assert receiver.types() == ["checkout.session.completed"]


def test_connect_events_go_to_connect_endpoints_with_account(client: stripe.StripeClient, base: str) -> None:
    platform_rx, connect_rx = Receiver().start(), Receiver().start()
    try:
        endpoint(client, platform_rx.url)
        endpoint(client, connect_rx.url, connect=True)
        vendor = express_account(client, base)
        paid_session(client, base, stripe_account=vendor.id)
        wait_until(lambda: "checkout.session.completed" in connect_rx.types())
        connect_events = connect_rx.events()
        assert {e["account"] for e in connect_events} == {vendor.id}
        assert "account.updated" in connect_rx.types()
        # The platform's own endpoint gets the platform's own event (the application fee is not on this session).
        settle(base)
        assert "checkout.session.completed" not in platform_rx.types()
        paid_session(client, base)
        wait_until(lambda: "checkout.session.completed" in platform_rx.types())
        assert all("account" not in e for e in platform_rx.events())
        assert "checkout.session.completed" in connect_rx.types() and connect_rx.types().count("checkout.session.completed") == 1
    finally:
        platform_rx.stop()
        connect_rx.stop()


def test_failed_deliveries_are_retried_with_backoff(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: [r for r in deliveries(base) if r["status"] == "succeeded"])
    row = deliveries(base)[0]
    assert (row["attempts"], row["last_status"]) == (3, 200)
    gaps = [b["received_at"] - a["received_at"] for a, b in zip(receiver.requests, receiver.requests[1:])]
    policy = DeliveryPolicy.fast()
    # Lower bounds only: a busy machine can add delay, never remove it.
    assert gaps[0] >= policy.base * 0.9 and gaps[1] >= policy.base * 2 * 0.9


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = DeliveryPolicy(base=2, cap=300, max_attempts=12)
    assert [policy.backoff(n) for n in (1, 2, 3, 8, 9, 11)] == [2, 4, 8, 256, 300, 300]
    assert sum(policy.backoff(n) for n in range(1, policy.max_attempts)) < 3600


def test_retries_are_bounded(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    receiver.statuses = [500] * 100
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: deliveries(base)[0]["status"] == "failed", timeout=10)
    assert len(receiver.requests) == DeliveryPolicy.fast().max_attempts
    event = client.v1.events.list(params={"type": "checkout.session.completed"}).data[0]
    assert event.pending_webhooks == 1


def test_receiver_down_for_a_while_gets_the_event_when_back(client: stripe.StripeClient, base: str) -> None:
    receiver = Receiver()
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: deliveries(base)[0]["attempts"] >= 3)
    receiver.start()
    try:
        wait_until(lambda: receiver.types() == ["checkout.session.completed"])
        assert deliveries(base)[0]["status"] == "succeeded"
    finally:
        receiver.stop()


def test_switch_duplicate_delivers_every_event_twice(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    switches(base, duplicate=True)
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: len(receiver.requests) == 2)
    ids = [e["id"] for e in receiver.events()]
    assert ids[0] == ids[1]


def test_switch_drop_first_loses_the_first_attempt_only(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    switches(base, drop_first=True)
    endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: receiver.requests)
    row = deliveries(base)[0]
    assert row["status"] == "succeeded" and row["attempts"] == 2 and len(receiver.requests) == 1


def test_switch_delay_holds_deliveries(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    switches(base, delay=0.6)
    endpoint(client, receiver.url, ["checkout.session.completed"])
    started = time.time()
    paid_session(client, base)
    wait_until(lambda: receiver.requests)
    assert receiver.requests[0]["received_at"] - started >= 0.6


def test_switch_shuffle_delivers_everything_within_the_window(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    settings = switches(base, shuffle_window=0.5)
    assert settings["shuffle_window"] == 0.5
    endpoint(client, receiver.url)
    paid_session(client, base)
    emitted = {e.id for e in client.v1.events.list(params={"limit": 100}).data}
    wait_until(lambda: {e["id"] for e in receiver.events()} == emitted)
    times = [r["received_at"] for r in receiver.requests]
    assert max(times) - min(times) < 1.0


def test_fresh_timestamp_per_attempt() -> None:
    # One-second backoff so two attempts cannot share a Unix second.
    policy = DeliveryPolicy(base=1.1, cap=2, max_attempts=3, timeout=2)
    server = ThreadedServer(create_app(policy=policy, allow_local_webhooks=True)).start()
    receiver = Receiver().start()
    receiver.statuses = [500]
    try:
        client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": server.url}, max_network_retries=0)
        created = endpoint(client, receiver.url, ["checkout.session.completed"])
        paid_session(client, server.url)
        wait_until(lambda: len(receiver.requests) == 2, timeout=5)
        stamps = [r["headers"]["stripe-signature"].split(",")[0] for r in receiver.requests]
        assert stamps[0] != stamps[1]
        for request in receiver.requests:
            client.construct_event(request["body"], request["headers"]["stripe-signature"], created.secret)
    finally:
        receiver.stop()
        server.stop()


def test_deliveries_route_lists_rows(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    created = endpoint(client, receiver.url, ["checkout.session.completed"])
    paid_session(client, base)
    wait_until(lambda: deliveries(base, status="succeeded"))
    row = deliveries(base, endpoint=created.id)[0]
    assert row["endpoint_id"] == created.id and row["event_id"].startswith("evt_")
    assert json.loads(receiver.requests[0]["body"])["id"] == row["event_id"]


async def test_async_webhook_endpoints(async_client: stripe.StripeClient) -> None:
    created = await async_client.v1.webhook_endpoints.create_async(params={"url": "http://127.0.0.1:9/h", "enabled_events": ["*"]})
    assert [e.id for e in (await async_client.v1.webhook_endpoints.list_async()).data] == [created.id]
    assert (await async_client.v1.webhook_endpoints.delete_async(created.id)).deleted is True

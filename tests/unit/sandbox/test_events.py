"""Events: retrieve and list with type, types, created, delivery_success and pagination; scoped per account."""

from __future__ import annotations

import time

import pytest
import stripe

from stripe_sandbox.core import Sandbox
from tests.unit.sandbox.helpers import express_account, new_key, pay, session_params


@pytest.fixture
def paid(client: stripe.StripeClient, base: str) -> stripe.checkout.Session:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    return session


def test_retrieve_event(client: stripe.StripeClient, paid: stripe.checkout.Session) -> None:
    listed = client.v1.events.list(params={"type": "checkout.session.completed"}).data[0]
    event = client.v1.events.retrieve(listed.id)
    assert event.object == "event" and event.id.startswith("evt_") and event.livemode is False
    assert event.api_version == "2026-10-28.endive"
    assert event.data.object.id == paid.id and event.data.object.payment_status == "paid"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.events.retrieve("evt_missing")
    assert caught.value.http_status == 404


def test_filter_by_type_types_and_wildcard(client: stripe.StripeClient, paid: stripe.checkout.Session) -> None:
    assert [e.type for e in client.v1.events.list(params={"type": "charge.succeeded"}).data] == ["charge.succeeded"]
    assert {e.type for e in client.v1.events.list(params={"type": "payment_intent.*"}).data} == {
        "payment_intent.created",
        "payment_intent.succeeded",
    }
    both = client.v1.events.list(params={"types": ["charge.succeeded", "checkout.session.completed"]}).data
    assert {e.type for e in both} == {"charge.succeeded", "checkout.session.completed"}


def test_filter_by_created(client: stripe.StripeClient, sandbox: Sandbox, paid: stripe.checkout.Session) -> None:
    oldest = client.v1.events.list(params={"limit": 100}).data[-1]
    sandbox.store.execute("UPDATE objects SET created = created - 1000 WHERE id = ?", (oldest.id,))
    recent = client.v1.events.list(params={"created": {"gte": int(time.time()) - 100}, "limit": 100}).data
    assert oldest.id not in [e.id for e in recent] and len(recent) == 3
    old = client.v1.events.list(params={"created": {"lt": int(time.time()) - 500}}).data
    assert [e.id for e in old] == [oldest.id]


def test_pagination(client: stripe.StripeClient, paid: stripe.checkout.Session) -> None:
    everything = [e.id for e in client.v1.events.list(params={"limit": 100}).data]
    first = client.v1.events.list(params={"limit": 2})
    assert [e.id for e in first.data] == everything[:2] and first.has_more
    second = client.v1.events.list(params={"limit": 2, "starting_after": first.data[-1].id})
    assert [e.id for e in second.data] == everything[2:4] and not second.has_more
    back = client.v1.events.list(params={"limit": 1, "ending_before": second.data[0].id})
    assert [e.id for e in back.data] == [everything[1]] and back.has_more
    assert [e.id for e in client.v1.events.list(params={"limit": 1}).auto_paging_iter()] == everything
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.list(params={"limit": 101})


def test_delivery_success_filter(client: stripe.StripeClient, base: str, receiver) -> None:  # noqa: ANN001
    from tests.unit.sandbox.helpers import wait_until

    receiver.statuses = [500] * 100
    client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["charge.succeeded"]})
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    failing = client.v1.events.list(params={"delivery_success": False}).data
    assert [e.type for e in failing] == ["charge.succeeded"] and failing[0].pending_webhooks == 1
    assert "charge.succeeded" not in [e.type for e in client.v1.events.list(params={"delivery_success": True}).data]
    receiver.statuses = []
    wait_until(lambda: not client.v1.events.list(params={"delivery_success": False}).data)
    assert client.v1.events.list(params={"type": "charge.succeeded"}).data[0].pending_webhooks == 0


def test_events_are_scoped_to_the_key_and_account(client: stripe.StripeClient, base: str, paid: stripe.checkout.Session) -> None:
    vendor = express_account(client, base, onboard=False)
    own = stripe.StripeClient(new_key(base)["secret_key"], base_addresses={"api": base}, max_network_retries=0)
    assert own.v1.events.list().data == []
    platform_event = client.v1.events.list().data[0]
    with pytest.raises(stripe.InvalidRequestError):
        own.v1.events.retrieve(platform_event.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(platform_event.id, options={"stripe_account": vendor.id})
    assert own.v1.checkout.sessions.list().data == []


async def test_async_events(async_client: stripe.StripeClient, paid: stripe.checkout.Session) -> None:
    listed = await async_client.v1.events.list_async(params={"type": "checkout.session.completed"})
    event = await async_client.v1.events.retrieve_async(listed.data[0].id)
    assert event.data.object.id == paid.id

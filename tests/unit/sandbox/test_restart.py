"""State lives in the SQLite file: a restart keeps objects, keys, idempotency and pending deliveries."""

from __future__ import annotations

from pathlib import Path

import httpx
import stripe

from stripe_sandbox.app import create_app
from stripe_sandbox.core import DeliveryPolicy
from tests.servers import ThreadedServer
from tests.unit.sandbox.helpers import PLATFORM_KEY, Receiver, new_key, pay, session_params, wait_until


def test_nothing_is_lost_across_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.sqlite3")
    receiver = Receiver()  # down for now
    # Quick retries that never give up, so a slow machine cannot use up the attempts before the restart.
    patient = DeliveryPolicy(base=0.05, cap=0.2, max_attempts=10_000, timeout=2.0)
    first = ThreadedServer(create_app(db_path=db, policy=patient, allow_local_webhooks=True)).start()
    client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": first.url}, max_network_retries=0)
    endpoint = client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["checkout.session.completed"]})
    session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "restart-1"})
    pay(first.url, session.id).raise_for_status()
    own_key = new_key(first.url)
    wait_until(lambda: httpx.get(f"{first.url}/_sandbox/deliveries").json()["data"][0]["attempts"] >= 1)
    first.stop()

    second = ThreadedServer(create_app(db_path=db, policy=patient, allow_local_webhooks=True)).start()
    receiver.start()
    try:
        client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": second.url}, max_network_retries=0)
        wait_until(lambda: receiver.types() == ["checkout.session.completed"])
        event = client.construct_event(receiver.requests[0]["body"], receiver.requests[0]["headers"]["stripe-signature"], endpoint.secret)
        assert event.data.object.id == session.id
        assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
        replay = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "restart-1"})
        assert replay.id == session.id
        own = stripe.StripeClient(own_key["secret_key"], base_addresses={"api": second.url}, max_network_retries=0)
        assert own.v1.accounts.retrieve_current().id == own_key["account"]
        wait_until(lambda: client.v1.events.list(params={"delivery_success": False}).data == [])
    finally:
        receiver.stop()
        second.stop()


def test_reset_route_forgets_everything_but_the_platform(base: str, client: stripe.StripeClient) -> None:
    client.v1.checkout.sessions.create(params=session_params())
    response = httpx.post(f"{base}/_sandbox/reset")
    assert response.json()["reset"] is True
    assert client.v1.checkout.sessions.list().data == []
    assert client.v1.accounts.retrieve_current().id == response.json()["platform_account"]

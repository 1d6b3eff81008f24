"""Issue 14 points 2 and 3: events rendered in each endpoint's API version, Stripe-Version honoured, unknown
versions refused; webhook URLs must be public https unless the sandbox is started with allow-local."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.app import create_app
from stripe_sandbox.core import API_VERSION
from stripe_sandbox.versions import ADDED_SINCE_OLD
from tests.servers import ThreadedServer
from tests.unit.sandbox.helpers import PLATFORM_KEY, Receiver, pay, session_params, wait_until
from tests.unit.sandbox.shapes import reference_dir, schemas

OLD = "2024-04-10"
has_reference = (reference_dir() / "openapi-subset-2024-04-10.json").exists()


def _paid_session(client: stripe.StripeClient, base: str) -> str:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    return session.id


def test_each_endpoint_gets_events_in_its_own_version(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    old = client.v1.webhook_endpoints.create(
        params={"url": receiver.url + "?old", "enabled_events": ["checkout.session.completed"], "api_version": OLD}
    )
    new = client.v1.webhook_endpoints.create(params={"url": receiver.url + "?new", "enabled_events": ["checkout.session.completed"]})
    assert (old.api_version, new.api_version) == (OLD, None)
    assert client.v1.webhook_endpoints.retrieve(old.id).api_version == OLD
    _paid_session(client, base)
    wait_until(lambda: len(receiver.requests) == 2)
    by_version = {e["api_version"]: e["data"]["object"] for e in receiver.events()}
    assert set(by_version) == {OLD, API_VERSION}
    assert (by_version[OLD]["ui_mode"], by_version[API_VERSION]["ui_mode"]) == ("hosted", "hosted_page")
    assert "customer_account" not in by_version[OLD] and "customer_account" in by_version[API_VERSION]
    assert by_version[OLD]["shipping_details"] is None and "shipping_details" not in by_version[API_VERSION]


@pytest.mark.skipif(not has_reference, reason="Stripe's 2024-04-10 OpenAPI reference not found")
def test_old_version_rendering_has_only_fields_of_that_version(client: stripe.StripeClient, base: str) -> None:
    session_id = _paid_session(client, base)
    old = {"stripe_version": OLD}
    session = client.v1.checkout.sessions.retrieve(session_id, options=old).to_dict()  # type: ignore[arg-type]
    intent = client.v1.payment_intents.retrieve(session["payment_intent"], options=old).to_dict()  # type: ignore[arg-type]
    charge = client.v1.charges.retrieve(intent["latest_charge"], options=old).to_dict()  # type: ignore[arg-type]
    refund = client.v1.refunds.create(params={"charge": charge["id"], "amount": 100}, options=old).to_dict()  # type: ignore[arg-type]
    txn = client.v1.balance_transactions.retrieve(charge["balance_transaction"], options=old).to_dict()  # type: ignore[arg-type]
    for obj in (session, intent, charge, refund, txn):
        known = set(schemas()[obj["object"]]["properties"])
        assert set(obj) - known == set(), obj["object"]
    assert session["ui_mode"] == "hosted"


def test_stripe_version_header_is_honoured_and_echoed(base: str, client: stripe.StripeClient) -> None:
    session_id = client.v1.checkout.sessions.create(params=session_params()).id
    headers = {"Authorization": f"Bearer {PLATFORM_KEY}"}
    old = httpx.get(f"{base}/v1/checkout/sessions/{session_id}", headers={**headers, "Stripe-Version": OLD})
    assert old.headers["stripe-version"] == OLD and old.json()["ui_mode"] == "hosted"
    current = httpx.get(f"{base}/v1/checkout/sessions/{session_id}", headers=headers)
    assert current.headers["stripe-version"] == API_VERSION and current.json()["ui_mode"] == "hosted_page"
    events = client.v1.events.list(options={"stripe_version": OLD})  # type: ignore[arg-type]
    assert events.data == [] or {e.api_version for e in events.data} == {OLD}


def test_unknown_and_unrenderable_versions_are_refused(client: stripe.StripeClient, base: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "https://x.example.com/h", "enabled_events": ["*"], "api_version": "2099-01-01"})  # type: ignore[typeddict-item]
    assert caught.value.param == "api_version"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": "https://x.example.com/h", "enabled_events": ["*"], "api_version": "2020-08-27"})
    assert caught.value.param == "api_version" and "renders API versions" in caught.value.user_message
    assert client.v1.webhook_endpoints.list().data == []
    response = httpx.get(f"{base}/v1/events", headers={"Authorization": f"Bearer {PLATFORM_KEY}", "Stripe-Version": "2099-01-01"})
    assert response.status_code == 400 and response.json()["error"]["message"] == "Invalid Stripe API version: 2099-01-01"


def test_dropped_fields_are_real_fields_of_the_current_version() -> None:
    # A typo in the table would silently drop nothing: every listed field must be one the SDK's class knows.
    classes = {"checkout.session": stripe.checkout.Session, "refund": stripe.Refund, "payment_intent": stripe.PaymentIntent,
               "charge": stripe.Charge, "balance_transaction": stripe.BalanceTransaction, "item": stripe.LineItem,
               "payment_method": stripe.PaymentMethod, "setup_intent": stripe.SetupIntent}  # fmt: skip
    for kind, names in ADDED_SINCE_OLD.items():
        fields: dict[str, Any] = {}
        for klass in classes[kind].__mro__:
            fields.update(getattr(klass, "__annotations__", {}))
        assert set(names) <= set(fields), kind


@pytest.fixture(scope="module")
def strict_base() -> Iterator[str]:
    """A sandbox started without allow-local, as Stripe itself behaves."""
    server = ThreadedServer(create_app()).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000/webhooks", "HTTPS"),
        ("http://payport.example.com/webhooks", "HTTPS"),
        ("https://localhost/webhooks", "publicly accessible"),
        ("https://127.0.0.1/webhooks", "publicly accessible"),
        ("https://10.1.2.3/webhooks", "publicly accessible"),
        ("https://192.168.1.20/webhooks", "publicly accessible"),
        ("https://[::1]/webhooks", "publicly accessible"),
        ("https://payport.test/webhooks", "publicly accessible"),
        ("https://printer.local/webhooks", "publicly accessible"),
        ("https://intranet/webhooks", "publicly accessible"),
    ],
)
def test_strict_sandbox_refuses_webhook_urls_stripe_refuses(strict_base: str, url: str, why: str) -> None:
    client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": strict_base}, max_network_retries=0)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": ["*"]})
    assert (caught.value.param, caught.value.code) == ("url", "url_invalid") and why in caught.value.user_message


def test_strict_sandbox_takes_public_https_and_refuses_a_local_update(strict_base: str) -> None:
    client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": strict_base}, max_network_retries=0)
    endpoint = client.v1.webhook_endpoints.create(params={"url": "https://payport.example.com/stripe/webhooks", "enabled_events": ["*"]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.update(endpoint.id, params={"url": "http://127.0.0.1/webhooks"})
    assert client.v1.webhook_endpoints.retrieve(endpoint.id).url == "https://payport.example.com/stripe/webhooks"
    client.v1.webhook_endpoints.delete(endpoint.id)


def test_allow_local_sandbox_takes_a_local_receiver(client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/webhooks", "enabled_events": ["*"]})
    assert endpoint.url == "http://127.0.0.1:9/webhooks"

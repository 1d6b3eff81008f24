"""Every object type the sandbox returns has Stripe's fields, JSON types, object name and id prefix."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
import stripe

from tests.servers import ThreadedServer
from tests.unit.sandbox.helpers import PLATFORM_KEY, express_account, pay, session_params
from tests.unit.sandbox.shapes import check_object, compare, fixtures, reference_dir

_missing = not (reference_dir() / "fixtures3.json").exists()
if _missing and os.environ.get("CI"):
    # CI always has ../shared/stripe beside the clone: a missing copy is a broken setup, not a skip.
    raise RuntimeError(f"Stripe reference data not found in {reference_dir()} (set STRIPE_FIXTURES_DIR)")
pytestmark = pytest.mark.skipif(_missing, reason=f"Stripe reference data not found in {reference_dir()}")


def raw(base: str, path: str, **headers: str) -> dict[str, Any]:
    response = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {PLATFORM_KEY}", **headers})
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def world(sandbox_server: ThreadedServer) -> dict[str, dict[str, Any]]:
    """One of everything: a destination charge with fee, a decline, a refund, an endpoint, events (JSON snapshots)."""
    base = sandbox_server.url
    client = stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": base}, max_network_retries=0)
    vendor = express_account(client, base)
    endpoint = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/webhooks", "enabled_events": ["*"]})
    session = client.v1.checkout.sessions.create(
        params=session_params(payment_intent_data={"application_fee_amount": 100, "transfer_data": {"destination": vendor.id}})
    )
    created_session = raw(base, f"/v1/checkout/sessions/{session.id}")
    declined = client.v1.checkout.sessions.create(params=session_params())
    pay(base, declined.id, "4000000000009995")
    pay(base, session.id).raise_for_status()
    done = raw(base, f"/v1/checkout/sessions/{session.id}")
    intent = raw(base, f"/v1/payment_intents/{done['payment_intent']}")
    charge = raw(base, f"/v1/charges/{intent['latest_charge']}")
    refund = client.v1.refunds.create(params={"charge": charge["id"], "amount": 100})
    failed_intent = raw(base, f"/v1/payment_intents/{raw(base, f'/v1/checkout/sessions/{declined.id}')['payment_intent']}")
    link = client.v1.account_links.create(
        params={"account": vendor.id, "type": "account_onboarding", "refresh_url": "https://x.test/r", "return_url": "https://x.test/d"}
    )
    return {
        "account": raw(base, f"/v1/accounts/{vendor.id}"),
        "account_link": link.to_dict(),
        "checkout.session": done,
        "checkout.session (open)": created_session,
        "payment_intent": intent,
        "payment_intent (declined)": failed_intent,
        "charge": raw(base, f"/v1/charges/{charge['id']}"),
        "charge (failed)": raw(base, f"/v1/charges/{failed_intent['latest_charge']}"),
        "refund": raw(base, f"/v1/refunds/{refund.id}"),
        "webhook_endpoint": raw(base, f"/v1/webhook_endpoints/{endpoint.id}"),
        "webhook_endpoint (created)": endpoint.to_dict(),
        "application_fee": raw(base, f"/v1/application_fees/{charge['application_fee']}"),
        "transfer": raw(base, f"/v1/transfers/{charge['transfer']}"),
        "balance_transaction": raw(base, f"/v1/balance_transactions/{charge['balance_transaction']}"),
        "item": raw(base, f"/v1/checkout/sessions/{session.id}/line_items")["data"][0],
        "event": raw(base, "/v1/events?limit=1")["data"][0],
        "events": raw(base, "/v1/events?limit=100")["data"],
    }


CASES = [
    "account",
    "account_link",
    "checkout.session",
    "checkout.session (open)",
    "payment_intent",
    "payment_intent (declined)",
    "charge",
    "charge (failed)",
    "refund",
    "webhook_endpoint",
    "webhook_endpoint (created)",
    "application_fee",
    "transfer",
    "balance_transaction",
    "item",
    "event",
]


@pytest.mark.parametrize("case", CASES)
def test_object_matches_stripe_fixture(world: dict[str, dict[str, Any]], case: str) -> None:
    resource = case.split(" ")[0]
    assert check_object(world[case], resource) == []


def test_every_event_payload_matches_the_fixture_of_its_object(world: dict[str, Any]) -> None:
    events = world["events"]
    assert len({e["type"] for e in events}) >= 8
    for event in events:
        assert check_object(event, "event") == [], event["type"]
        inner = event["data"]["object"]
        assert check_object(inner, inner["object"]) == [], event["type"]


def test_connected_account_event_carries_account(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    event = raw(base, "/v1/events?limit=1", **{"Stripe-Account": vendor.id})["data"][0]
    assert event["account"] == vendor.id and check_object(event, "event") == []


def test_comparison_catches_drift() -> None:
    # The comparator itself must fail on a wrong shape, or the tests above prove nothing.
    refund = dict(fixtures()["refund"])
    assert compare(refund, fixtures()["refund"], None) == []
    broken = {**refund, "amount": "100", "colour": "red"}
    del broken["charge"]
    problems = check_object({**broken, "id": "rf_123"}, "refund")
    assert any("amount" in p for p in problems) and any("colour" in p for p in problems)
    assert any(p.startswith("charge") for p in problems) and any(p.startswith("id") for p in problems)

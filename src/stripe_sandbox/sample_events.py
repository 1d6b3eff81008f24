"""The dashboard's "Send test webhook": a sample event of a chosen type, signed and sent to one endpoint.

Like Stripe's test webhooks, the event and its object carry zero ids (evt_00000000000000) and exist nowhere else:
they cannot be retrieved through the API, so a handler that fetches the object back gets resource_missing.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from stripe_sandbox.cards import GENERIC, Card
from stripe_sandbox.core import API_VERSION, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.accounts import build_account
from stripe_sandbox.resources.charges import build_charge
from stripe_sandbox.resources.checkout import build_session
from stripe_sandbox.resources.line_items import build_line_items
from stripe_sandbox.resources.payment_intents import build_payment_intent, payment_error, payment_method
from stripe_sandbox.resources.refunds import build_refund
from stripe_sandbox.store import now

ZEROS = "00000000000000"
TEST_ACCOUNT = "_test_webhooks"  # owner of sample events: no API key ever acts on it
CARD = Card("4242424242424242", 12, 2034, "123")


def _session(status: str = "complete") -> dict[str, Any]:
    line = {"price_data": {"currency": "usd", "unit_amount": 2000, "product_data": {"name": "Test item"}}, "quantity": 1}
    created = now()
    session = build_session({"mode": "payment"}, build_line_items([line]), created=created, expires_at=created + 86400, base="")
    session.update(id=f"cs_test_{ZEROS}", status=status, url=None, payment_status="paid" if status == "complete" else "unpaid")
    if status == "complete":
        session["payment_intent"] = f"pi_{ZEROS}"
    return session


def _intent(status: str = "succeeded") -> dict[str, Any]:
    intent = build_payment_intent(_session("open"), {})
    intent.update(id=f"pi_{ZEROS}", status=status, latest_charge=f"ch_{ZEROS}", payment_method=f"pm_{ZEROS}")
    intent["client_secret"] = f"pi_{ZEROS}_secret_{ZEROS}"
    if status == "succeeded":
        intent["amount_received"] = intent["amount"]
    else:
        intent["last_payment_error"] = payment_error(GENERIC, f"ch_{ZEROS}", {**payment_method(CARD, "test@example.com"), "id": f"pm_{ZEROS}"})
    return intent


def _charge(refunded: bool = False) -> dict[str, Any]:
    charge = build_charge(_intent(), CARD, f"pm_{ZEROS}", "test@example.com", None, descriptor="SANDBOX* TEST", base="")
    charge.update(id=f"ch_{ZEROS}", receipt_url=None)
    if refunded:
        charge.update(amount_refunded=charge["amount"], refunded=True)
    return charge


def _refund(status: str) -> dict[str, Any]:
    refund = build_refund(_charge(), 2000, {})
    refund.update(id=f"re_{ZEROS}", status=status, balance_transaction=f"txn_{ZEROS}")
    if status == "failed":
        refund["failure_reason"] = "expired_or_canceled_card"
    return refund


def _account() -> dict[str, Any]:
    account = build_account(f"acct_{ZEROS}", {"type": "express", "country": "US"}, onboarded=True)
    account["business_profile"]["name"] = "Test vendor"
    return account


def _application() -> dict[str, Any]:
    return {"id": f"ca_{ZEROS}", "name": "PayPort Platform", "object": "application"}


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "checkout.session.completed": _session,
    "checkout.session.expired": lambda: _session("expired"),
    "payment_intent.succeeded": _intent,
    "payment_intent.payment_failed": lambda: _intent("requires_payment_method"),
    "charge.succeeded": _charge,
    "charge.refunded": lambda: _charge(refunded=True),
    "refund.created": lambda: _refund("succeeded"),
    "refund.updated": lambda: _refund("succeeded"),
    "refund.failed": lambda: _refund("failed"),
    "account.updated": _account,
    "account.application.deauthorized": _application,
}


def send_test_webhook(sandbox: Sandbox, endpoint_id: str, event_type: str) -> dict[str, Any]:
    """Build a sample event of event_type and queue one signed delivery of it to the endpoint."""
    found = sandbox.store.get_with_meta(endpoint_id)
    if found is None or found[0].get("object") != "webhook_endpoint":
        raise StripeError.not_found("webhook endpoint", endpoint_id, param="endpoint")
    if event_type not in SAMPLES:
        raise StripeError.invalid(f"No test event for {event_type}; choose one of {', '.join(SAMPLES)}.", param="type")
    event = {
        "id": f"evt_{ZEROS}",
        "object": "event",
        "api_version": found[0].get("api_version") or API_VERSION,
        "created": now(),
        "data": {"object": SAMPLES[event_type]()},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if found[1].get("connect"):
        event["account"] = f"acct_{ZEROS}"
    with sandbox.store.transaction():
        sandbox.store.put(event, account=TEST_ACCOUNT)
        sandbox.queue_delivery(event["id"], endpoint_id, time.time())
    if sandbox.wake is not None:
        sandbox.wake.set()
    return event


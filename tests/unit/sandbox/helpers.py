"""Shared test helpers: session params, test-route calls, a recording webhook receiver, polling."""

from __future__ import annotations

import json
import time
from typing import Any, Callable

import httpx
import stripe

from tests.servers import ThreadedServer
from tests.support import free_port

PLATFORM_KEY = "sk_test_payport_platform"


def session_params(**overrides: Any) -> dict[str, Any]:
    """A Checkout Session create call the way PayPort makes it."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": 1250, "product_data": {"name": "Invoice INV-0001"}}, "quantity": 2}
        ],
        "success_url": "https://payport.test/pay/ok?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://payport.test/pay/cancel",
        "client_reference_id": "invoice-42",
        "metadata": {"invoice_id": "42"},
        "customer_email": "buyer@example.com",
        "allowed_payment_method_types": ["card"],
    }
    params.update(overrides)
    return params


def express_account(client: stripe.StripeClient, base: str, *, onboard: bool = True, name: str = "Acme Studio") -> stripe.Account:
    """A connected Express account, onboarded through the test route unless told otherwise."""
    account = client.v1.accounts.create(
        params={"type": "express", "country": "US", "email": "owner@acme.test", "business_profile": {"name": name}}
    )
    if onboard:
        httpx.post(f"{base}/_sandbox/accounts/{account.id}/onboard").raise_for_status()
    return account


def pay(base: str, session_id: str, card: str = "4242424242424242", **extra: Any) -> httpx.Response:
    """Pay a session through the test route."""
    return httpx.post(f"{base}/_sandbox/checkout/sessions/{session_id}/pay", json={"card": card, **extra})


def new_key(base: str, name: str = "Own-key vendor") -> dict[str, str]:
    """A standalone account with its own secret key."""
    response = httpx.post(f"{base}/_sandbox/keys", json={"business_name": name})
    response.raise_for_status()
    return response.json()


def switches(base: str, **values: Any) -> dict[str, Any]:
    """Set webhook delivery switches."""
    response = httpx.post(f"{base}/_sandbox/webhooks/switches", json=values)
    response.raise_for_status()
    return response.json()


def deliveries(base: str, **query: str) -> list[dict[str, Any]]:
    """Delivery rows from the test route."""
    return httpx.get(f"{base}/_sandbox/deliveries", params=query).json()["data"]


def settle(base: str) -> None:
    """Wait until the sandbox has no delivery pending: whatever it was going to send has arrived by now."""
    response = httpx.post(f"{base}/_sandbox/deliveries/wait", params={"timeout": 10})
    response.raise_for_status()
    assert response.json()["pending"] == 0, "deliveries still pending after 10 s"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until predicate() is truthy; fail with its last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        time.sleep(interval)


class Receiver:
    """A webhook endpoint on a local port: records every request and answers with `status` (a list pops per request)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks"
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.server: ThreadedServer | None = None

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append({"headers": headers, "body": body.decode(), "received_at": time.time()})
        status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"boom"})

    def start(self) -> Receiver:
        """Listen (again) on the same port."""
        self.server = ThreadedServer(self.app, self.port, lifespan="off").start()
        return self

    def stop(self) -> None:
        """Stop listening: deliveries now fail to connect."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def events(self) -> list[dict[str, Any]]:
        """Bodies received, parsed."""
        return [json.loads(r["body"]) for r in self.requests]

    def types(self) -> list[str]:
        """Event types received, in arrival order."""
        return [e["type"] for e in self.events()]

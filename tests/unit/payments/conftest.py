"""Stripe unit fixtures: invoices inserted directly, the sandbox in-process behind the real gateway, signed events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from app.encryption import encrypt
from app.settings import get_settings
from app.stripe_gateway import StripeClientGateway, set_gateway, sign_payload
from app.tables.invoices import Invoice
from app.tables.payments import PlatformWebhookEndpoint
from tests import factories
from tests.factories import Line

PLATFORM_KEY = "sk_test_payport_platform"
PLATFORM_SECRET = "whsec_unit_platform_secret"
CONNECT_SECRET = "whsec_unit_connect_secret"
SANDBOX_URL = "http://sandbox.test"


async def make_invoice(
    vendor_id: int,
    *,
    total: int = 12_500,
    currency: str = "USD",
    status: str = "sent",
    number: str | None = "INV-T-0001",
    email: str = "pat@example.com",
) -> Invoice:
    """An invoice with two lines adding up to `total` (minor units), inserted directly."""
    customer = await factories.insert_customer(vendor_id, "Pat Customer", email, currency=currency)
    first = total // 2
    lines = [Line(f"Design work part {n + 1}", 1, amount) for n, amount in enumerate((first, total - first))]
    return await factories.insert_invoice(
        vendor_id, customer.id, lines, number=f"{number}-{customer.id}" if number else number, status=status,
        currency=currency, due_date=date(2026, 12, 1), sent_method="manual" if status != "draft" else None,
    )


@dataclass
class Sandbox:
    """The in-process Stripe sandbox and a raw client for its test routes."""

    app: Any
    http: httpx.AsyncClient

    async def api(self, method: str, path: str, account: str | None = None, **kwargs: Any) -> dict:
        """Call /v1 with the platform key (optionally on a connected account)."""
        headers = {"Authorization": f"Bearer {PLATFORM_KEY}"}
        if account:
            headers["Stripe-Account"] = account
        response = await self.http.request(method, path, headers=headers, **kwargs)
        return response.json()

    async def events(self, type_: str, account: str | None = None, key: str = PLATFORM_KEY) -> list[dict]:
        """Events of one type, newest first."""
        headers = {"Authorization": f"Bearer {key}"}
        if account:
            headers["Stripe-Account"] = account
        response = await self.http.get("/v1/events", params={"type": type_}, headers=headers)
        return response.json()["data"]


@pytest.fixture
def stripe_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A platform Stripe key and a platform fee for this test only."""
    monkeypatch.setenv("STRIPE_SECRET_KEY", PLATFORM_KEY)
    monkeypatch.setenv("PLATFORM_FEE_PERCENT", "2.5")
    monkeypatch.setenv("PLATFORM_FEE_FIXED", "30")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    set_gateway(None)


@pytest.fixture
async def sandbox(stripe_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real sandbox app in-process; the app's gateway talks to it through the official SDK."""
    from stripe_sandbox.app import create_app

    monkeypatch.setenv("STRIPE_API_BASE", SANDBOX_URL)  # the app knows it talks to a sandbox, as under `make run`
    get_settings.cache_clear()
    app = create_app(db_path=":memory:", platform_key=PLATFORM_KEY, allow_local_webhooks=True)
    transport = httpx.ASGITransport(app=app)
    set_gateway(StripeClientGateway(PLATFORM_KEY, SANDBOX_URL, retries=0, transport=transport))
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http:
        yield Sandbox(app, http)
    set_gateway(None)


@pytest.fixture
async def platform_secrets() -> None:
    """Known platform and Connect signing secrets, as if registered at start."""
    await PlatformWebhookEndpoint.delete(force=True)
    for kind, secret in (("platform", PLATFORM_SECRET), ("connect", CONNECT_SECRET)):
        await PlatformWebhookEndpoint(kind=kind, endpoint_id=f"we_{kind}", url="x", secret_enc=encrypt(secret)).save()


def signed(event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a delivery as Stripe sends it."""
    body = json.dumps(event).encode()
    return body, {"Stripe-Signature": sign_payload(body, secret, timestamp), "Content-Type": "application/json"}


async def deliver(
    client: Any,
    event: dict,
    secret: str = PLATFORM_SECRET,
    path: str = "/webhooks/stripe",
    timestamp: int | None = None,
) -> httpx.Response:
    """POST one signed event to the app."""
    body, headers = signed(event, secret, timestamp)
    return await client.post(path, content=body, headers=headers)


async def connect_vendor(vendor_id: int, sandbox: Sandbox) -> str:
    """Connect Express through the app's service and complete onboarding in the sandbox; returns the account id."""
    from app.services.payments import connection as stripe_connection

    base = "http://127.0.0.1:8000/settings/stripe"
    await stripe_connection.start_onboarding(vendor_id, f"{base}/refresh", f"{base}/return")
    connection = await stripe_connection.get_connection(vendor_id)
    response = await sandbox.http.post(f"/_sandbox/accounts/{connection.account_id}/onboard")
    assert response.status_code == 200, response.text
    await stripe_connection.refresh_status(vendor_id)
    return connection.account_id


def session_id_of(url: str) -> str:
    """The Checkout Session id at the end of a hosted Checkout URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]

"""Issue 14 point 3: the app registers its own webhook endpoints on real Stripe as it does on the sandbox.

Driven against a sandbox started WITHOUT allow-local (it refuses what Stripe refuses) with the settings of real
Stripe (no sandbox address), a public-looking https base URL, and then a loopback one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import stripe

from app import encryption
from app.services.payments import connection as stripe_connection
from app.services.payments.platform import _register_with_retries, platform_secrets, register_platform_endpoints
from app.settings import get_settings
from app.stripe_gateway import WEBHOOK_EVENTS, StripeClientGateway, set_gateway
from app.tables.payments import PlatformWebhookEndpoint, StripeConnection
from tests.unit.payments.conftest import PLATFORM_KEY, SANDBOX_URL

PUBLIC = "https://billing.example.com"
URL = f"{PUBLIC}/webhooks/stripe"


@pytest.fixture
async def strict(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """A sandbox that refuses local webhook URLs, reached as if it were api.stripe.com (no STRIPE_API_BASE)."""
    from stripe_sandbox.app import create_app

    monkeypatch.setenv("STRIPE_SECRET_KEY", PLATFORM_KEY)
    monkeypatch.setenv("APP_BASE_URL", PUBLIC)
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    get_settings.cache_clear()
    transport = httpx.ASGITransport(app=create_app(db_path=":memory:", platform_key=PLATFORM_KEY))
    set_gateway(StripeClientGateway(PLATFORM_KEY, SANDBOX_URL, retries=0, transport=transport))
    await PlatformWebhookEndpoint.delete(force=True)
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http:
        yield http
    set_gateway(None)
    monkeypatch.undo()
    get_settings.cache_clear()


async def _endpoints(http: httpx.AsyncClient, key: str = PLATFORM_KEY) -> list[dict[str, Any]]:
    response = await http.get("/v1/webhook_endpoints", headers={"Authorization": f"Bearer {key}"})
    return response.json()["data"]


async def test_public_https_registers_both_endpoints_pinned_with_the_handled_events(strict):
    ids = await register_platform_endpoints()
    listed = await _endpoints(strict)
    assert sorted(e["id"] for e in listed) == sorted(ids) and len(ids) == 2
    for endpoint in listed:
        assert endpoint["url"] == URL and endpoint["api_version"] == stripe.api_version
        assert sorted(endpoint["enabled_events"]) == sorted(WEBHOOK_EVENTS)
    assert sorted(e["metadata"]["payport"] for e in listed) == ["connect", "platform"]
    rows = await PlatformWebhookEndpoint.objects()
    assert all("whsec_" not in row.secret_enc and encryption.decrypt(row.secret_enc).startswith("whsec_") for row in rows)
    assert sorted(kind for kind, _ in await platform_secrets()) == ["connect", "platform"]


async def test_registering_again_keeps_the_endpoints_and_puts_their_events_right(strict):
    first = await register_platform_endpoints()
    auth = {"Authorization": f"Bearer {PLATFORM_KEY}"}
    await strict.post(f"/v1/webhook_endpoints/{first[0]}", headers=auth, data={"enabled_events[]": "charge.refunded"})
    assert await register_platform_endpoints() == first
    listed = await _endpoints(strict)
    assert len(listed) == 2 and all(sorted(e["enabled_events"]) == sorted(WEBHOOK_EVENTS) for e in listed)


async def test_an_endpoint_on_another_api_version_or_without_our_secret_is_replaced_not_duplicated(strict):
    auth = {"Authorization": f"Bearer {PLATFORM_KEY}"}
    old = await strict.post("/v1/webhook_endpoints", headers=auth, data={
        "url": URL, "enabled_events[]": WEBHOOK_EVENTS, "api_version": "2024-04-10", "metadata[payport]": "platform",
    })
    assert old.status_code == 200, old.text
    ids = await register_platform_endpoints()
    listed = await _endpoints(strict)
    assert old.json()["id"] not in ids and sorted(e["id"] for e in listed) == sorted(ids)
    assert {e["api_version"] for e in listed} == {stripe.api_version}


async def test_someone_elses_endpoint_on_the_account_is_left_alone(strict):
    auth = {"Authorization": f"Bearer {PLATFORM_KEY}"}
    other = await strict.post("/v1/webhook_endpoints", headers=auth,
                              data={"url": "https://crm.example.com/hooks", "enabled_events[]": "*"})
    await register_platform_endpoints()
    assert other.json()["id"] in {e["id"] for e in await _endpoints(strict)}


async def test_a_loopback_base_url_registers_nothing_and_says_what_to_run(strict, monkeypatch, caplog):
    monkeypatch.setenv("APP_BASE_URL", "http://127.0.0.1:8000")
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="app.stripe"):
        await _register_with_retries(attempts=1)
    assert await _endpoints(strict) == []
    told = caplog.text
    assert ("stripe listen --forward-to http://127.0.0.1:8000/webhooks/stripe "
            "--forward-connect-to http://127.0.0.1:8000/webhooks/stripe") in told
    assert "STRIPE_WEBHOOK_SECRET" in told and "STRIPE_CONNECT_WEBHOOK_SECRET" in told


async def test_a_sandbox_that_refuses_a_local_url_does_not_fail_the_start(strict, monkeypatch, caplog):
    monkeypatch.setenv("APP_BASE_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("STRIPE_API_BASE", SANDBOX_URL)  # the sandbox decides, like Stripe: no allow-local flag
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="app.stripe"):
        await _register_with_retries(attempts=1)
    assert await _endpoints(strict) == []
    assert "URL must use HTTPS" in caplog.text and "stripe listen --forward-to" in caplog.text


async def test_only_the_kind_without_a_configured_secret_is_registered(strict, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_the_dashboard")
    get_settings.cache_clear()
    await register_platform_endpoints()
    assert [e["metadata"]["payport"] for e in await _endpoints(strict)] == ["connect"]


async def test_key_mode_registers_one_pinned_endpoint_on_the_vendors_account(vendor, strict):
    made = (await strict.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    key = made["secret_key"]
    auth = {"Authorization": f"Bearer {key}"}
    # Left over from an earlier connection whose secret went with it.
    await strict.post("/v1/webhook_endpoints", headers=auth, data={
        "url": f"{URL}/oldtoken", "enabled_events[]": "*", "metadata[payport]": "vendor",
        "metadata[payport_vendor_id]": str(vendor.vendor_id),
    })
    await stripe_connection.connect_with_key(vendor.vendor_id, key)
    row = await StripeConnection.objects().where(StripeConnection.vendor == vendor.vendor_id).first()
    listed = await _endpoints(strict, key)
    assert [e["url"] for e in listed] == [f"{URL}/{row.webhook_token}"]
    assert listed[0]["api_version"] == stripe.api_version and listed[0]["id"] == row.webhook_endpoint_id
    assert encryption.decrypt(row.webhook_secret_enc).startswith("whsec_")

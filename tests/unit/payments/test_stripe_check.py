"""Issue 14 point 4: `payport stripe check` names every problem of a broken configuration, with its fix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import stripe

from app.services.payments.platform import register_platform_endpoints
from app.services.payments.stripe_check import check_stripe
from app.settings import get_settings
from app.stripe_gateway import WEBHOOK_EVENTS, StripeClientGateway, set_gateway
from app.tables.payments import PlatformWebhookEndpoint
from stripe_sandbox.app import create_app
from tests.servers import ThreadedServer
from tests.unit.payments.conftest import PLATFORM_KEY


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """A real sandbox server the CLI can reach (local URLs allowed, so the broken http endpoints can exist)."""
    server = ThreadedServer(create_app(platform_key=PLATFORM_KEY, allow_local_webhooks=True)).start()
    yield server.url
    server.stop()


def _client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": base}, max_network_retries=0)


def _clear(client: stripe.StripeClient) -> None:
    for endpoint in client.v1.webhook_endpoints.list().data:
        client.v1.webhook_endpoints.delete(endpoint.id)


def test_a_broken_configuration_names_every_problem_and_exits_non_zero(served: str) -> None:
    client = _client(served)
    _clear(client)
    url = "http://127.0.0.1:8000/webhooks/stripe"
    client.v1.webhook_endpoints.create(params={  # an old version and two events short
        "url": url, "enabled_events": WEBHOOK_EVENTS[:-2], "api_version": "2024-04-10", "metadata": {"payport": "platform"},
    })
    connect = client.v1.webhook_endpoints.create(params={
        "url": url, "enabled_events": WEBHOOK_EVENTS, "api_version": stripe.api_version, "connect": True,
        "metadata": {"payport": "connect"},
    })
    client.v1.webhook_endpoints.update(connect.id, params={"disabled": True})
    env = {**os.environ, "STRIPE_SECRET_KEY": PLATFORM_KEY, "STRIPE_API_BASE": served,
           "APP_BASE_URL": "http://127.0.0.1:8000", "PLATFORM_FEE_PERCENT": "25", "PLATFORM_FEE_FIXED": "5000"}
    done = subprocess.run([sys.executable, "-m", "app.cli", "stripe", "check"], env=env, capture_output=True,
                          text=True, timeout=60)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "secret key, test mode" in out
    assert f"missing events: {WEBHOOK_EVENTS[-2]}, {WEBHOOK_EVENTS[-1]}" in out
    assert f"API version 2024-04-10, not {stripe.api_version}" in out
    assert f"{connect.id} (connect) is disabled" in out
    assert "APP_BASE_URL http://127.0.0.1:8000 is not https" in out
    assert "PLATFORM_FEE_PERCENT is 25%" in out and "PLATFORM_FEE_FIXED is 5000" in out
    assert out.count("PROBLEM:") == out.count("  fix: ") == 6 and "6 problem(s) found." in out


async def test_a_healthy_configuration_has_no_problems(served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(_client(served))
    monkeypatch.setenv("STRIPE_SECRET_KEY", PLATFORM_KEY)
    monkeypatch.setenv("APP_BASE_URL", "https://billing.example.com")
    monkeypatch.setenv("PLATFORM_FEE_PERCENT", "2.5")
    monkeypatch.setenv("PLATFORM_FEE_FIXED", "30")
    get_settings.cache_clear()
    set_gateway(StripeClientGateway(PLATFORM_KEY, served, retries=0))
    try:
        await PlatformWebhookEndpoint.delete(force=True)
        await register_platform_endpoints()
        report = await check_stripe()
    finally:
        set_gateway(None)
        monkeypatch.undo()
        get_settings.cache_clear()
    assert report.problems == [], report.lines()
    assert any("public https" in line for line in report.fine)


async def test_no_key_is_a_problem_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        report = await check_stripe()
    finally:
        get_settings.cache_clear()
    assert [p.what for p in report.problems] == ["STRIPE_SECRET_KEY is not set."]


async def test_the_operator_sees_the_report_in_settings_and_a_vendor_does_not(vendor, other_vendor, sandbox, monkeypatch):
    monkeypatch.setenv("PLATFORM_ADMIN_EMAILS", f"someone@example.com, {vendor.email.upper()}")
    monkeypatch.setenv("PLATFORM_FEE_FIXED", "5000")
    get_settings.cache_clear()
    page = await vendor.client.get("/settings")
    assert 'hx-get="/settings/stripe-check"' in page.text and "Platform Stripe check" in page.text
    panel = await vendor.client.get("/settings/stripe-check", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "PLATFORM_FEE_FIXED is 5000" in panel.text and "Fix: PLATFORM_FEE_FIXED is in cents" in panel.text
    assert "is not https" in panel.text and "problem(s)" in panel.text
    assert "Platform Stripe check" not in (await other_vendor.client.get("/settings")).text
    refused = await other_vendor.client.get("/settings/stripe-check", headers={"HX-Request": "true"})
    assert refused.status_code == 404 and "PLATFORM_FEE" not in refused.text
    plain = await vendor.client.get("/settings/stripe-check", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/settings"


async def test_an_unreachable_stripe_is_a_problem_not_a_clean_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", PLATFORM_KEY)
    get_settings.cache_clear()
    set_gateway(StripeClientGateway(PLATFORM_KEY, "http://127.0.0.1:9", retries=0, timeout=2))
    try:
        report = await check_stripe()
    finally:
        set_gateway(None)
        monkeypatch.undo()
        get_settings.cache_clear()
    assert any(p.what.startswith("Stripe could not be reached") for p in report.problems)

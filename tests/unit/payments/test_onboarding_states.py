"""Issue 14 point 7 (app side): onboarding pending then live, deauthorization, the Express dashboard link."""

from __future__ import annotations

import pytest

from app.services.payments import connection as stripe_connection
from app.tables.payments import StripeConnection
from tests.unit.payments.conftest import CONNECT_SECRET, PLATFORM_SECRET, connect_vendor, deliver


pytestmark = pytest.mark.usefixtures("platform_secrets")


async def _latest_account_event(sandbox, account: str) -> dict:
    return (await sandbox.events("account.updated", account=account))[0]


async def _panel(vendor) -> str:
    return (await vendor.client.get("/settings/stripe", headers={"HX-Request": "true"})).text


async def test_details_submitted_shows_pending_review_then_connected(client, vendor, sandbox):
    await vendor.post("/settings/stripe/connect")
    row = await stripe_connection.get_connection(vendor.vendor_id)
    await sandbox.http.post(f"/_sandbox/accounts/{row.account_id}/onboard", data={"pending": "true"})
    assert (await deliver(client, await _latest_account_event(sandbox, row.account_id), CONNECT_SECRET)).status_code == 200
    panel = await _panel(vendor)
    assert "Details submitted — Stripe is reviewing" in panel and "Pending review" in panel
    assert "Stripe is verifying the details you submitted." in panel and "badge-paid\">Stripe Connected" not in panel
    assert not await stripe_connection.is_ready(vendor.vendor_id)
    await sandbox.http.post("/_sandbox/jobs/run")
    await deliver(client, await _latest_account_event(sandbox, row.account_id), CONNECT_SECRET)
    panel = await _panel(vendor)
    assert "badge-paid\">Stripe Connected" in panel and "Pending review" not in panel
    assert await stripe_connection.is_ready(vendor.vendor_id)


async def test_requirements_due_and_disabled_reason_are_shown_in_words(vendor, sandbox):
    await vendor.post("/settings/stripe/connect")
    await StripeConnection.update(
        {StripeConnection.requirements_due: ["external_account", "tos_acceptance.date"],
         StripeConnection.disabled_reason: "requirements.past_due"}
    ).where(StripeConnection.vendor == vendor.vendor_id)
    panel = await _panel(vendor)
    assert "Bank account for payouts" in panel and "Acceptance of Stripe&#39;s terms of service" in panel
    assert "Stripe needs more information; payments stay off until it is provided." in panel
    assert "Resume onboarding" in panel


async def test_deauthorized_vendor_is_shown_disconnected_and_takes_no_payment(client, vendor, sandbox):
    account = await connect_vendor(vendor.vendor_id, sandbox)
    event = (await sandbox.http.post(f"/_sandbox/accounts/{account}/deauthorize")).json()
    assert event["type"] == "account.application.deauthorized"
    assert (await deliver(client, event, PLATFORM_SECRET)).json()["outcome"].startswith("ignored")
    assert await stripe_connection.is_ready(vendor.vendor_id)
    assert (await deliver(client, event, CONNECT_SECRET)).json()["outcome"] == "applied"
    assert not await stripe_connection.is_ready(vendor.vendor_id)
    panel = await _panel(vendor)
    assert "Disconnected on Stripe" in panel and "Card payments are off" in panel
    assert "Connect Stripe again" in panel and "badge-paid\">Stripe Connected" not in panel
    again = await vendor.post("/settings/stripe/connect")  # a new Express account: the old one shut us out
    assert "/connect/onboarding/" in again.headers["hx-redirect"]
    row = await stripe_connection.get_connection(vendor.vendor_id)
    assert row.account_id != account and row.deauthorized_at is None


async def test_express_dashboard_button_opens_a_login_link(vendor, sandbox):
    await vendor.post("/settings/stripe/connect")
    early = await vendor.post("/settings/stripe/express-dashboard")
    assert early.status_code == 422 and "Finish Stripe onboarding first" in early.text
    await connect_vendor(vendor.vendor_id, sandbox)
    assert "Open Express dashboard" in await _panel(vendor)
    response = await vendor.post("/settings/stripe/express-dashboard")
    url = response.headers["hx-redirect"]
    assert "/express/" in url
    page = await sandbox.http.get(url.replace("http://sandbox.test", ""))
    assert page.status_code == 200

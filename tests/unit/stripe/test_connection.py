"""Settings > Stripe: Connect Express onboarding, own key, disconnect."""

from __future__ import annotations

from app.services.payments import connection as stripe_connection
from app.tables.payments import StripeConnection
from tests.unit.payments.conftest import connect_vendor


async def test_connect_express_creates_one_account_and_redirects_to_onboarding(vendor, sandbox):
    first = await vendor.post("/settings/stripe/connect")
    second = await vendor.post("/settings/stripe/connect")
    assert first.status_code == 200 and "/connect/onboarding/" in first.headers["hx-redirect"]
    assert "/connect/onboarding/" in second.headers["hx-redirect"]
    accounts = await sandbox.api("GET", "/v1/accounts")
    assert len(accounts["data"]) == 1
    page = await vendor.client.get("/settings")
    assert "Resume onboarding" in page.text and "Stripe needs a few more details" in page.text
    assert not await stripe_connection.is_ready(vendor.vendor_id)


async def test_onboarding_return_shows_stripe_connected(vendor, sandbox):
    await vendor.post("/settings/stripe/connect")
    connection = await stripe_connection.get_connection(vendor.vendor_id)
    await sandbox.http.post(f"/_sandbox/accounts/{connection.account_id}/onboard")
    response = await vendor.client.get("/settings/stripe/return", follow_redirects=True)
    assert "Stripe Connected" in response.text and "Stripe is connected" in response.text
    assert await stripe_connection.is_ready(vendor.vendor_id)
    assert "2.5%" in response.text  # the platform fee is shown to the vendor


async def test_own_key_is_checked_stored_encrypted_and_webhook_registered(vendor, sandbox):
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    response = await vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})
    assert response.status_code == 200
    assert "Stripe Connected" in response.text and made["secret_key"][-4:] in response.text
    assert made["secret_key"] not in response.text
    row = await StripeConnection.objects().where(StripeConnection.vendor == vendor.vendor_id).first()
    assert row.mode == "key" and row.account_id == made["account"]
    assert made["secret_key"] not in row.secret_key_enc and row.webhook_secret_enc.startswith("gAAAA")
    assert stripe_connection.api_key_for(row) == made["secret_key"]
    endpoints = (
        await sandbox.http.get("/v1/webhook_endpoints", headers={"Authorization": f"Bearer {made['secret_key']}"})
    ).json()
    assert [e["url"] for e in endpoints["data"]] == [f"http://127.0.0.1:8000/webhooks/stripe/{row.webhook_token}"]


async def test_bad_keys_are_refused_in_place(vendor, sandbox):
    for key, words in (
        ("pk_test_abcdefghijklmnopqrstuvwxyz", "publishable key"),
        ("hello", "starts with sk_live_"),
        ("sk_test_thiskeydoesnotexist123456", "rejected the secret key"),
    ):
        response = await vendor.post("/settings/stripe/key", {"secret_key": key})
        assert response.status_code == 422 and words in response.text
        assert 'aria-invalid="true"' in response.text
    assert await stripe_connection.get_connection(vendor.vendor_id) is None


async def test_disconnect_says_what_happens_to_links(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    response = await vendor.post("/settings/stripe/disconnect")
    assert "Existing payment links keep their addresses" in response.text
    assert "Connect Stripe" in response.text
    assert not await stripe_connection.is_ready(vendor.vendor_id)


async def test_stripe_settings_need_login(client):
    response = await client.post("/settings/stripe/connect", headers={"hx-request": "true"})
    assert response.status_code in (401, 403)

"""Issue 14 point 7: onboarding in steps, the platform deauthorized from Stripe's side, Express dashboard links."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_sandbox.core import Sandbox

from tests.unit.sandbox.helpers import Receiver, express_account, wait_until
from tests.unit.sandbox.shapes import check_object, compare, fixtures, reference_dir

needs_fixtures = pytest.mark.skipif(not (reference_dir() / "fixtures3.json").exists(), reason="Stripe fixtures not found")


def test_new_account_lists_what_is_due(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, onboard=False)
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert "external_account" in account.requirements.currently_due
    assert set(account.requirements.currently_due) <= set(account.requirements.eventually_due)
    assert set(account.capabilities.to_dict().values()) == {"inactive"}


def test_pending_step_then_activation_job(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["account.updated"], "connect": True})
    account = express_account(client, base, onboard=False)
    pending = httpx.post(f"{base}/_sandbox/accounts/{account.id}/onboard", json={"pending": True}).json()
    assert (pending["details_submitted"], pending["charges_enabled"], pending["capabilities"]["transfers"]) == (True, False, "pending")
    # A destination charge needs active transfers: refused while Stripe is still verifying.
    session = {"mode": "payment", "success_url": "https://payport.example.com/ok",
               "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "A"}}, "quantity": 1}],
               "payment_intent_data": {"transfer_data": {"destination": account.id}}}  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session)  # type: ignore[arg-type]
    assert caught.value.code == "insufficient_capabilities_for_transfer"
    httpx.post(f"{base}/_sandbox/jobs/run").raise_for_status()
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True
    assert client.v1.checkout.sessions.create(params=session).status == "open"  # type: ignore[arg-type]
    wait_until(lambda: len(receiver.requests) >= 2)
    states = [(e["data"]["object"]["details_submitted"], e["data"]["object"]["charges_enabled"]) for e in receiver.events()]
    assert sorted(states) == [(True, False), (True, True)]
    assert {e["account"] for e in receiver.events()} == {account.id}


def test_deauthorized_platform_gets_the_event_and_loses_access(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["account.application.deauthorized"], "connect": True})
    account = express_account(client, base)
    response = httpx.post(f"{base}/_sandbox/accounts/{account.id}/deauthorize")
    assert response.status_code == 200 and response.json()["type"] == "account.application.deauthorized"
    event = wait_until(lambda: receiver.events() and receiver.events()[0])
    assert (event["type"], event["account"], event["data"]["object"]["object"]) == ("account.application.deauthorized", account.id, "application")
    assert event["data"]["object"]["id"].startswith("ca_") and event["data"]["object"]["name"] == "PayPort Platform"
    with pytest.raises(stripe.PermissionError) as caught:
        client.v1.accounts.retrieve(account.id)
    assert caught.value.json_body["error"]["code"] == "account_invalid" and "revoked" in caught.value.user_message
    with pytest.raises(stripe.PermissionError):
        client.v1.checkout.sessions.list(options={"stripe_account": account.id})
    assert account.id not in [a.id for a in client.v1.accounts.list().data]
    assert httpx.post(f"{base}/_sandbox/accounts/{account.id}/deauthorize").status_code == 400


def test_login_link_opens_the_express_dashboard_once(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, name="Fern Florist")
    link = client.v1.accounts.login_links.create(account.id)
    assert link.object == "login_link" and link.url.startswith(f"{base}/express/")
    page = httpx.get(link.url)
    assert page.status_code == 200 and "Fern Florist" in page.text and "Express dashboard" in page.text
    again = httpx.get(link.url)
    assert again.status_code == 410 and "expired" in again.text


def test_login_link_needs_an_onboarded_express_account(client: stripe.StripeClient, base: str) -> None:
    fresh = express_account(client, base, onboard=False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.login_links.create(fresh.id)
    assert "completed onboarding" in caught.value.user_message
    standard = client.v1.accounts.create(params={"type": "standard"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(standard.id)


@needs_fixtures
def test_login_link_and_application_have_stripes_shape(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base)
    assert check_object(client.v1.accounts.login_links.create(account.id).to_dict(), "login_link") == []
    event = httpx.post(f"{base}/_sandbox/accounts/{account.id}/deauthorize").json()
    # The fixture's application id is a placeholder (obj_123); Connect application ids are ca_..., so compare fields only.
    assert check_object(event, "event") == [] and compare(event["data"]["object"], fixtures()["application"], None, sdk=stripe.Application) == []


def test_dashboard_disconnect_platform_button(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base)
    assert f"/dashboard/accounts/{account.id}/deauthorize" in httpx.get(f"{base}/dashboard").text
    response = httpx.post(f"{base}/dashboard/accounts/{account.id}/deauthorize")
    assert response.status_code == 200 and "account.application.deauthorized sent" in response.text
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(account.id)


def test_onboarding_delay_zero_activates_within_the_request(client: stripe.StripeClient, base: str, sandbox: Sandbox) -> None:
    account = express_account(client, base, onboard=False)
    link = client.v1.account_links.create(
        params={"account": account.id, "type": "account_onboarding", "refresh_url": "https://x.example.com/r", "return_url": "https://x.example.com/d"}
    )
    sandbox.onboarding_delay = 0
    try:
        httpx.get(link.url)
        httpx.post(link.url)
    finally:
        sandbox.onboarding_delay = None
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True
    assert len(client.v1.events.list(params={"type": "account.updated"}, options={"stripe_account": account.id}).data) == 2

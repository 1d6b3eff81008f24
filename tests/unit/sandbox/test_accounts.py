"""Connected accounts, account links and Express onboarding."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_sandbox.core import Sandbox
from tests.unit.sandbox.helpers import wait_until, express_account, new_key


def link(client: stripe.StripeClient, account_id: str) -> stripe.AccountLink:
    return client.v1.account_links.create(
        params={
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": "https://payport.test/stripe/refresh",
            "return_url": "https://payport.test/stripe/return",
        }
    )


def test_create_express_account(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(
        params={
            "type": "express",
            "country": "FR",
            "email": "owner@acme.test",
            "business_profile": {"name": "Acme"},
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": {"vendor_id": "7"},
        }
    )
    assert account.id.startswith("acct_") and account.type == "express"
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert account.default_currency == "eur" and account.business_profile.name == "Acme"
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    assert account.requirements.currently_due and account.controller.stripe_dashboard.type == "express"


def test_retrieve_and_list_only_the_platforms_accounts(client: stripe.StripeClient, base: str) -> None:
    first = express_account(client, base, onboard=False)
    second = express_account(client, base, onboard=False, name="Bolt")
    new_key(base)  # a standalone account is no connected account of the platform
    assert client.v1.accounts.retrieve(first.id).id == first.id
    assert [a.id for a in client.v1.accounts.list().data] == [second.id, first.id]
    assert client.v1.accounts.list(params={"limit": 1}).has_more


def test_invalid_account_params(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create(params={"type": "premium"})  # type: ignore[typeddict-item]
    assert caught.value.param == "type"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create(params={"type": "express", "colour": "red"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.code == "parameter_unknown"


def test_account_link_requires_urls_and_a_connected_account(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, onboard=False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(params={"account": account.id, "type": "account_onboarding", "return_url": "https://x.test"})
    assert (caught.value.code, caught.value.param) == ("parameter_missing", "refresh_url")
    with pytest.raises(stripe.PermissionError):
        link(client, new_key(base)["account"])
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(params={"account": account.id})  # type: ignore[typeddict-item]
    assert caught.value.code == "parameter_missing"


def test_onboarding_page_completes_account_and_emits_account_updated(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, onboard=False)
    created = link(client, account.id)
    assert created.object == "account_link" and created.url.startswith(f"{base}/connect/onboarding/")
    assert created.expires_at - created.created == 300
    page = httpx.get(created.url)
    assert page.status_code == 200 and "Complete onboarding" in page.text
    done = httpx.post(created.url)
    assert done.status_code == 303 and done.headers["location"] == "https://payport.test/stripe/return"
    # As on Stripe, details are in but payments wait for verification...
    after = client.v1.accounts.retrieve(account.id)
    assert (after.details_submitted, after.charges_enabled, after.payouts_enabled) == (True, False, False)
    assert set(after.capabilities.to_dict().values()) == {"pending"}
    assert after.requirements.currently_due == [] and after.requirements.disabled_reason == "requirements.pending_verification"
    assert after.requirements.eventually_due == after.requirements.pending_verification != []
    # ...and turn active a moment later, without any further request.
    wait_until(lambda: client.v1.accounts.retrieve(account.id).charges_enabled, timeout=10)
    active = client.v1.accounts.retrieve(account.id)
    assert (active.payouts_enabled, set(active.capabilities.to_dict().values())) == (True, {"active"})
    assert active.requirements.disabled_reason is None and active.requirements.eventually_due == []
    events = client.v1.events.list(params={"type": "account.updated"}, options={"stripe_account": account.id}).data
    assert [e.data.object.charges_enabled for e in reversed(events)] == [False, True]
    assert events[1].data.previous_attributes.details_submitted is False
    assert events[0].account == account.id and events[0].data.previous_attributes.charges_enabled is False


def test_used_or_expired_link_goes_to_refresh_url(client: stripe.StripeClient, base: str, sandbox: Sandbox) -> None:
    account = express_account(client, base, onboard=False)
    used = link(client, account.id)
    httpx.get(used.url)
    assert httpx.get(used.url).headers["location"] == "https://payport.test/stripe/refresh"
    stale = link(client, account.id)
    sandbox.store.execute("UPDATE account_links SET expires_at = 0 WHERE token = ?", (stale.url.rsplit("/", 1)[1],))
    response = httpx.get(stale.url)
    assert response.status_code == 303 and response.headers["location"] == "https://payport.test/stripe/refresh"
    assert client.v1.accounts.retrieve(account.id).details_submitted is False


def test_update_account_emits_account_updated(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, onboard=False)
    updated = client.v1.accounts.update(account.id, params={"business_profile": {"name": "Acme 2"}, "metadata": {"a": "1"}})
    assert updated.business_profile.name == "Acme 2" and updated.metadata.to_dict() == {"a": "1"}
    assert client.v1.events.list(options={"stripe_account": account.id}).data[0].type == "account.updated"


def test_own_account_via_stripe_account_header_and_standalone_key(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    assert client.v1.accounts.retrieve_current(options={"stripe_account": vendor.id}).id == vendor.id
    key = new_key(base, "Own Key Ltd")
    own = stripe.StripeClient(key["secret_key"], base_addresses={"api": base}, max_network_retries=0)
    me = own.v1.accounts.retrieve_current()
    assert me.id == key["account"] and me.charges_enabled and me.business_profile.name == "Own Key Ltd"


async def test_async_account_endpoints(async_client: stripe.StripeClient, base: str) -> None:
    account = await async_client.v1.accounts.create_async(params={"type": "express", "business_profile": {"name": "Async Co"}})
    assert (await async_client.v1.accounts.retrieve_async(account.id)).business_profile.name == "Async Co"
    assert [a.id for a in (await async_client.v1.accounts.list_async()).data] == [account.id]
    created = await async_client.v1.account_links.create_async(
        params={"account": account.id, "type": "account_onboarding", "refresh_url": "https://x.test/r", "return_url": "https://x.test/d"}
    )
    assert created.url.startswith(base)

"""The gateway's calls and what PayPort relies on in their answers, against each target (see conftest)."""

from __future__ import annotations

import time
import uuid

import pytest
import stripe

from app.stripe_gateway import API_VERSION, WEBHOOK_EVENTS, StripeClientGateway, StripeKeyRejected, StripeRejected
from tests.contract.conftest import Target

HOOK_URL = "https://payport-contract.example.com/webhooks/stripe"


def _sdk(target: Target) -> stripe.StripeClient:
    """The SDK itself, for set-up the gateway never does (a card payment made by the customer on Checkout)."""
    addresses = {"api": target.api_base} if target.api_base else {}
    return stripe.StripeClient(target.key, base_addresses=addresses, max_network_retries=0)


def _session_params(amount: int = 2_000) -> dict:
    return {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": amount,
                                                      "product_data": {"name": "Invoice INV-C-0001"}}}],
        "success_url": "https://payport-contract.example.com/pay/t/done",
        "cancel_url": "https://payport-contract.example.com/pay/t",
        "client_reference_id": "invoice-1",
        "metadata": {"payport_invoice_id": "1"},
    }


async def test_express_account_and_onboarding_link(target: Target) -> None:
    key = uuid.uuid4().hex
    account = await target.gateway.create_express_account("vendor@example.com", "Contract Co", 1, key)
    assert account.id.startswith("acct_") and not account.charges_enabled and not account.details_submitted
    again = await target.gateway.create_express_account("vendor@example.com", "Contract Co", 1, key)
    assert again.id == account.id  # the persisted idempotency key never makes a second account
    assert (await target.gateway.retrieve_account(account.id)).id == account.id
    url = await target.gateway.create_onboarding_link(
        account.id, "https://payport-contract.example.com/settings/stripe/refresh",
        "https://payport-contract.example.com/settings/stripe/return",
    )
    assert url.startswith("http") and len(url) > 20
    # The Express dashboard opens only once the vendor has submitted their details, on Stripe as in the sandbox.
    with pytest.raises(StripeRejected):
        await target.gateway.create_login_link(account.id)


async def test_own_key_reads_its_account(target: Target) -> None:
    account = await target.gateway.retrieve_own_account(target.key)
    assert account.id.startswith("acct_") and account.livemode is False


async def test_checkout_session_create_replay_retrieve_expire(target: Target) -> None:
    key = uuid.uuid4().hex
    session = await target.gateway.create_checkout_session(_session_params(), key)
    assert session.id.startswith("cs_test_") and session.status == "open" and session.payment_status == "unpaid"
    assert (session.amount_total, session.currency, session.client_reference_id) == (2_000, "USD", "invoice-1")
    assert session.url.startswith("http") and session.expires_at > time.time()
    assert session.metadata == {"payport_invoice_id": "1"}
    assert (await target.gateway.create_checkout_session(_session_params(), key)).id == session.id
    assert (await target.gateway.retrieve_checkout_session(session.id)).status == "open"
    assert (await target.gateway.expire_checkout_session(session.id)).status == "expired"


async def test_unknown_objects_and_bad_keys_are_refused_in_our_words(target: Target) -> None:
    with pytest.raises(StripeRejected) as caught:
        await target.gateway.retrieve_checkout_session("cs_test_doesnotexist0000000000")
    assert "No such checkout.session" in caught.value.message
    bad = StripeClientGateway("sk_test_thiskeydoesnotexist1234567890", target.api_base, retries=0)
    with pytest.raises(StripeKeyRejected):
        await bad.retrieve_own_account("sk_test_thiskeydoesnotexist1234567890")


async def test_webhook_endpoint_pinned_listed_updated_deleted(target: Target) -> None:
    created = await target.gateway.create_webhook_endpoint(HOOK_URL, True, {"payport": "contract"})
    try:
        assert created.id.startswith("we_") and created.secret.startswith("whsec_")
        assert created.api_version == API_VERSION and sorted(created.enabled_events) == sorted(WEBHOOK_EVENTS)
        listed = {e.id: e for e in await target.gateway.list_webhook_endpoints()}
        assert listed[created.id].url == HOOK_URL and listed[created.id].secret == ""  # shown once only
        assert listed[created.id].status == "enabled" and listed[created.id].metadata == {"payport": "contract"}
        updated = await target.gateway.update_webhook_endpoint(created.id, ["charge.refunded"])
        assert updated.enabled_events == ("charge.refunded",) and updated.api_version == API_VERSION
        probe = await target.gateway.probe("webhook_endpoints")
        assert probe.outcome == "ok"
    finally:
        await target.gateway.delete_webhook_endpoint(created.id)
    assert created.id not in {e.id for e in await target.gateway.list_webhook_endpoints()}
    await target.gateway.delete_webhook_endpoint(created.id)  # already gone counts as removed


async def test_payment_charge_balance_transaction_and_refund(target: Target) -> None:
    started = int(time.time()) - 5
    intent = _sdk(target).v1.payment_intents.create(params={
        "amount": 2_000, "currency": "usd", "payment_method": "pm_card_visa",
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "confirm": True,
    })
    assert intent.status == "succeeded"
    charge = await target.gateway.retrieve_payment_charge(intent.id)
    assert charge.id.startswith("ch_") and (charge.amount, charge.currency) == (2_000, "USD")
    assert charge.payment_intent == intent.id and charge.balance_transaction.startswith("txn_")
    txn = await target.gateway.retrieve_balance_transaction(charge.balance_transaction)
    assert txn.amount == 2_000 and txn.fee > 0 and txn.net == txn.amount - txn.fee and txn.currency == "USD"
    key = uuid.uuid4().hex
    refund = await target.gateway.create_refund({"payment_intent": intent.id, "amount": 500}, key)
    assert refund.id.startswith("re_") and refund.amount == 500 and refund.status in ("pending", "succeeded")
    assert refund.payment_intent == intent.id and refund.charge == charge.id
    assert (await target.gateway.create_refund({"payment_intent": intent.id, "amount": 500}, key)).id == refund.id
    assert (await target.gateway.retrieve_refund(refund.id)).amount == 500
    with pytest.raises(StripeRejected):
        await target.gateway.create_refund({"payment_intent": intent.id, "amount": 5_000}, uuid.uuid4().hex)
    window = await target.gateway.list_balance_transactions(started, int(time.time()) + 60)
    assert charge.balance_transaction in {t.id for t in window}


async def test_events_list_for_reconciliation(target: Target) -> None:
    events = await target.gateway.list_undelivered_events(int(time.time()) - 3600)
    assert all(e.id.startswith("evt_") and e.type in WEBHOOK_EVENTS for e in events)


async def test_saved_card_customer_and_off_session_charges(target: Target) -> None:
    sdk = _sdk(target)
    customer = await target.gateway.create_customer({"email": "ap@contract.example.com", "name": "Contract Co"},
                                                   uuid.uuid4().hex)
    assert customer.startswith("cus_")
    good = sdk.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    card = await target.gateway.retrieve_payment_method(good.id)
    assert (card.customer, card.brand, card.last4) == (customer, "visa", "4242") and card.exp_year > 2000
    params = {"amount": 2_000, "currency": "usd", "customer": customer, "payment_method": good.id,
              "off_session": True, "confirm": True}
    key = uuid.uuid4().hex
    paid = await target.gateway.charge_off_session(params, key)
    assert (paid.status, paid.amount, paid.currency) == ("succeeded", 2_000, "USD")
    assert (await target.gateway.charge_off_session(params, key)).id == paid.id  # the same attempt: one charge
    assert (await target.gateway.intent_card(paid.id)).last4 == "4242"
    failing = sdk.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer})
    declined = await target.gateway.charge_off_session({**params, "payment_method": failing.id}, uuid.uuid4().hex)
    assert (declined.status, declined.error_code) == ("requires_payment_method", "card_declined")
    strong = sdk.v1.payment_methods.attach("pm_card_authenticationRequired", params={"customer": customer})
    asked = await target.gateway.charge_off_session({**params, "payment_method": strong.id}, uuid.uuid4().hex)
    assert asked.error_code == "authentication_required" and asked.id.startswith("pi_")
    await target.gateway.detach_payment_method(good.id)
    await target.gateway.detach_payment_method(good.id)  # already detached: still fine
    assert (await target.gateway.retrieve_payment_method(good.id)).customer == ""

"""Checkout Sessions through the SDK, and what paying or declining on the hosted flow does to them."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from stripe_sandbox.core import Sandbox
from tests.unit.sandbox.helpers import express_account, pay, session_params


def test_create_returns_an_open_session_with_hosted_url(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.object == "checkout.session" and session.id.startswith("cs_test_")
    assert session.url == f"{base}/checkout/{session.id}"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_total, session.amount_subtotal, session.currency) == (2500, 2500, "usd")
    assert session.client_reference_id == "invoice-42" and session.metadata.to_dict() == {"invoice_id": "42"}
    assert session.customer_email == "buyer@example.com" and session.payment_method_types == ["card"]
    assert session.success_url.endswith("{CHECKOUT_SESSION_ID}")
    assert 24 * 3600 - 5 <= session.expires_at - session.created <= 24 * 3600


def test_retrieve_list_and_line_items(client: stripe.StripeClient) -> None:
    first = client.v1.checkout.sessions.create(params=session_params())
    second = client.v1.checkout.sessions.create(params=session_params(client_reference_id="invoice-43"))
    assert client.v1.checkout.sessions.retrieve(first.id).id == first.id
    listed = client.v1.checkout.sessions.list(params={"limit": 1})
    assert [s.id for s in listed.data] == [second.id] and listed.has_more
    after = client.v1.checkout.sessions.list(params={"starting_after": second.id})
    assert [s.id for s in after.data] == [first.id] and not after.has_more
    items = client.v1.checkout.sessions.line_items.list(first.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [("Invoice INV-0001", 2, 2500)]
    expanded = client.v1.checkout.sessions.retrieve(first.id, params={"expand": ["line_items"]})
    assert expanded.line_items.data[0].price.unit_amount == 1250


def test_expire_via_api_emits_event_and_cannot_repeat(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    assert client.v1.events.list(params={"type": "checkout.session.expired"}).data[0].data.object.id == session.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    assert [s.id for s in client.v1.checkout.sessions.list(params={"status": "expired"}).data] == [session.id]


def test_session_past_expires_at_is_expired_on_read(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    sandbox.store.execute(
        "UPDATE objects SET data = json_set(data, '$.expires_at', ?) WHERE id = ?", (int(time.time()) - 1, session.id)
    )
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_success_card_completes_session_and_creates_payment(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params(payment_intent_data={"metadata": {"invoice_id": "42"}}))
    assert pay(base, session.id).status_code == 200
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.customer_details.email == "buyer@example.com"
    intent = done.payment_intent
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 2500, 2500)
    assert intent.metadata.to_dict() == {"invoice_id": "42"}
    charge = intent.latest_charge
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("succeeded", True, True, 2500)
    assert charge.payment_method_details.card.last4 == "4242"
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert txn.amount == 2500 and txn.net == 2500 - txn.fee
    types = [e.type for e in client.v1.events.list().data]
    assert types == ["checkout.session.completed", "payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [("4000000000000002", "card_declined", "generic_decline"), ("4000000000009995", "card_declined", "insufficient_funds")],
)
def test_declined_card_leaves_session_open_with_error_recorded(
    client: stripe.StripeClient, base: str, card: str, code: str, decline_code: str
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params(payment_intent_data={"metadata": {"invoice_id": "42"}}))
    response = pay(base, session.id, card)
    assert response.status_code == 402 and response.json()["error"]["decline_code"] == decline_code
    after = client.v1.checkout.sessions.retrieve(session.id)
    assert (after.status, after.payment_status) == ("open", "unpaid")
    intent = client.v1.payment_intents.retrieve(after.payment_intent)
    assert intent.status == "requires_payment_method"
    assert (intent.last_payment_error.code, intent.last_payment_error.decline_code) == (code, decline_code)
    assert intent.last_payment_error.type == "card_error"
    failed = client.v1.events.list(params={"type": "payment_intent.payment_failed"}).data[0]
    assert failed.data.object.metadata.to_dict() == {"invoice_id": "42"}
    charge_failed = client.v1.events.list(params={"type": "charge.failed"}).data[0].data.object
    assert (charge_failed.failure_code, charge_failed.outcome.reason) == (code, decline_code)
    # The customer tries another card: the same payment intent succeeds.
    assert pay(base, session.id).status_code == 200
    retried = client.v1.payment_intents.retrieve(after.payment_intent)
    assert retried.status == "succeeded" and retried.last_payment_error is None


def test_completed_or_expired_session_cannot_be_paid(client: stripe.StripeClient, base: str) -> None:
    paid = client.v1.checkout.sessions.create(params=session_params())
    pay(base, paid.id).raise_for_status()
    assert pay(base, paid.id).status_code == 409
    expired = client.v1.checkout.sessions.create(params=session_params())
    httpx.post(f"{base}/_sandbox/checkout/sessions/{expired.id}/expire").raise_for_status()
    assert pay(base, expired.id).status_code == 409
    assert client.v1.checkout.sessions.retrieve(expired.id).payment_status == "unpaid"


def test_destination_charge_records_fee_and_transfer(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    session = client.v1.checkout.sessions.create(
        params=session_params(
            payment_intent_data={
                "application_fee_amount": 125,
                "transfer_data": {"destination": vendor.id},
                "on_behalf_of": vendor.id,
            }
        )
    )
    pay(base, session.id).raise_for_status()
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    assert intent.application_fee_amount == 125 and intent.transfer_data.destination == vendor.id
    assert intent.on_behalf_of == vendor.id
    charge = client.v1.charges.retrieve(intent.latest_charge)
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount, fee.account, fee.charge) == (125, vendor.id, charge.id)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (2375, vendor.id, charge.id)
    types = {e.type for e in client.v1.events.list(params={"limit": 100}).data}
    assert {"application_fee.created", "transfer.created", "checkout.session.completed"} <= types
    # Destination charges live on the platform: the connected account sees none of these events.
    vendor_events = client.v1.events.list(options={"stripe_account": vendor.id}).data
    assert {e.type for e in vendor_events} == {"account.updated"}  # from onboarding only


def test_direct_charge_on_connected_account(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    on_vendor = {"stripe_account": vendor.id}
    session = client.v1.checkout.sessions.create(
        params=session_params(payment_intent_data={"application_fee_amount": 200}), options=on_vendor
    )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve(session.id)  # not on the platform
    pay(base, session.id).raise_for_status()
    done = client.v1.checkout.sessions.retrieve(session.id, options=on_vendor)
    assert done.payment_status == "paid"
    intent = client.v1.payment_intents.retrieve(done.payment_intent, options=on_vendor)
    assert intent.application.startswith("ca_") and intent.application_fee_amount == 200
    completed = client.v1.events.list(params={"type": "checkout.session.completed"}, options=on_vendor).data[0]
    assert completed.account == vendor.id
    fee_event = client.v1.events.list(params={"type": "application_fee.created"}).data[0]
    assert fee_event.data.object.account == vendor.id and getattr(fee_event, "account", None) is None


def test_hosted_page_form_pays_and_redirects(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    page = httpx.get(session.url)
    assert page.status_code == 200 and "Invoice INV-0001" in page.text and "USD 25.00" in page.text
    assert "Stripe sandbox — no real money" in page.text
    form = {"email": "buyer@example.com", "number": "4000 0000 0000 0002", "expiry": "12 / 34", "cvc": "123"}
    declined = httpx.post(session.url, data=form)
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    paid = httpx.post(session.url, data={**form, "number": "4242 4242 4242 4242"})
    assert paid.status_code == 303
    assert paid.headers["location"] == f"https://payport.test/pay/ok?session={session.id}"
    assert httpx.get(session.url).status_code == 410


def test_hosted_page_rejects_malformed_cards_without_a_charge(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    form = {"email": "buyer@example.com", "number": "4242 4242 4242 4241", "expiry": "12 / 34", "cvc": "123"}
    assert "Your card number is incorrect." in httpx.post(session.url, data=form).text
    assert "expiration year is in the past" in httpx.post(session.url, data={**form, "number": "4242424242424242", "expiry": "01/20"}).text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_intent is None


async def test_async_checkout_endpoints(async_client: stripe.StripeClient, base: str) -> None:
    session = await async_client.v1.checkout.sessions.create_async(params=session_params())
    assert (await async_client.v1.checkout.sessions.retrieve_async(session.id)).status == "open"
    assert (await async_client.v1.checkout.sessions.list_async()).data[0].id == session.id
    items = await async_client.v1.checkout.sessions.line_items.list_async(session.id)
    assert items.data[0].amount_total == 2500
    pay(base, session.id).raise_for_status()
    done = await async_client.v1.checkout.sessions.retrieve_async(session.id)
    intent = await async_client.v1.payment_intents.retrieve_async(done.payment_intent)
    charge = await async_client.v1.charges.retrieve_async(intent.latest_charge)
    assert charge.paid
    other = await async_client.v1.checkout.sessions.create_async(params=session_params())
    assert (await async_client.v1.checkout.sessions.expire_async(other.id)).status == "expired"

"""Issue 16 point 5: customers, payment methods, SetupIntents and off-session PaymentIntents with Stripe's test cards."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.unit.sandbox.helpers import express_account
from tests.unit.sandbox.shapes import check_object, reference_dir

needs_fixtures = pytest.mark.skipif(not (reference_dir() / "fixtures3.json").exists(), reason="Stripe fixtures not found")


def types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in reversed(client.v1.events.list(params={"limit": 100}).data)]


def customer_with(client: stripe.StripeClient, method: str = "pm_card_visa") -> tuple[stripe.Customer, stripe.PaymentMethod]:
    customer = client.v1.customers.create(params={"email": "ada@example.com", "name": "Ada"})
    pm = client.v1.payment_methods.attach(method, params={"customer": customer.id})
    return customer, pm


def autopay(client: stripe.StripeClient, customer: str, pm: str, **extra: object) -> stripe.PaymentIntent:
    params = {"amount": 4200, "currency": "usd", "customer": customer, "payment_method": pm, "off_session": True, "confirm": True, **extra}
    return client.v1.payment_intents.create(params=params, options={"idempotency_key": f"invoice-7-attempt-{pm}"})  # type: ignore[arg-type]


def test_customer_and_payment_method_lifecycle(client: stripe.StripeClient) -> None:
    customer, pm = customer_with(client)
    assert customer.id.startswith("cus_") and pm.id.startswith("pm_") and pm.id != "pm_card_visa"
    assert (pm.customer, pm.card.brand, pm.card.last4) == (customer.id, "visa", "4242")
    assert client.v1.payment_methods.retrieve(pm.id).customer == customer.id
    assert [m.id for m in client.v1.customers.payment_methods.list(customer.id).data] == [pm.id]
    assert [m.id for m in client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"}).data] == [pm.id]
    client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert types(client) == ["customer.created", "payment_method.attached", "customer.updated", "payment_method.detached"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.detach(pm.id)


def test_default_payment_method_must_belong_to_the_customer(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "bob@example.com"})
    _, other = customer_with(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": other.id}})
    assert caught.value.param == "invoice_settings[default_payment_method]"


def test_setup_intent_saves_the_card(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    setup = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True, "usage": "off_session"})
    assert (setup.status, setup.usage, setup.id.startswith("seti_")) == ("succeeded", "off_session", True)
    assert client.v1.payment_methods.retrieve(setup.payment_method).customer == customer.id
    assert client.v1.setup_intents.retrieve(setup.id).status == "succeeded"
    assert types(client)[-3:] == ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded"]


def test_setup_intent_with_declining_or_3ds_card(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    with pytest.raises(stripe.CardError) as caught:
        client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_chargeDeclined", "confirm": True})
    assert caught.value.code == "card_declined"
    failed = caught.value.json_body["error"]["setup_intent"]
    assert failed["status"] == "requires_payment_method" and failed["last_setup_error"]["decline_code"] == "generic_decline"
    assert "setup_intent.setup_failed" in types(client)
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    action = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_authenticationRequired", "confirm": True})
    assert action.status == "requires_action" and action.next_action.type == "use_stripe_sdk"
    assert types(client)[-1] == "setup_intent.requires_action"


def test_off_session_payment_succeeds(client: stripe.StripeClient) -> None:
    customer, pm = customer_with(client)
    intent = autopay(client, customer.id, pm.id, metadata={"invoice_id": "7"})
    assert (intent.status, intent.amount_received, intent.customer, intent.payment_method) == ("succeeded", 4200, customer.id, pm.id)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.paid, charge.customer, charge.payment_method_details.card.last4) == (True, customer.id, "4242")
    assert client.v1.balance_transactions.retrieve(charge.balance_transaction).amount == 4200
    assert types(client)[-3:] == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    # The same idempotency key (a retried request for the same attempt) answers the stored intent: one charge.
    again = autopay(client, customer.id, pm.id, metadata={"invoice_id": "7"})
    assert again.id == intent.id and len(client.v1.charges.list().data) == 1


def test_off_session_decline_is_a_card_error_and_leaves_the_intent_open(client: stripe.StripeClient) -> None:
    customer, pm = customer_with(client, "pm_card_chargeDeclinedInsufficientFunds")
    with pytest.raises(stripe.CardError) as caught:
        autopay(client, customer.id, pm.id)
    error = caught.value
    assert (error.http_status, error.code, error.json_body["error"]["decline_code"]) == (402, "card_declined", "insufficient_funds")
    intent = client.v1.payment_intents.retrieve(error.json_body["error"]["payment_intent"]["id"])
    assert intent.status == "requires_payment_method" and intent.last_payment_error.decline_code == "insufficient_funds"
    assert types(client)[-2:] == ["charge.failed", "payment_intent.payment_failed"]
    # A retry with a new card on the same intent pays it.
    _, good = customer_with(client)
    client.v1.payment_methods.detach(good.id)
    client.v1.payment_methods.attach(good.id, params={"customer": customer.id})
    paid = client.v1.payment_intents.confirm(intent.id, params={"payment_method": good.id, "off_session": True})
    assert paid.status == "succeeded"


def test_authentication_required_card(client: stripe.StripeClient, base: str) -> None:
    customer, pm = customer_with(client, "pm_card_authenticationRequired")
    with pytest.raises(stripe.CardError) as caught:
        autopay(client, customer.id, pm.id)
    assert caught.value.code == "authentication_required"
    intent_id = caught.value.json_body["error"]["payment_intent"]["id"]
    assert client.v1.payment_intents.retrieve(intent_id).status == "requires_payment_method"
    # The customer comes back on-session: Stripe asks for 3-D Secure, then the payment goes through.
    action = client.v1.payment_intents.confirm(intent_id, params={"payment_method": pm.id})
    assert action.status == "requires_action" and action.next_action.type == "use_stripe_sdk"
    assert types(client)[-1] == "payment_intent.requires_action"
    done = httpx.post(f"{base}/_sandbox/payment_intents/{intent_id}/authenticate", json={"outcome": "succeed"}).json()
    assert done["status"] == "succeeded" and client.v1.payment_intents.retrieve(intent_id).status == "succeeded"


def test_off_session_destination_charge_moves_fee_and_transfer(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    customer, pm = customer_with(client)
    intent = autopay(client, customer.id, pm.id, application_fee_amount=300, transfer_data={"destination": vendor.id})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert client.v1.transfers.retrieve(charge.transfer).amount == 3900
    assert client.v1.application_fees.retrieve(charge.application_fee).amount == 300


def test_payment_intent_create_checks(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"amount": 30, "currency": "usd"})
    assert caught.value.code == "amount_too_small" and caught.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "customer": "cus_missing"})
    assert caught.value.code == "resource_missing"
    pending = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(pending.id)
    assert caught.value.code == "payment_intent_unexpected_state"


@needs_fixtures
def test_saved_card_objects_have_stripes_shape(client: stripe.StripeClient) -> None:
    customer, pm = customer_with(client)
    setup = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_mastercard", "confirm": True})
    assert check_object(client.v1.customers.retrieve(customer.id).to_dict(), "customer") == []
    assert check_object(pm.to_dict(), "payment_method") == []
    assert check_object(setup.to_dict(), "setup_intent") == []
    intent = autopay(client, customer.id, pm.id)
    assert check_object(intent.to_dict(), "payment_intent") == []
    for event in client.v1.events.list(params={"limit": 100}).data:
        inner = event.data.object.to_dict()
        assert check_object(inner, inner["object"]) == [], event.type


def test_setup_mode_checkout_saves_a_card_on_the_customer(client: stripe.StripeClient, base: str) -> None:
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    session = client.v1.checkout.sessions.create(
        params={"mode": "setup", "customer": customer.id, "currency": "usd", "success_url": "https://payport.example.com/saved"}
    )
    assert (session.mode, session.amount_total, session.payment_status, session.customer) == ("setup", None, "no_payment_required", customer.id)
    page = httpx.get(session.url)
    assert page.status_code == 200 and "Save card" in page.text and "Save your card" in page.text
    declined = httpx.post(f"{base}/_sandbox/checkout/sessions/{session.id}/pay", json={"card": "4000000000000002"})
    assert declined.status_code == 402 and client.v1.checkout.sessions.retrieve(session.id).status == "open"
    done = httpx.post(session.url, data={"email": "ada@example.com", "number": "4242 4242 4242 4242", "expiry": "12 / 34", "cvc": "123"})
    assert done.status_code == 303 and done.headers["location"] == "https://payport.example.com/saved"
    finished = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    assert finished.status == "complete" and finished.setup_intent.status == "succeeded"
    saved = client.v1.customers.payment_methods.list(customer.id).data
    assert [m.card.last4 for m in saved] == ["4242"] and finished.setup_intent.payment_method == saved[0].id
    assert types(client)[-4:] == ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded", "checkout.session.completed"]
    # The saved card then pays off-session.
    assert autopay(client, customer.id, saved[0].id).status == "succeeded"


def test_payment_with_setup_future_usage_saves_the_card(client: stripe.StripeClient, base: str) -> None:
    line = {"price_data": {"currency": "usd", "unit_amount": 5000, "product_data": {"name": "Invoice 1"}}, "quantity": 1}
    session = client.v1.checkout.sessions.create(
        params={"mode": "payment", "line_items": [line], "customer_creation": "always", "customer_email": "ada@example.com",
                "success_url": "https://payport.example.com/ok", "payment_intent_data": {"setup_future_usage": "off_session"}}  # fmt: skip
    )
    httpx.post(f"{base}/_sandbox/checkout/sessions/{session.id}/pay", json={"card": "4242424242424242"}).raise_for_status()
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer and done.customer.startswith("cus_")
    intent = client.v1.payment_intents.retrieve(done.payment_intent)
    assert intent.customer == done.customer and intent.setup_future_usage == "off_session"
    saved = client.v1.customers.payment_methods.list(done.customer).data
    assert [m.id for m in saved] == [intent.payment_method]
    assert autopay(client, done.customer, saved[0].id).status == "succeeded"


def test_card_0341_saves_then_declines_every_charge(client: stripe.StripeClient, base: str) -> None:
    customer = client.v1.customers.create(params={"email": "ada@example.com"})
    session = client.v1.checkout.sessions.create(
        params={"mode": "setup", "customer": customer.id, "currency": "usd", "success_url": "https://payport.example.com/saved"}
    )
    saved = httpx.post(f"{base}/_sandbox/checkout/sessions/{session.id}/pay", json={"card": "4000000000000341"})
    assert saved.status_code == 200
    method = client.v1.customers.payment_methods.list(customer.id).data[0]
    assert (method.card.last4, method.customer) == ("0341", customer.id)
    with pytest.raises(stripe.CardError) as caught:
        autopay(client, customer.id, method.id)
    assert (caught.value.code, caught.value.json_body["error"]["decline_code"]) == ("card_declined", "generic_decline")
    assert types(client)[-2:] == ["charge.failed", "payment_intent.payment_failed"]
    # The same through the API: the test id attaches, the SetupIntent succeeds, the charge fails.
    setup = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_chargeCustomerFail", "confirm": True})
    assert setup.status == "succeeded"
    with pytest.raises(stripe.CardError):
        autopay(client, customer.id, setup.payment_method, metadata={"attempt": "2"})

"""Refunds: full and partial, by payment intent or charge, and the errors around them."""

from __future__ import annotations

import pytest
import stripe

from tests.unit.sandbox.helpers import express_account, pay, session_params


@pytest.fixture
def paid_intent(client: stripe.StripeClient, base: str) -> stripe.PaymentIntent:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    return client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)


def test_partial_then_full_refund(client: stripe.StripeClient, paid_intent: stripe.PaymentIntent) -> None:
    partial = client.v1.refunds.create(params={"payment_intent": paid_intent.id, "amount": 1000, "reason": "requested_by_customer"})
    assert (partial.object, partial.amount, partial.status, partial.reason) == ("refund", 1000, "succeeded", "requested_by_customer")
    assert partial.id.startswith("re_") and partial.charge == paid_intent.latest_charge
    charge = client.v1.charges.retrieve(paid_intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)
    rest = client.v1.refunds.create(params={"charge": charge.id})
    assert rest.amount == 1500
    charge = client.v1.charges.retrieve(paid_intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2500, True)
    assert client.v1.refunds.retrieve(partial.id).amount == 1000
    refunded_event = client.v1.events.list(params={"type": "charge.refunded"}).data[0]
    assert refunded_event.data.object.amount_refunded == 2500
    assert refunded_event.data.previous_attributes.amount_refunded == 1000
    assert [r.id for r in client.v1.refunds.list(params={"payment_intent": paid_intent.id}).data] == [rest.id, partial.id]
    assert len(client.v1.events.list(params={"type": "refund.created"}).data) == 2


def test_refund_errors(client: stripe.StripeClient, paid_intent: stripe.PaymentIntent) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": paid_intent.id, "amount": 2501})
    assert caught.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"charge": "ch_missing"})
    assert caught.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": paid_intent.id, "reason": "bored"})  # type: ignore[typeddict-item]
    assert caught.value.param == "reason"
    client.v1.refunds.create(params={"payment_intent": paid_intent.id})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": paid_intent.id})
    assert caught.value.code == "charge_already_refunded"


def test_unpaid_intent_cannot_be_refunded(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id, "4000000000000002")
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent})


def test_destination_refund_reverses_transfer_and_fee(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    session = client.v1.checkout.sessions.create(
        params=session_params(payment_intent_data={"application_fee_amount": 500, "transfer_data": {"destination": vendor.id}})
    )
    pay(base, session.id).raise_for_status()
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = client.v1.refunds.create(params={"payment_intent": intent, "reverse_transfer": True, "refund_application_fee": True})
    assert refund.transfer_reversal.startswith("trr_")
    charge = client.v1.charges.retrieve(client.v1.payment_intents.retrieve(intent).latest_charge)
    assert client.v1.transfers.retrieve(charge.transfer).reversed is True
    assert client.v1.application_fees.retrieve(charge.application_fee).amount_refunded == 500


async def test_async_refunds(async_client: stripe.StripeClient, paid_intent: stripe.PaymentIntent) -> None:
    refund = await async_client.v1.refunds.create_async(params={"payment_intent": paid_intent.id, "amount": 100})
    assert (await async_client.v1.refunds.retrieve_async(refund.id)).amount == 100
    assert (await async_client.v1.refunds.list_async()).data[0].id == refund.id

"""Issue 14 point 1: Checkout names the settlement merchant (on_behalf_of) as Stripe does, not the platform."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.unit.sandbox.helpers import express_account, pay, session_params


def _connect_session(client: stripe.StripeClient, account: str, on_behalf_of: bool) -> stripe.checkout.Session:
    intent_data: dict = {"transfer_data": {"destination": account}, "application_fee_amount": 100}
    if on_behalf_of:
        intent_data["on_behalf_of"] = account
    return client.v1.checkout.sessions.create(params=session_params(payment_intent_data=intent_data))


def test_on_behalf_of_puts_the_vendor_on_the_checkout_page(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, name="Kyoto Ceramics")
    session = _connect_session(client, account.id, on_behalf_of=True)
    page = httpx.get(session.url).text
    assert "<title>Pay Kyoto Ceramics" in page
    assert "Cancel and return to Kyoto Ceramics" in page
    assert "PayPort" not in page.split("<main", 1)[1]


def test_a_destination_charge_without_on_behalf_of_shows_the_platform(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, name="Kyoto Ceramics")
    session = _connect_session(client, account.id, on_behalf_of=False)
    page = httpx.get(session.url).text
    assert "Cancel and return to Kyoto Ceramics" not in page
    assert "Cancel and return to " in page


def test_the_charge_of_an_on_behalf_of_session_names_the_vendor(client: stripe.StripeClient, base: str) -> None:
    account = express_account(client, base, name="Kyoto Ceramics")
    session = _connect_session(client, account.id, on_behalf_of=True)
    pay(base, session.id)
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    assert intent.on_behalf_of == account.id
    assert intent.transfer_data.destination == account.id


def test_on_behalf_of_must_be_the_destination(client: stripe.StripeClient, base: str) -> None:
    first = express_account(client, base, name="Kyoto Ceramics")
    second = express_account(client, base, name="Osaka Tea")
    intent_data = {"transfer_data": {"destination": first.id}, "on_behalf_of": second.id}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(payment_intent_data=intent_data))
    assert caught.value.param == "payment_intent_data[on_behalf_of]"
    assert "transfer_data[destination]" in caught.value.user_message

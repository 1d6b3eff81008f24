"""Issue 14 point 5: Stripe's minimum charge per settlement currency, every currency Stripe charges in, and the
three-decimal currencies whose amounts must end in 0."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.currencies import CURRENCIES, THREE_DECIMAL, ZERO_DECIMAL
from tests.unit.sandbox.helpers import pay, session_params


def items(currency: str, amount: int) -> list[dict[str, Any]]:
    return [{"price_data": {"currency": currency, "unit_amount": amount, "product_data": {"name": "Invoice"}}, "quantity": 1}]


def vendor_in(client: stripe.StripeClient, base: str, country: str) -> str:
    account = client.v1.accounts.create(params={"type": "express", "country": country, "business_profile": {"name": f"{country} shop"}})
    httpx.post(f"{base}/_sandbox/accounts/{account.id}/onboard").raise_for_status()
    return account.id


def refused(client: stripe.StripeClient, currency: str, amount: int, **options: Any) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(line_items=items(currency, amount)), options=options)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(("currency", "amount"), [("jpy", 49), ("jpy", 50), ("sek", 400)])
def test_small_foreign_charges_on_a_usd_account_are_refused_after_conversion(client: stripe.StripeClient, currency: str, amount: int) -> None:
    error = refused(client, currency, amount)
    assert (error.code, error.param) == ("amount_too_small", "line_items")
    assert "at least USD 0.50" in error.user_message and "converts to approximately USD 0.3" in error.user_message


def test_enough_after_conversion_passes(client: stripe.StripeClient) -> None:
    assert client.v1.checkout.sessions.create(params=session_params(line_items=items("jpy", 100))).amount_total == 100


def test_gbp_account_takes_thirty_pence_minimum(client: stripe.StripeClient, base: str) -> None:
    shop = vendor_in(client, base, "GB")
    session = client.v1.checkout.sessions.create(params=session_params(line_items=items("gbp", 40)), options={"stripe_account": shop})
    assert session.amount_total == 40
    pay(base, session.id).raise_for_status()
    error = refused(client, "gbp", 25, stripe_account=shop)
    assert error.code == "amount_too_small" and "at least GBP 0.30." in error.user_message


def test_on_behalf_of_settles_in_the_vendors_currency(client: stripe.StripeClient, base: str) -> None:
    shop = vendor_in(client, base, "GB")
    data = {"on_behalf_of": shop, "transfer_data": {"destination": shop}}
    # GBP 0.40 would be USD 0.51 on the platform anyway; GBP 0.35 (USD 0.44) passes only because the vendor settles in GBP.
    session = client.v1.checkout.sessions.create(params=session_params(line_items=items("gbp", 35), payment_intent_data=data))
    assert session.amount_total == 35
    error = refused(client, "gbp", 35)
    assert "at least USD 0.50" in error.user_message


def test_jpy_account_minimum_is_fifty_yen(client: stripe.StripeClient, base: str) -> None:
    shop = vendor_in(client, base, "JP")
    assert client.v1.checkout.sessions.create(params=session_params(line_items=items("jpy", 50)), options={"stripe_account": shop}).amount_total == 50
    assert "at least JPY 50." in refused(client, "jpy", 49, stripe_account=shop).user_message


def test_three_decimal_amounts_must_end_in_zero(client: stripe.StripeClient) -> None:
    error = refused(client, "kwd", 1005)
    assert (error.code, error.param) == ("amount_invalid", "line_items[0][price_data][unit_amount]")
    assert "must end in 0" in error.user_message
    assert client.v1.checkout.sessions.create(params=session_params(line_items=items("kwd", 1010))).currency == "kwd"


def test_refund_in_a_three_decimal_currency_must_end_in_zero(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params(line_items=items("bhd", 5000)))
    pay(base, session.id).raise_for_status()
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 1001})
    assert caught.value.code == "amount_invalid"
    assert client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000}).amount == 1000


def test_every_stripe_currency_is_known_with_its_decimals(client: stripe.StripeClient) -> None:
    assert len(CURRENCIES) >= 135
    assert {"usd", "eur", "xcd", "ngn", "mnt", "pgk", "zmw", "isk", "bam"} <= CURRENCIES
    assert ZERO_DECIMAL == {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
    assert THREE_DECIMAL == {"bhd", "jod", "kwd", "omr", "tnd"}
    assert client.v1.checkout.sessions.create(params=session_params(line_items=items("mnt", 500000))).currency == "mnt"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(line_items=items("xyz", 5000)))
    assert caught.value.param == "line_items[0][price_data][currency]"

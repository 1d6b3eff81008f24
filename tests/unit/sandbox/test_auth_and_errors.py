"""Keys, Stripe-Account, error shapes and the exception classes the SDK raises from them."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.unit.sandbox.helpers import PLATFORM_KEY, express_account, new_key, session_params


def test_unknown_key_is_an_authentication_error(base: str) -> None:
    client = stripe.StripeClient("sk_test_nobody_has_this_key", base_addresses={"api": base}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.checkout.sessions.list()
    assert caught.value.http_status == 401
    assert "Invalid API Key provided" in caught.value.user_message


def test_missing_key_is_401_with_stripe_shape(base: str) -> None:
    response = httpx.get(f"{base}/v1/events")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in response.json()["error"]["message"]


def test_basic_auth_like_curl_dash_u_is_accepted(base: str) -> None:
    response = httpx.get(f"{base}/v1/events", auth=(PLATFORM_KEY, ""))
    assert response.status_code == 200 and response.json()["object"] == "list"


def test_stripe_account_of_a_stranger_is_a_permission_error(client: stripe.StripeClient, base: str) -> None:
    other = new_key(base)
    with pytest.raises(stripe.PermissionError) as caught:
        client.v1.checkout.sessions.list(options={"stripe_account": other["account"]})
    assert caught.value.json_body["error"]["code"] == "account_invalid"
    assert caught.value.http_status == 403


def test_standalone_key_cannot_act_on_platform_connected_account(client: stripe.StripeClient, base: str) -> None:
    connected = express_account(client, base)
    own = stripe.StripeClient(new_key(base)["secret_key"], base_addresses={"api": base}, max_network_retries=0)
    with pytest.raises(stripe.PermissionError):
        own.v1.accounts.retrieve(connected.id)
    with pytest.raises(stripe.PermissionError):
        own.v1.events.list(options={"stripe_account": connected.id})


def test_missing_object_is_resource_missing_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    error = caught.value
    assert (error.http_status, error.code, error.param) == (404, "resource_missing", "session")
    assert error.json_body["error"]["doc_url"] == "https://stripe.com/docs/error-codes/resource-missing"


def test_removed_parameter_is_rejected_like_stripe(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(payment_method_types=["card"]))  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "payment_method_types")
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    ("overrides", "param", "code"),
    [
        ({"mode": None}, "mode", "parameter_missing"),
        ({"line_items": None}, "line_items", "parameter_missing"),
        ({"success_url": "not a url"}, "success_url", "url_invalid"),
        ({"cancel_url": "ftp://x.test/c"}, "cancel_url", "url_invalid"),
        ({"customer_email": "nobody"}, "customer_email", "email_invalid"),
        ({"line_items": [{"price_data": {"currency": "xyz", "unit_amount": 100, "product_data": {"name": "A"}}, "quantity": 1}]},
         "line_items[0][price_data][currency]", None),
        ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": -1, "product_data": {"name": "A"}}, "quantity": 1}]},
         "line_items[0][price_data][unit_amount]", None),
        ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100}, "quantity": 1}]}, "line_items[0][price_data]", None),
        ({"line_items": [{"price_data": {"currency": "usd", "unit_amount": 10, "product_data": {"name": "A"}}, "quantity": 1}]},
         "line_items", "amount_too_small"),
        ({"metadata": {"k" * 41: "v"}}, "metadata[" + "k" * 41 + "]", None),
        ({"payment_intent_data": {"application_fee_amount": 100}}, "payment_intent_data[application_fee_amount]", None),
        ({"payment_intent_data": {"transfer_data": {"destination": "acct_unknown"}}},
         "payment_intent_data[transfer_data][destination]", "resource_missing"),
    ],
)
def test_checkout_value_errors(client: stripe.StripeClient, overrides: dict, param: str, code: str | None) -> None:
    params = {k: v for k, v in session_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
    assert (caught.value.param, caught.value.code) == (param, code)


def test_expires_at_must_be_between_30_minutes_and_24_hours(client: stripe.StripeClient) -> None:
    import time

    now = int(time.time())
    for bad in (now + 29 * 60, now + 24 * 3600 + 120):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.checkout.sessions.create(params=session_params(expires_at=bad))
        assert caught.value.param == "expires_at"
    ok = client.v1.checkout.sessions.create(params=session_params(expires_at=now + 3600))
    assert ok.expires_at == now + 3600


def test_destination_must_have_transfers_enabled(client: stripe.StripeClient, base: str) -> None:
    pending = express_account(client, base, onboard=False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(payment_intent_data={"transfer_data": {"destination": pending.id}}))
    assert caught.value.code == "insufficient_capabilities_for_transfer"


def test_unknown_url_is_stripe_shaped_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.raw_request("get", "/v1/does_not_exist")
    assert caught.value.http_status == 404
    assert "Unrecognized request URL" in caught.value.user_message


def test_request_id_header_is_returned(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.last_response.request_id.startswith("req_")


async def test_async_errors_raise_the_same_classes(async_client: stripe.StripeClient, base: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await async_client.v1.checkout.sessions.create_async(params=session_params(payment_method_types=["card"]))  # type: ignore[arg-type]
    assert caught.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError):
        await async_client.v1.refunds.retrieve_async("re_missing")
    bad = stripe.StripeClient("sk_test_wrong", base_addresses={"api": base}, max_network_retries=0, http_client=stripe.HTTPXClient())
    with pytest.raises(stripe.AuthenticationError):
        await bad.v1.events.list_async()

"""Issue 14 point 8: Request-Id everywhere, last_payment_error without param, the bad-key 401, Send test webhook."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.unit.sandbox.helpers import PLATFORM_KEY, Receiver, pay, session_params, wait_until


def test_every_sdk_answer_has_a_request_id(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.last_response.request_id.startswith("req_")
    assert client.v1.checkout.sessions.retrieve(session.id).last_response.request_id != session.last_response.request_id


def test_unknown_api_url_has_a_request_id_matching_its_log_url(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.raw_request("get", "/v1/no_such_resource")
    error = caught.value
    assert error.http_status == 404 and error.request_id and error.request_id.startswith("req_")
    assert error.json_body["error"]["request_log_url"].endswith(error.request_id)
    assert "Unrecognized request URL (GET: /v1/no_such_resource)" in error.json_body["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/nowhere"), ("get", "/v1"), ("delete", "/v1/checkout/sessions"), ("get", "/dashboard"),
     ("get", "/static/sandbox.css"), ("get", "/_sandbox/deliveries"), ("get", "/checkout/cs_test_missing")],
)
def test_request_id_on_pages_test_routes_and_unknown_urls(base: str, method: str, path: str) -> None:
    response = httpx.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {PLATFORM_KEY}"})
    assert response.headers["request-id"].startswith("req_"), response.status_code


def test_bad_key_401_is_exactly_stripes(base: str) -> None:
    key = "sk_test_51NoSuchKeyAtAllxyzW9Kp"
    client = stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.events.list()
    error = caught.value
    shown = key[:8] + "*" * (len(key) - 12) + key[-4:]
    # Stripe sends message and type only: no code, no doc_url, no request_log_url (nothing is logged for a bad key).
    assert error.json_body == {"error": {"message": f"Invalid API Key provided: {shown}", "type": "invalid_request_error"}}
    assert error.http_status == 401 and error.code is None
    assert error.headers["www-authenticate"] == 'Basic realm="Stripe"'
    assert error.request_id.startswith("req_")


def test_declined_intent_omits_param_in_last_payment_error(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id, "4000000000000002")
    raw = httpx.get(
        f"{base}/v1/payment_intents/{client.v1.checkout.sessions.retrieve(session.id).payment_intent}",
        headers={"Authorization": f"Bearer {PLATFORM_KEY}"},
    ).json()
    error = raw["last_payment_error"]
    assert "param" not in error and error["code"] == "card_declined" and error["decline_code"] == "generic_decline"
    assert all(value is not None for value in error.values())


def test_send_test_webhook_button_delivers_a_signed_sample(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    endpoint = client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["checkout.session.completed"]})
    page = httpx.get(f"{base}/dashboard").text
    assert "Send test webhook" in page and endpoint.id in page
    response = httpx.post(f"{base}/dashboard/webhooks/test", data={"endpoint": endpoint.id, "type": "refund.failed"})
    assert response.status_code == 200 and "Test webhook refund.failed queued" in response.text
    request = wait_until(lambda: receiver.requests and receiver.requests[0])
    event = client.construct_event(request["body"], request["headers"]["stripe-signature"], endpoint.secret)
    assert (event.id, event.type, event.data.object.object, event.data.object.status) == ("evt_00000000000000", "refund.failed", "refund", "failed")
    assert event.data.object.failure_reason == "expired_or_canceled_card"
    # Like Stripe's, a test event is not a real one: the API does not know it.
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(event.id)


def test_send_test_webhook_to_a_missing_endpoint_says_so(base: str) -> None:
    response = httpx.post(f"{base}/dashboard/webhooks/test", data={"endpoint": "we_missing", "type": "charge.succeeded"})
    assert response.status_code == 400 and "No such webhook endpoint" in response.text

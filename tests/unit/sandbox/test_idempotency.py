"""Idempotency-Key: same key and params replay the stored response; different params are an idempotency_error."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.unit.sandbox.helpers import PLATFORM_KEY, express_account, pay, session_params


def test_same_key_same_params_returns_the_stored_object(client: stripe.StripeClient) -> None:
    first = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "inv-42-attempt-1"})
    again = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "inv-42-attempt-1"})
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(client.v1.checkout.sessions.list().data) == 1


def test_same_key_different_params_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k1"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.checkout.sessions.create(params=session_params(client_reference_id="other"), options={"idempotency_key": "k1"})
    assert caught.value.http_status == 400
    assert caught.value.json_body["error"]["type"] == "idempotency_error"


def test_same_key_on_another_endpoint_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k2"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h", "enabled_events": ["*"]}, options={"idempotency_key": "k2"})


def test_keys_are_scoped_per_account(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    own = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "shared"})
    theirs = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "shared", "stripe_account": vendor.id}
    )
    assert own.id != theirs.id


def test_failed_validation_is_not_stored(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=session_params(mode="donation"), options={"idempotency_key": "k3"})  # type: ignore[arg-type]
    created = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k3"})
    assert created.status == "open"


def test_error_after_execution_is_replayed(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    client.v1.refunds.create(params={"payment_intent": intent})
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.refunds.create(params={"payment_intent": intent}, options={"idempotency_key": "refund-again"})
        assert caught.value.code == "charge_already_refunded"


def test_refund_retry_with_same_key_refunds_once(client: stripe.StripeClient, base: str) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(base, session.id).raise_for_status()
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    first = client.v1.refunds.create(params={"payment_intent": intent, "amount": 500}, options={"idempotency_key": "r1"})
    second = client.v1.refunds.create(params={"payment_intent": intent, "amount": 500}, options={"idempotency_key": "r1"})
    assert first.id == second.id
    assert client.v1.charges.retrieve(client.v1.payment_intents.retrieve(intent).latest_charge).amount_refunded == 500


def test_raw_http_replay_sets_header(base: str) -> None:
    headers = {"Authorization": f"Bearer {PLATFORM_KEY}", "Idempotency-Key": "raw-1"}
    body = {"url": "http://127.0.0.1:9/h", "enabled_events[0]": "*"}
    first = httpx.post(f"{base}/v1/webhook_endpoints", data=body, headers=headers)
    second = httpx.post(f"{base}/v1/webhook_endpoints", data=body, headers=headers)
    assert first.json() == second.json()
    assert "Idempotent-Replayed" not in first.headers and second.headers["Idempotent-Replayed"] == "true"


async def test_async_idempotency(async_client: stripe.StripeClient) -> None:
    a = await async_client.v1.checkout.sessions.create_async(params=session_params(), options={"idempotency_key": "ak"})
    b = await async_client.v1.checkout.sessions.create_async(params=session_params(), options={"idempotency_key": "ak"})
    assert a.id == b.id
    with pytest.raises(stripe.IdempotencyError):
        await async_client.v1.checkout.sessions.create_async(params=session_params(metadata={"x": "y"}), options={"idempotency_key": "ak"})

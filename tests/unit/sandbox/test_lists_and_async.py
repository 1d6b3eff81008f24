"""The remaining endpoints, sync and async, and concurrent requests under one idempotency key."""

from __future__ import annotations

import asyncio

import pytest
import stripe

from tests.unit.sandbox.helpers import express_account, pay, session_params


@pytest.fixture
def destination_payment(client: stripe.StripeClient, base: str) -> dict[str, str]:
    vendor = express_account(client, base)
    session = client.v1.checkout.sessions.create(
        params=session_params(payment_intent_data={"application_fee_amount": 300, "transfer_data": {"destination": vendor.id}})
    )
    pay(base, session.id).raise_for_status()
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    return {"vendor": vendor.id, "intent": intent.id, "charge": charge.id, "fee": charge.application_fee, "transfer": charge.transfer}


def test_list_payment_objects(client: stripe.StripeClient, destination_payment: dict[str, str]) -> None:
    assert [p.id for p in client.v1.payment_intents.list().data] == [destination_payment["intent"]]
    assert [c.id for c in client.v1.charges.list(params={"payment_intent": destination_payment["intent"]}).data] == [
        destination_payment["charge"]
    ]
    assert [f.id for f in client.v1.application_fees.list(params={"charge": destination_payment["charge"]}).data] == [
        destination_payment["fee"]
    ]
    assert [t.id for t in client.v1.transfers.list(params={"destination": destination_payment["vendor"]}).data] == [
        destination_payment["transfer"]
    ]
    assert client.v1.transfers.list(params={"destination": "acct_other"}).data == []


def test_list_balance_transactions(client: stripe.StripeClient, destination_payment: dict[str, str]) -> None:
    charge = client.v1.charges.retrieve(destination_payment["charge"])
    listed = client.v1.balance_transactions.list(params={"source": charge.id}).data
    assert [t.id for t in listed] == [charge.balance_transaction]
    assert listed[0].type == "charge" and listed[0].amount == charge.amount
    created = listed[0].created
    window = client.v1.balance_transactions.list(params={"created": {"gte": created, "lt": created + 1}, "type": "charge"})
    assert charge.balance_transaction in [t.id for t in window.data]
    assert client.v1.balance_transactions.list(params={"created": {"gte": created + 86400}}).data == []
    assert client.v1.balance_transactions.list(params={"type": "refund"}).data == []


def test_update_webhook_endpoint(client: stripe.StripeClient) -> None:
    created = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h", "enabled_events": ["charge.succeeded"]})
    updated = client.v1.webhook_endpoints.update(
        created.id, params={"enabled_events": ["*"], "disabled": True, "metadata": {"team": "billing"}}
    )
    assert (updated.enabled_events, updated.status, updated.metadata.to_dict()) == (["*"], "disabled", {"team": "billing"})
    assert client.v1.webhook_endpoints.retrieve(created.id).status == "disabled"


async def test_async_remaining_endpoints(
    async_client: stripe.StripeClient, base: str, destination_payment: dict[str, str]
) -> None:
    vendor = destination_payment["vendor"]
    updated = await async_client.v1.accounts.update_async(vendor, params={"metadata": {"tier": "gold"}})
    assert updated.metadata.to_dict() == {"tier": "gold"}
    own = await async_client.v1.accounts.retrieve_current_async(options={"stripe_account": vendor})
    assert own.id == vendor
    assert (await async_client.v1.payment_intents.list_async()).data[0].id == destination_payment["intent"]
    assert (await async_client.v1.charges.list_async()).data[0].id == destination_payment["charge"]
    fee = await async_client.v1.application_fees.retrieve_async(destination_payment["fee"])
    assert fee.amount == 300 and (await async_client.v1.application_fees.list_async()).data[0].id == fee.id
    transfer = await async_client.v1.transfers.retrieve_async(destination_payment["transfer"])
    assert transfer.amount == 2200 and (await async_client.v1.transfers.list_async()).data[0].id == transfer.id
    charge = await async_client.v1.charges.retrieve_async(destination_payment["charge"])
    txn = await async_client.v1.balance_transactions.retrieve_async(charge.balance_transaction)
    assert txn.source == charge.id
    endpoint = await async_client.v1.webhook_endpoints.create_async(params={"url": "http://127.0.0.1:9/h", "enabled_events": ["*"]})
    assert (await async_client.v1.webhook_endpoints.retrieve_async(endpoint.id)).url == "http://127.0.0.1:9/h"
    changed = await async_client.v1.webhook_endpoints.update_async(endpoint.id, params={"url": "http://127.0.0.1:9/h2"})
    assert changed.url == "http://127.0.0.1:9/h2"


async def test_concurrent_requests_with_one_key_create_one_object(async_client: stripe.StripeClient) -> None:
    calls = [
        async_client.v1.checkout.sessions.create_async(params=session_params(), options={"idempotency_key": "burst"})
        for _ in range(8)
    ]
    sessions = await asyncio.gather(*calls)
    assert len({s.id for s in sessions}) == 1
    assert len((await async_client.v1.checkout.sessions.list_async()).data) == 1

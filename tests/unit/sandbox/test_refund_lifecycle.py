"""Issue 13 point 8: refund statuses and their events, the refund-failure card, proportional fee refunds and
transfer reversals, balance transactions in the settlement currency, and the dashboard's Refund button."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.currencies import convert
from tests.unit.sandbox.helpers import Receiver, express_account, pay, session_params, wait_until
from tests.unit.sandbox.shapes import check_object, reference_dir

FAILS = "4000000000005126"
PENDING = "4000000000007726"
needs_fixtures = pytest.mark.skipif(not (reference_dir() / "fixtures3.json").exists(), reason="Stripe fixtures not found")


def paid(client: stripe.StripeClient, base: str, card: str = "4242424242424242", **overrides: Any) -> stripe.PaymentIntent:
    session = client.v1.checkout.sessions.create(params=session_params(**overrides))
    pay(base, session.id, card).raise_for_status()
    return client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)


def run_jobs(base: str) -> int:
    return httpx.post(f"{base}/_sandbox/jobs/run").json()["ran"]


def types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in reversed(client.v1.events.list(params={"limit": 100}).data)]


def test_refund_on_the_failing_card_succeeds_then_fails_with_events(client: stripe.StripeClient, base: str, receiver: Receiver) -> None:
    client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["refund.created", "refund.updated", "refund.failed", "charge.refunded"]})
    intent = paid(client, base, FAILS)
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    assert refund.status == "succeeded"
    assert client.v1.charges.retrieve(intent.latest_charge).amount_refunded == 1000
    # No test hook: the sandbox's own loop lands the failure a moment later, as Stripe does.
    wait_until(lambda: "refund.failed" in receiver.types(), timeout=10)
    failed = client.v1.refunds.retrieve(refund.id)
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    back = client.v1.balance_transactions.retrieve(failed.failure_balance_transaction)
    assert (back.type, back.amount, back.reporting_category) == ("refund_failure", 1000, "refund_failure")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded, charge.refunds.data[0].status) == (0, False, "failed")
    # Deliveries run concurrently, so only the emitted order is fixed: created first, the failure later.
    assert types(client)[-6:] == ["charge.refunded", "refund.created", "refund.updated", "charge.refund.updated", "refund.failed", "charge.updated"]
    assert sorted(receiver.types()) == ["charge.refunded", "refund.created", "refund.failed", "refund.updated"]
    updated = next(e for e in receiver.events() if e["type"] == "refund.updated")
    assert updated["data"]["previous_attributes"] == {"status": "succeeded"} and updated["data"]["object"]["status"] == "failed"
    # The money came back: the charge can be refunded again in full.
    assert client.v1.refunds.create(params={"charge": charge.id}).amount == 2500


def test_pending_refund_card_turns_succeeded(client: stripe.StripeClient, base: str) -> None:
    intent = paid(client, base, PENDING)
    refund = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refund.status == "pending"
    run_jobs(base)  # (or the sandbox's own loop got there first)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    updated = client.v1.events.list(params={"type": "refund.updated"}).data
    assert len(updated) == 1 and updated[0].data.previous_attributes.status == "pending"
    assert client.v1.events.list(params={"type": "refund.failed"}).data == []
    assert client.v1.charges.retrieve(intent.latest_charge).refunds.data[0].status == "succeeded"


def test_ordinary_card_refund_succeeds_at_once_and_stays(client: stripe.StripeClient, base: str) -> None:
    intent = paid(client, base)
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    assert refund.status == "succeeded" and run_jobs(base) == 0
    assert types(client)[-2:] == ["charge.refunded", "refund.created"]


def test_partial_refunds_refund_fee_and_reverse_transfer_in_proportion(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    intent = paid(client, base, payment_intent_data={"application_fee_amount": 333, "transfer_data": {"destination": vendor.id}})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    options = {"reverse_transfer": True, "refund_application_fee": True}
    refunds = [client.v1.refunds.create(params={"charge": charge.id, "amount": a, **options}) for a in (1000, 1000, 500)]  # type: ignore[misc]
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    # 333 * 1000/2500 = 133.2 -> 133; running total 266.4 -> 266, so 133 again; the last takes the rest, 67.
    assert [r.amount for r in reversed(fee.refunds.data)] == [133, 133, 67]
    assert (fee.amount_refunded, fee.refunded) == (333, True)
    fee_refund = fee.refunds.data[0]
    assert (fee_refund.object, fee_refund.fee) == ("fee_refund", fee.id) and fee_refund.id.startswith("fr_")
    txn = client.v1.balance_transactions.retrieve(fee_refund.balance_transaction)
    assert (txn.type, txn.amount, txn.reporting_category) == ("application_fee_refund", -67, "platform_earning_refund")
    transfer = client.v1.transfers.retrieve(charge.transfer)
    assert [r.amount for r in reversed(transfer.reversals.data)] == [867, 867, 433]  # of 2167 = 2500 - 333
    assert (transfer.amount_reversed, transfer.reversed) == (2167, True)
    assert [r.transfer_reversal for r in refunds] == [r.id for r in reversed(transfer.reversals.data)]
    assert transfer.reversals.data[0].source_refund == refunds[-1].id


def test_refund_without_fee_flag_keeps_the_platform_fee(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    intent = paid(client, base, payment_intent_data={"application_fee_amount": 300, "transfer_data": {"destination": vendor.id}})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    client.v1.refunds.create(params={"charge": charge.id, "amount": 1000, "reverse_transfer": True})
    assert client.v1.application_fees.retrieve(charge.application_fee).amount_refunded == 0
    assert client.v1.transfers.retrieve(charge.transfer).amount_reversed == 880  # 2200 * 1000/2500


def test_charge_in_another_currency_settles_in_the_account_currency(client: stripe.StripeClient, base: str) -> None:
    line = {"price_data": {"currency": "eur", "unit_amount": 1250, "product_data": {"name": "Invoice"}}, "quantity": 2}
    intent = paid(client, base, line_items=[line])
    charge = client.v1.charges.retrieve(intent.latest_charge)
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    settled = convert(2500, "eur", "usd")
    assert (charge.currency, txn.currency, txn.amount, txn.exchange_rate) == ("eur", "usd", settled, 1.08)
    # Stripe's 2.9% + 30 cents, plus 1% for converting the currency, in the settlement currency.
    assert (txn.fee, txn.net) == (round(settled * 0.039) + 30, settled - txn.fee)
    assert txn.fee_details[0].currency == "usd"
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
    refund_txn = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (refund_txn.currency, refund_txn.amount, refund_txn.exchange_rate) == ("usd", -convert(1000, "eur", "usd"), 1.08)


def test_direct_charge_settles_in_the_connected_accounts_currency(client: stripe.StripeClient, base: str) -> None:
    vendor = client.v1.accounts.create(params={"type": "express", "country": "GB", "business_profile": {"name": "London Ltd"}})
    httpx.post(f"{base}/_sandbox/accounts/{vendor.id}/onboard").raise_for_status()
    session = client.v1.checkout.sessions.create(params=session_params(), options={"stripe_account": vendor.id})
    pay(base, session.id).raise_for_status()
    session = client.v1.checkout.sessions.retrieve(session.id, options={"stripe_account": vendor.id})
    intent = client.v1.payment_intents.retrieve(session.payment_intent, options={"stripe_account": vendor.id})
    charge = client.v1.charges.retrieve(intent.latest_charge, options={"stripe_account": vendor.id})
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction, options={"stripe_account": vendor.id})
    assert (txn.currency, txn.amount) == ("gbp", convert(2500, "usd", "gbp"))
    assert txn.exchange_rate == round(1 / 1.27, 6)


@needs_fixtures
def test_new_refund_objects_have_stripes_shape(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base)
    intent = paid(client, base, FAILS, payment_intent_data={"application_fee_amount": 300, "transfer_data": {"destination": vendor.id}})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 1000, "reverse_transfer": True, "refund_application_fee": True})
    run_jobs(base)
    fee = client.v1.application_fees.retrieve(charge.application_fee).to_dict()
    transfer = client.v1.transfers.retrieve(charge.transfer).to_dict()
    failed = client.v1.refunds.retrieve(refund.id).to_dict()
    assert check_object(failed, "refund") == []
    assert check_object(fee["refunds"]["data"][0], "fee_refund") == []
    assert check_object(transfer["reversals"]["data"][0], "transfer_reversal") == []
    assert check_object(client.v1.balance_transactions.retrieve(failed["failure_balance_transaction"]).to_dict(), "balance_transaction") == []
    for event in client.v1.events.list(params={"limit": 100}).data:
        inner = event.data.object.to_dict()
        assert check_object(inner, inner["object"]) == [], event.type


def test_dashboard_refund_button(client: stripe.StripeClient, base: str) -> None:
    intent = paid(client, base)
    page = httpx.get(f"{base}/dashboard").text
    assert f"/dashboard/payments/{intent.id}/refund" in page
    response = httpx.post(f"{base}/dashboard/payments/{intent.id}/refund", data={"amount": "5.00", "reason": "requested_by_customer"})
    assert response.status_code == 200 and "USD 5.00: succeeded" in response.text
    refunds = client.v1.refunds.list(params={"payment_intent": intent.id}).data
    assert [(r.amount, r.reason) for r in refunds] == [(500, "requested_by_customer")]
    assert client.v1.events.list(params={"type": "charge.refunded"}).data[0].data.object.amount_refunded == 500


@pytest.mark.parametrize(("amount", "message"), [("abc", "Enter the amount as a number"), ("5.001", "2 decimals at most"), ("99", "greater than unrefunded")])
def test_dashboard_refund_refuses_bad_amounts_and_changes_nothing(client: stripe.StripeClient, base: str, amount: str, message: str) -> None:
    intent = paid(client, base)
    response = httpx.post(f"{base}/dashboard/payments/{intent.id}/refund", data={"amount": amount})
    assert response.status_code == 400 and message in response.text
    assert client.v1.refunds.list(params={"payment_intent": intent.id}).data == []

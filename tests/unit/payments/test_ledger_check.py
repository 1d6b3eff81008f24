"""The daily ledger check: PayPort's per-day totals equal Stripe's balance transactions; a difference is shown."""

from __future__ import annotations

import pytest

from app import cli
from app.services.payments import refunds
from app.services.payments.checkout import start_checkout
from app.services.payments.ledger_check import run_check
from app.services.payments.links import create_payment_link
from app.tables.payments import LedgerCheck, Payment
from tests.unit.payments.conftest import connect_vendor, deliver, make_invoice, session_id_of

pytestmark = pytest.mark.usefixtures("platform_secrets")


async def _pay(client, vendor, sandbox, total: int) -> Payment:
    invoice = await make_invoice(vendor.vendor_id, total=total)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    for event in await sandbox.events("checkout.session.completed"):
        if event["data"]["object"]["id"] == session_id:
            assert (await deliver(client, event)).status_code == 200
    return await Payment.objects().where(Payment.invoice == invoice.id).first()


async def _stripe_day_totals(sandbox, kind_types: tuple[str, ...], sources: set[str]) -> tuple[int, int, int]:
    txns = (await sandbox.api("GET", "/v1/balance_transactions?limit=100"))["data"]
    mine = [t for t in txns if t["type"] in kind_types and t["source"] in sources]
    return sum(t["amount"] for t in mine), sum(t["fee"] for t in mine), sum(t["net"] for t in mine)


async def _attention(vendor) -> str:
    return (await vendor.client.get("/dashboard/attention", headers={"HX-Request": "true"})).text


async def test_connect_ledger_matches_the_sandbox_then_a_planted_difference_shows(client, vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first = await _pay(client, vendor, sandbox, 12_500)
    second = await _pay(client, vendor, sandbox, 4_999)
    refund = await refunds.refund_payment(vendor.vendor_id, first.invoice, first.id, 2_000, "requested_by_customer",
                                          "", "ledger-1")
    [check] = await run_check(days=2, vendor_id=vendor.vendor_id)
    assert check.differences == []
    payments = [v for (d, c, kind), v in check.ours.items() if kind == "payments"]
    gross, fee, net = await _stripe_day_totals(sandbox, ("charge",), {(await _charge(p)) for p in (first, second)})
    assert (payments[0].gross, payments[0].fee, payments[0].net) == (gross, fee, net) and gross == 17_499 and fee > 0
    refunded = [v for (d, c, kind), v in check.ours.items() if kind == "refunds"]
    assert refunded[0].gross == -2_000 and refund.status == "succeeded"
    assert "Ledger differs" not in await _attention(vendor)

    # Planted: a fee altered by hand, and a payment row gone.
    await Payment.update({Payment.settlement_fee: Payment.settlement_fee + 7}).where(Payment.id == first.id)
    [check] = await run_check(days=2, vendor_id=vendor.vendor_id)
    assert len(check.differences) == 1
    shown = await _attention(vendor)
    assert "Ledger differs from Stripe" in shown and "Payments on" in shown and "fees" in shown
    await Payment.update({Payment.settlement_fee: Payment.settlement_fee - 7}).where(Payment.id == first.id)
    await Payment.delete().where(Payment.id == second.id)
    [check] = await run_check(days=2, vendor_id=vendor.vendor_id)
    [key] = check.differences
    assert check.stripe[key].gross - check.ours[key].gross == 4_999
    assert await LedgerCheck.count().where((LedgerCheck.vendor == vendor.vendor_id) & (LedgerCheck.matched == False)) == 1  # noqa: E712
    shown = await _attention(vendor)
    assert "gross $125.00 in PayPort, $174.99 at Stripe" in shown


async def test_the_cli_prints_the_days_and_fails_on_a_difference(client, vendor, sandbox, capsys):
    await connect_vendor(vendor.vendor_id, sandbox)
    payment = await _pay(client, vendor, sandbox, 12_500)
    await cli._ledger_check(2, vendor.vendor_id)  # what `payport ledger check --days 2` runs (the sandbox here is in-process)
    shown = capsys.readouterr().out
    assert "payments" in shown and "$125.00" in shown and "0 differences" in shown
    await Payment.update({Payment.settlement_net: Payment.settlement_net - 1}).where(Payment.id == payment.id)
    with pytest.raises(SystemExit) as exit_:
        await cli._ledger_check(2, vendor.vendor_id)
    shown = capsys.readouterr().out
    assert exit_.value.code == 1 and "DIFFERS" in shown and "1 difference\n" in shown


async def _charge(payment: Payment) -> str:
    row = await Payment.objects().where(Payment.id == payment.id).first()
    return row.charge

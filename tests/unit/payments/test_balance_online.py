"""Paying online for the balance: each Checkout asks for the amount due now; part payments; payments crossing."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from app.errors import NotAllowed
from app.services.payments.checkout import start_checkout
from app.services.invoices.lifecycle import mark_paid
from app.services.payments.links import create_payment_link, set_part_payments
from app.tables.invoices import Invoice
from app.tables.payments import CheckoutAttempt, Payment
from tests.unit.payments.conftest import connect_vendor, deliver, make_invoice, session_id_of

pytestmark = pytest.mark.usefixtures("platform_secrets")


async def _linked(vendor, sandbox, total: int = 30_000):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id, total=total)
    return invoice, await create_payment_link(vendor.vendor_id, invoice.id)


async def _completed(sandbox, session_id: str) -> dict:
    for event in await sandbox.events("checkout.session.completed"):
        if event["data"]["object"]["id"] == session_id:
            return event
    raise AssertionError("no completed event")


async def _invoice(invoice_id: int) -> Invoice:
    return await Invoice.objects().get(Invoice.id == invoice_id)


async def _open_sessions(sandbox) -> list[dict]:
    return [s for s in (await sandbox.api("GET", "/v1/checkout/sessions"))["data"] if s["status"] == "open"]


async def test_a_part_paid_by_hand_then_the_balance_online(client, vendor, sandbox):
    invoice, link = await _linked(vendor, sandbox)
    first = session_id_of(await start_checkout(link.token))  # opened before the payment by hand: for 300.00
    await mark_paid(vendor.vendor_id, invoice.id, date(2026, 11, 20), "bank_transfer", amount=10_000)
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{first}"))["status"] == "expired"
    panel = (await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers={"HX-Request": "true"})).text
    assert "Pay charges the customer $200.00 now" in panel and "Pending Payment" in panel
    page = (await client.get(f"/pay/{link.token}")).text
    assert "Pay $200.00" in page and "$100.00 of $300.00 paid so far" in page
    second = session_id_of(await start_checkout(link.token))
    session = await sandbox.api("GET", f"/v1/checkout/sessions/{second}")
    assert session["amount_total"] == 20_000 and len(await _open_sessions(sandbox)) == 1
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{second}/pay")
    await deliver(client, await _completed(sandbox, second))
    paid = await _invoice(invoice.id)
    assert (paid.status, paid.amount_paid, paid.amount_due, paid.needs_attention) == ("paid", 30_000, 0, False)
    assert "Paid" in (await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers={"HX-Request": "true"})).text


async def test_part_payments_online_between_the_minimum_and_the_balance(client, vendor, sandbox):
    invoice, link = await _linked(vendor, sandbox)
    with pytest.raises(NotAllowed, match="paid in full"):
        await start_checkout(link.token, 5_000)
    saved = await vendor.post(f"/invoices/{invoice.id}/payment-link/part-payments",
                              {"allow_partial": "on", "partial_minimum": "50.00"})
    assert saved.status_code == 200 and "between $50.00 and $300.00" in saved.text
    page = (await client.get(f"/pay/{link.token}")).text
    assert 'name="amount"' in page and "Between $50.00 and $300.00." in page
    for typed, message in (("49.99", "between $50.00 and $300.00"), ("300.01", "between $50.00 and $300.00"),
                           ("abc", "Enter an amount such as 120.00")):
        token = (await client.get(f"/pay/{link.token}")).text.split('name="_csrf_token" value="')[1].split('"')[0]
        refused = await client.post(f"/pay/{link.token}/checkout", data={"amount": typed},
                                    headers={"x-csrftoken": token})
        assert refused.status_code == 422 and message in refused.text, typed
    part = session_id_of(await start_checkout(link.token, 6_000))
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{part}"))["amount_total"] == 6_000
    # Changing one's mind to the whole balance closes the part session first: never two open.
    whole = session_id_of(await start_checkout(link.token))
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{part}"))["status"] == "expired"
    assert [s["id"] for s in await _open_sessions(sandbox)] == [whole]
    back = session_id_of(await start_checkout(link.token, 6_000))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{back}/pay")
    await deliver(client, await _completed(sandbox, back))
    row = await _invoice(invoice.id)
    assert (row.status, row.amount_paid, row.amount_due) == ("partially_paid", 6_000, 24_000)
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.session_id == back).first()
    assert attempt.application_fee == round(6_000 * 0.025) + 30  # the fee follows the amount charged


@pytest.mark.parametrize("round_", range(4))
async def test_a_payment_by_hand_racing_an_online_payment_is_never_silently_overpaid(client, vendor, sandbox, round_):
    invoice, link = await _linked(vendor, sandbox)
    session_id = session_id_of(await start_checkout(link.token))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")  # the customer paid 300.00 ...
    event = await _completed(sandbox, session_id)
    # ... and a check arrived too. Both go through the same in-process server, as two requests would.
    by_hand = vendor.post(f"/invoices/{invoice.id}/mark-paid", {"paid_on": "2026-11-20", "method": "check"})
    online = deliver(vendor.client, event)
    first, second = (by_hand, online) if round_ % 2 else (online, by_hand)
    results = await asyncio.gather(first, second)
    assert all(r.status_code < 500 for r in results)
    row = await _invoice(invoice.id)
    count = await Payment.count().where((Payment.invoice == invoice.id) & Payment.deleted_at.is_null())
    if count == 1:  # the card payment came first: the payment by hand was refused, naming why
        assert any(r.status_code == 422 and "already paid" in r.text for r in results)
        assert (row.status, row.amount_due, row.needs_attention) == ("paid", 0, False)
    else:  # both were counted: the invoice says so and what to give back
        assert count == 2 and row.amount_paid == 60_000 and row.amount_due == -30_000
        assert row.needs_attention and "overpaid by $300.00" in row.attention_reason
        page = (await vendor.client.get(f"/invoices/{invoice.id}")).text
        assert "Needs attention" in page and "Amount due</dt><dd class=\"num due\">$0.00" in page


async def test_part_payment_settings_are_checked(vendor, sandbox):
    invoice, _ = await _linked(vendor, sandbox)
    with pytest.raises(NotAllowed, match="above zero"):
        await set_part_payments(vendor.vendor_id, invoice.id, True, 0)
    bad = await vendor.post(f"/invoices/{invoice.id}/payment-link/part-payments",
                            {"allow_partial": "on", "partial_minimum": "1e9"})
    assert bad.status_code == 422 and "Enter an amount such as" in bad.text
    assert not (await _invoice(invoice.id)).allow_partial


async def test_a_schedule_charges_the_next_instalment_and_part_payments_may_pay_it_all(client, vendor, sandbox):
    invoice, link = await _linked(vendor, sandbox)  # 300.00, sent
    await vendor.post(f"/invoices/{invoice.id}/schedule", {
        "date_0": "2026-11-01", "kind_0": "percent", "value_0": "40",
        "date_1": "2026-12-01", "kind_1": "percent", "value_1": "60"})
    page = (await client.get(f"/pay/{link.token}")).text
    assert "Next instalment" in page and "Pay $120.00" in page and "Balance $300.00" in page
    panel = (await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers={"HX-Request": "true"})).text
    assert "Pay charges the customer $120.00 now, the next instalment" in panel
    with pytest.raises(NotAllowed, match=r"paid by instalments: \$120\.00 now"):
        await start_checkout(link.token, 30_000)
    await set_part_payments(vendor.vendor_id, invoice.id, True, 1_000)
    whole = session_id_of(await start_checkout(link.token, 30_000))  # allowed parts: the whole balance too
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{whole}"))["amount_total"] == 30_000
    deposit = session_id_of(await start_checkout(link.token))
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{deposit}"))["amount_total"] == 12_000
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{deposit}/pay")
    await deliver(client, await _completed(sandbox, deposit))
    row = await _invoice(invoice.id)
    assert (row.status, row.amount_due, row.next_due_date, row.next_due_amount) == (
        "partially_paid", 18_000, date(2026, 12, 1), 18_000)
    await mark_paid(vendor.vendor_id, invoice.id, date(2026, 11, 20), "cash", amount=3_000)
    row = await _invoice(invoice.id)
    assert (row.next_due_amount, row.amount_due) == (15_000, 15_000)

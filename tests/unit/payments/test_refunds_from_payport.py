"""Refunds from PayPort: through the gateway, once per click, counted once whatever order Stripe's news comes in."""

from __future__ import annotations

import asyncio
import copy
import itertools
import uuid

import pytest

from app.db import write_transaction
from app.encryption import decrypt
from app.errors import NotAllowed
from app.services.payments import refunds
from app.services.payments.checkout import start_checkout
from app.services.payments.links import create_payment_link
from app.services.rows import lock_invoice
from app.settings import get_settings
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.payments import Payment, Refund, StripeConnection
from tests.unit.payments.conftest import PLATFORM_KEY, connect_vendor, deliver, make_invoice, session_id_of

pytestmark = pytest.mark.usefixtures("platform_secrets")


@pytest.fixture
def fee_back(monkeypatch):
    """The platform operator refunds its fee with Connect refunds."""
    monkeypatch.setenv("PLATFORM_REFUND_APPLICATION_FEE", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _event(sandbox, type_: str, object_id: str, key: str = PLATFORM_KEY) -> dict:
    for event in await sandbox.events(type_, key=key):
        if event["data"]["object"]["id"] == object_id:
            return event
    raise AssertionError(f"no {type_} for {object_id}")


async def _paid(client, vendor, sandbox, total: int = 12_500) -> tuple[Invoice, Payment, dict]:
    """A Connect invoice paid online and recorded through its webhook."""
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id, total=total)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")).json()
    assert (await deliver(client, await _event(sandbox, "checkout.session.completed", session_id))).status_code == 200
    payment = await Payment.objects().where(Payment.invoice == invoice.id).first()
    return invoice, payment, paid


async def _invoice(invoice_id: int) -> Invoice:
    return await Invoice.objects().get(Invoice.id == invoice_id)


async def _refunded_activity(invoice_id: int) -> int:
    return await InvoiceActivity.count().where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.kind == "refunded"))


async def test_a_partial_connect_refund_reverses_the_transfer_and_refunds_the_fee(client, vendor, sandbox, fee_back):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    row = await refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 5_000, "requested_by_customer",
                                       "Half the work", "click-1")
    assert row.status == "succeeded" and row.stripe_refund_id.startswith("re_") and row.refund_application_fee
    stripe_refund = await sandbox.api("GET", f"/v1/refunds/{row.stripe_refund_id}")
    assert stripe_refund["amount"] == 5_000 and stripe_refund["metadata"]["payport_refund_id"] == str(row.id)
    assert stripe_refund["transfer_reversal"]  # reverse_transfer: the vendor gives the money back
    charge = await sandbox.api("GET", f"/v1/charges/{paid['charge']['id']}")
    fee = await sandbox.api("GET", f"/v1/application_fees/{charge['application_fee']}")
    assert fee["amount_refunded"] == round(343 * 5_000 / 12_500)
    # What the refund cost the vendor is the transfer reversal, as Stripe booked it.
    transfer = await sandbox.api("GET", f"/v1/transfers/{charge['transfer']}")
    reversed_ = next(r["amount"] for r in transfer["reversals"]["data"] if r["source_refund"] == row.stripe_refund_id)
    assert (await Refund.objects().where(Refund.id == row.id).first()).net == -reversed_
    after = await _invoice(invoice.id)
    assert (after.status, after.amount_paid, after.amount_refunded, after.amount_due) == (
        "partially_refunded", 12_500, 5_000, 5_000)
    # Stripe's own news of the same refund changes nothing.
    for type_, object_id in (("refund.created", row.stripe_refund_id), ("charge.refunded", paid["charge"]["id"])):
        assert (await deliver(client, await _event(sandbox, type_, object_id))).status_code == 200
    assert await Refund.count().where(Refund.invoice == invoice.id) == 1
    assert (await _invoice(invoice.id)).amount_refunded == 5_000 and await _refunded_activity(invoice.id) == 1


async def test_without_the_setting_the_platform_keeps_its_fee(client, vendor, sandbox):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    row = await refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 12_500, "duplicate", "", "k-2")
    assert not row.refund_application_fee
    charge = await sandbox.api("GET", f"/v1/charges/{paid['charge']['id']}")
    assert (await sandbox.api("GET", f"/v1/application_fees/{charge['application_fee']}"))["amount_refunded"] == 0
    assert (await _invoice(invoice.id)).status == "refunded"


async def test_concurrent_clicks_of_one_form_make_one_refund(client, vendor, sandbox):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    results = await asyncio.gather(*(
        refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 2_000, "requested_by_customer", "", "same")
        for _ in range(5)), return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len((await sandbox.api("GET", "/v1/refunds", params={"charge": paid["charge"]["id"]}))["data"]) == 1
    assert await Refund.count().where(Refund.invoice == invoice.id) == 1
    assert (await _invoice(invoice.id)).amount_refunded == 2_000


async def test_concurrent_full_refunds_from_two_forms_refund_once(client, vendor, sandbox):
    invoice, payment, _ = await _paid(client, vendor, sandbox)
    results = await asyncio.gather(*(
        refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 12_500, "duplicate", "", f"tab-{n}")
        for n in range(3)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, NotAllowed)]
    assert len(refused) == 2 and all("At most $0.00" in r.message for r in refused), results
    assert (await _invoice(invoice.id)).amount_refunded == 12_500


ORDER = ["answer", "refund.created", "charge.refunded", "refund.updated"]


@pytest.mark.parametrize("order", list(itertools.permutations(ORDER)))
async def test_the_answer_and_the_webhooks_in_any_order_count_once(client, vendor, sandbox, order):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    row, _ = await refunds.begin_refund(vendor.vendor_id, invoice.id, payment.id, 3_000, "requested_by_customer",
                                        "", uuid.uuid4().hex)
    info = await refunds.send_refund(row)
    created = await _event(sandbox, "refund.created", info.id)
    updated = copy.deepcopy(created)  # Stripe tells of the same refund again, now settled
    updated.update(id=created["id"] + "_upd", type="refund.updated")
    news = {"refund.created": created, "charge.refunded": await _event(sandbox, "charge.refunded", paid["charge"]["id"]),
            "refund.updated": updated}
    for step in order:
        if step == "answer":
            async with write_transaction():
                locked = await lock_invoice(vendor.vendor_id, invoice.id)
                await refunds.apply_refund(locked, payment, info, row.id)
        else:
            assert (await deliver(client, news[step])).status_code == 200
    rows = await Refund.objects().where(Refund.invoice == invoice.id)
    assert [(r.id, r.stripe_refund_id, r.status) for r in rows] == [(row.id, info.id, "succeeded")]
    after = await _invoice(invoice.id)
    assert (after.status, after.amount_refunded, after.amount_due) == ("partially_refunded", 3_000, 3_000)
    assert await _refunded_activity(invoice.id) == 1


async def test_a_refund_that_fails_later_gives_the_balance_back_with_stripes_reason(client, vendor, sandbox):
    invoice, payment, _ = await _paid(client, vendor, sandbox)
    row = await refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 4_000, "requested_by_customer", "",
                                       "will-fail")
    failed = copy.deepcopy(await _event(sandbox, "refund.created", row.stripe_refund_id))
    failed.update(id="evt_refund_failed_1", type="refund.failed")
    failed["data"]["object"].update(status="failed", failure_reason="expired_or_canceled_card")
    assert (await deliver(client, failed)).json()["outcome"] == "applied"
    late = copy.deepcopy(failed)  # an older "succeeded" arriving after the failure changes nothing
    late.update(id="evt_refund_late", type="refund.updated")
    late["data"]["object"]["status"] = "succeeded"
    assert (await deliver(client, late)).json()["outcome"] == "no change"
    after = await _invoice(invoice.id)
    assert (after.status, after.amount_refunded, after.amount_due) == ("paid", 0, 0)
    refund = await Refund.objects().get(Refund.id == row.id)
    assert (refund.status, refund.failure_reason) == ("failed", "the card has expired or was canceled")
    panel = (await vendor.client.get(f"/invoices/{invoice.id}/payments", headers={"HX-Request": "true"})).text
    assert "Failed" in panel and "Stripe: the card has expired or was canceled" in panel


async def test_a_refund_made_in_stripes_dashboard_counts_once(client, vendor, sandbox):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    made = await sandbox.api("POST", "/v1/refunds", data={"payment_intent": payment.payment_intent, "amount": "1500"})
    for event in (await _event(sandbox, "charge.refunded", paid["charge"]["id"]),
                  await _event(sandbox, "refund.created", made["id"])):
        await deliver(client, event)
        await deliver(client, event)
    assert [(r.stripe_refund_id, r.amount) for r in await Refund.objects().where(Refund.invoice == invoice.id)] == [
        (made["id"], 1_500)]
    assert (await _invoice(invoice.id)).amount_refunded == 1_500


async def test_stripes_refusal_fails_the_refund_with_its_words(client, vendor, sandbox):
    invoice, payment, _ = await _paid(client, vendor, sandbox)
    # Refunded in Stripe's dashboard meanwhile, news not yet here: PayPort still thinks 125.00 can go back.
    await sandbox.api("POST", "/v1/refunds", data={"payment_intent": payment.payment_intent})
    with pytest.raises(NotAllowed, match="already been refunded"):
        await refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 12_500, "duplicate", "", "late")
    row = await Refund.objects().where(Refund.idempotency_key == "late").first()
    assert row.status == "failed" and "already been refunded" in row.failure_reason
    assert (await _invoice(invoice.id)).amount_refunded == 0


async def test_refund_over_http_in_key_mode_runs_on_the_vendors_account(client, vendor, sandbox):
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    assert (await vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})).status_code == 200
    connection = await StripeConnection.objects().where(StripeConnection.vendor == vendor.vendor_id).first()
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    completed = await _event(sandbox, "checkout.session.completed", session_id, key=made["secret_key"])
    path = f"/webhooks/stripe/{connection.webhook_token}"
    assert (await deliver(client, completed, decrypt(connection.webhook_secret_enc), path)).status_code == 200
    payment = await Payment.objects().where(Payment.invoice == invoice.id).first()
    assert payment.stripe_account == made["account"]
    dialog = (await vendor.client.get(f"/invoices/{invoice.id}/payments/{payment.id}/refund", headers={"HX-Request": "true"})).text
    key = dialog.split('name="request_key" value="')[1].split('"')[0]
    form = {"amount": "25.00", "reason": "requested_by_customer", "request_key": key}
    assert (await vendor.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund", form)).status_code < 400
    own = (await sandbox.http.get("/v1/refunds", headers={"Authorization": f"Bearer {made['secret_key']}"})).json()
    assert [r["amount"] for r in own["data"]] == [2_500]
    assert "reverse_transfer" not in str(own["data"][0].get("transfer_reversal") or "")
    assert (await _invoice(invoice.id)).amount_refunded == 2_500
    bad = await vendor.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund",
                            {**form, "amount": "200.00", "request_key": "other"})
    assert bad.status_code == 422 and "At most $100.00" in bad.text


async def test_ledger_payments_page_csv_and_dashboard_agree_with_the_sandbox(client, vendor, sandbox, fee_back):
    invoice, payment, paid = await _paid(client, vendor, sandbox)
    await refunds.refund_payment(vendor.vendor_id, invoice.id, payment.id, 5_000, "requested_by_customer", "",
                                 uuid.uuid4().hex)
    charge = await sandbox.api("GET", f"/v1/charges/{paid['charge']['id']}")
    txn = await sandbox.api("GET", f"/v1/balance_transactions/{charge['balance_transaction']}")
    fee = await sandbox.api("GET", f"/v1/application_fees/{charge['application_fee']}")
    row = await Payment.objects().get(Payment.id == payment.id)
    assert (row.stripe_fee, row.settlement_currency, row.settlement_net) == (txn["fee"], "USD", txn["net"])
    assert (row.application_fee, row.application_fee_refunded) == (fee["amount"], fee["amount_refunded"])
    assert row.net == 12_500 - fee["amount"]  # what the transfer paid the vendor; the refund is its own row

    page = (await vendor.client.get("/payments")).text
    assert "Received <strong data-kind=\"received\">$125.00</strong>" in page
    assert "Refunded <strong data-kind=\"refunded\">$50.00</strong>" in page and "Net <strong data-kind=\"net\">$75.00" in page
    assert (await vendor.client.get("/payments?method=cash")).text.count("move-payment") == 0
    export = (await vendor.client.get("/payments/export.csv")).text.splitlines()
    assert export[0].startswith("Date (UTC),Kind,Status") and len(export) == 3
    assert ",refund,Refunded," in export[1] and ",-50.00," in export[1]
    assert f",{txn['fee'] / 100:.2f}," in export[2]

    from app.services.dashboard import day as dashboard

    day = await dashboard.vendor_day(vendor.vendor_id)
    usd = {f.currency: f for f in await dashboard.currency_figures(day)}["USD"]
    assert (usd.paid, usd.platform_fees) == (7_500, fee["amount"] - fee["amount_refunded"])
    details = (await vendor.client.get(f"/invoices/{invoice.id}/payments", headers={"HX-Request": "true"})).text
    assert "Stripe fee" in details and f"({fee['amount_refunded'] / 100:.2f}" not in details
    assert f"${fee['amount_refunded'] / 100:.2f} refunded" in details

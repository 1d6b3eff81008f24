"""POST /webhooks/stripe: signatures, exactly-once, forward-only state, order, tenancy."""

from __future__ import annotations

import asyncio
import copy
import itertools
import time

import pytest

from app.services.actors import STRIPE_WEBHOOK, acting_as
from app.services.payments import connection as stripe_connection
from app.services.payments.events import Origin, handle_event
from app.stripe_types import checked_event_info
from app.services.payments.checkout import start_checkout
from app.services.payments.links import create_payment_link
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.payments import CheckoutAttempt, Payment, PlatformWebhookEndpoint, StripeConnection, WebhookInbox
from tests.unit.payments.conftest import (
    CONNECT_SECRET,
    PLATFORM_SECRET,
    connect_vendor,
    deliver,
    make_invoice,
    session_id_of,
)

pytestmark = pytest.mark.usefixtures("platform_secrets")


async def _paid_invoice(vendor, sandbox, connect=True, card="4242424242424242"):
    """An invoice with a link whose Checkout Session the customer paid in the sandbox (no webhook delivered yet)."""
    if connect and not await stripe_connection.is_ready(vendor.vendor_id):
        await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    paid = await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay", data={"card": card})
    return invoice, session_id, paid.json()


async def _event(sandbox, type_: str, object_id: str) -> dict:
    for event in await sandbox.events(type_):
        if event["data"]["object"]["id"] == object_id:
            return event
    raise AssertionError(f"no {type_} for {object_id}")


async def _invoice(invoice_id: int) -> Invoice:
    return await Invoice.objects().where(Invoice.id == invoice_id).first()


async def _kinds(invoice_id: int) -> list[str]:
    return (
        await InvoiceActivity.select(InvoiceActivity.kind)
        .where(InvoiceActivity.invoice == invoice_id)
        .order_by(InvoiceActivity.id)
        .output(as_list=True)
    )


async def test_completed_marks_the_invoice_paid_once(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = await _event(sandbox, "checkout.session.completed", session_id)
    response = await deliver(client, event)
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    paid = await _invoice(invoice.id)
    assert (paid.status, paid.amount_paid, paid.paid_method) == ("paid", 12_500, "stripe")
    payment = await Payment.objects().where(Payment.invoice == invoice.id).first()
    assert payment.application_fee == 343 and payment.currency == "USD"
    assert (await deliver(client, event)).json()["outcome"] == "duplicate"
    assert (await _kinds(invoice.id)).count("payment_succeeded") == 1


@pytest.mark.parametrize("case", ["forged", "wrong-secret", "missing", "stale", "future", "garbage"])
async def test_bad_signatures_answer_400_and_change_nothing(client, vendor, sandbox, case):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = await _event(sandbox, "checkout.session.completed", session_id)
    before = await WebhookInbox.count()
    if case == "forged":
        from tests.unit.payments.conftest import signed

        body, headers = signed(event, PLATFORM_SECRET)
        response = await client.post("/webhooks/stripe", content=body.replace(b"12500", b"12501"), headers=headers)
    elif case == "wrong-secret":
        response = await deliver(client, event, secret="whsec_somebody_else")
    elif case == "missing":
        response = await client.post("/webhooks/stripe", json=event)
    elif case == "garbage":
        response = await client.post("/webhooks/stripe", json=event, headers={"Stripe-Signature": "t=abc,v1=zz"})
    else:
        # Stripe's tolerance is 300 s either way: far enough out that a slow test run cannot bring it back inside.
        offset = -600 if case == "stale" else 600
        response = await deliver(client, event, timestamp=int(time.time()) + offset)
    assert response.status_code == 400
    assert await WebhookInbox.count() == before and (await _invoice(invoice.id)).status == "sent"


async def test_no_secret_configured_answers_503(client):
    await PlatformWebhookEndpoint.delete(force=True)
    response = await deliver(client, {"id": "evt_x", "object": "event", "type": "account.updated"})
    assert response.status_code == 503


async def test_the_same_event_ten_times_concurrently_gives_one_transition(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = await _event(sandbox, "checkout.session.completed", session_id)
    responses = await asyncio.gather(*(deliver(client, event) for _ in range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    assert sorted(r.json()["outcome"] for r in responses) == ["applied"] + ["duplicate"] * 9
    assert await Payment.count().where(Payment.invoice == invoice.id) == 1
    assert (await _kinds(invoice.id)).count("payment_succeeded") == 1
    assert (await _invoice(invoice.id)).version == 3  # link creation, then one payment


async def test_events_arriving_together_each_apply_once_and_a_bad_one_fails_alone(vendor, sandbox):
    paid = [await _paid_invoice(vendor, sandbox) for _ in range(3)]
    events = [await _event(sandbox, "checkout.session.completed", session_id) for _, session_id, _ in paid]
    bad = copy.deepcopy(events[0])
    bad["id"] = f"evt_shape_{time.time_ns()}"
    bad["data"]["object"]["amount_total"] = "lots"
    burst = [events[0], bad, events[1], events[2], events[1]]  # Stripe redelivering events[1] meanwhile
    # Straight to the service, all at once: the test client hands requests to the app one at a time.
    with acting_as(STRIPE_WEBHOOK):
        applied = await asyncio.gather(*(handle_event(checked_event_info(e), Origin("platform")) for e in burst))
    outcomes = [a.outcome for a in applied]
    assert outcomes[0] == outcomes[3] == "applied" and outcomes[1].startswith("unusable: ")
    assert sorted(outcomes[2::2]) == ["applied", "duplicate"]
    for invoice, _, _ in paid:
        assert await Payment.count().where(Payment.invoice == invoice.id) == 1
        assert (await _invoice(invoice.id)).status == "paid"
    assert await WebhookInbox.count().where(WebhookInbox.event_id.is_in([e["id"] for e in burst])) == 4


async def test_redeliveries_arriving_with_the_original_are_duplicates_and_the_inbox_keeps_each_outcome(vendor, sandbox):
    paid = [await _paid_invoice(vendor, sandbox) for _ in range(2)]
    first, second = [await _event(sandbox, "checkout.session.completed", session_id) for _, session_id, _ in paid]
    unknown = {**copy.deepcopy(first), "id": f"evt_unknown_{time.time_ns()}"}
    unknown["data"]["object"]["id"] = "cs_test_not_ours"
    burst = [first, second, first, unknown, second, first]
    with acting_as(STRIPE_WEBHOOK):
        applied = await asyncio.gather(*(handle_event(checked_event_info(e), Origin("platform")) for e in burst))
    assert [a.outcome for a in applied] == ["applied", "applied", "duplicate", "ignored: session not ours",
                                            "duplicate", "duplicate"]
    for invoice, _, _ in paid:
        assert await Payment.count().where(Payment.invoice == invoice.id) == 1
        assert (await _kinds(invoice.id)).count("payment_succeeded") == 1
    rows = await WebhookInbox.select(WebhookInbox.event_id, WebhookInbox.outcome, WebhookInbox.vendor).where(
        WebhookInbox.event_id.is_in([first["id"], second["id"], unknown["id"]]))
    assert sorted((r["event_id"], r["outcome"], r["vendor"]) for r in rows) == sorted([
        (first["id"], "applied", vendor.vendor_id), (second["id"], "applied", vendor.vendor_id),
        (unknown["id"], "ignored: session not ours", None)])


async def test_completed_arriving_before_the_session_id_is_saved(client, vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    # As if the request that created the session had not committed its answer yet.
    await CheckoutAttempt.update({CheckoutAttempt.session_id: None, CheckoutAttempt.status: "creating"}).where(
        CheckoutAttempt.invoice == invoice.id
    )
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    response = await deliver(client, await _event(sandbox, "checkout.session.completed", session_id))
    assert response.json()["outcome"] == "applied" and (await _invoice(invoice.id)).status == "paid"
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.invoice == invoice.id).first()
    assert (attempt.session_id, attempt.status) == (session_id, "complete")


async def _refund(sandbox, intent: str, amount: int | None = None) -> None:
    data = {"payment_intent": intent, **({"amount": str(amount)} if amount else {})}
    response = await sandbox.http.post(
        "/v1/refunds", data=data, headers={"Authorization": "Bearer sk_test_payport_platform"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("order", list(itertools.permutations(["failed", "completed", "refunded"])))
async def test_out_of_order_events_end_in_stripes_latest_state(client, vendor, sandbox, order):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/decline")
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")).json()
    intent = paid["payment_intent"]["id"]
    await _refund(sandbox, intent, 5_000)
    events = {
        "failed": await _event(sandbox, "payment_intent.payment_failed", intent),
        "completed": await _event(sandbox, "checkout.session.completed", session_id),
        "refunded": await _event(sandbox, "charge.refunded", paid["charge"]["id"]),
    }
    for name in order:
        assert (await deliver(client, events[name])).status_code == 200
    final = await _invoice(invoice.id)
    assert (final.status, final.amount_paid, final.amount_refunded) == ("partially_refunded", 12_500, 5_000)
    assert not final.needs_attention
    messages = (
        await InvoiceActivity.select(InvoiceActivity.message)
        .where(InvoiceActivity.invoice == invoice.id)
        .output(as_list=True)
    )
    assert "Payment attempt failed: card declined" in messages


async def test_full_refund_after_payment_is_refunded(client, vendor, sandbox):
    invoice, session_id, paid = await _paid_invoice(vendor, sandbox)
    await deliver(client, await _event(sandbox, "checkout.session.completed", session_id))
    await _refund(sandbox, paid["payment_intent"]["id"])
    refunded = copy.deepcopy(await _event(sandbox, "charge.refunded", paid["charge"]["id"]))
    refunded["data"]["object"]["metadata"] = {}  # our Payment row is enough to find the invoice
    await deliver(client, refunded)
    assert (await _invoice(invoice.id)).status == "refunded"
    # A late completed for the same session does not bring it back to paid.
    await deliver(client, {**await _event(sandbox, "checkout.session.completed", session_id), "id": "evt_late_copy"})
    assert (await _invoice(invoice.id)).status == "refunded"


async def test_amount_mismatch_flags_the_invoice_and_does_not_mark_it_paid(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = copy.deepcopy(await _event(sandbox, "checkout.session.completed", session_id))
    event["data"]["object"]["amount_total"] = 100
    await deliver(client, event)
    flagged = await _invoice(invoice.id)
    assert flagged.status == "sent" and flagged.needs_attention and "$1.00" in flagged.attention_reason
    assert "needs_attention" in await _kinds(invoice.id)


async def test_a_payment_for_a_void_invoice_needs_attention(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    await Invoice.update({Invoice.status: "void"}).where(Invoice.id == invoice.id)
    await deliver(client, await _event(sandbox, "checkout.session.completed", session_id))
    after = await _invoice(invoice.id)
    assert after.status == "void" and after.needs_attention and "void invoice" in after.attention_reason


async def test_an_event_about_another_vendors_invoice_changes_nothing(client, vendor, other_vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = await _event(sandbox, "checkout.session.completed", session_id)
    # Another vendor with its own key replays the session under its own account and endpoint.
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Mallory"})).json()
    await other_vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})
    mallory = await StripeConnection.objects().where(StripeConnection.vendor == other_vendor.vendor_id).first()
    from app.encryption import decrypt

    response = await deliver(
        client, event, secret=decrypt(mallory.webhook_secret_enc), path=f"/webhooks/stripe/{mallory.webhook_token}"
    )
    assert response.status_code == 200 and response.json()["outcome"].startswith("ignored")
    # And as a Connect event from some other connected account.
    foreign = {**event, "id": "evt_foreign_account", "account": "acct_someoneelse0000"}
    assert (await deliver(client, foreign, secret=CONNECT_SECRET)).json()["outcome"].startswith("ignored")
    assert (await _invoice(invoice.id)).status == "sent"
    assert await Payment.count().where(Payment.invoice == invoice.id) == 0
    # The genuine delivery still counts: a copy on another endpoint cannot shadow it.
    assert (await deliver(client, event)).json()["outcome"] == "applied"


async def test_key_mode_events_arrive_on_the_vendors_own_endpoint(client, vendor, sandbox):
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    await vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox, connect=False)
    row = await StripeConnection.objects().where(StripeConnection.vendor == vendor.vendor_id).first()
    event = next(
        e
        for e in await sandbox.events("checkout.session.completed", key=made["secret_key"])
        if e["data"]["object"]["id"] == session_id
    )
    from app.encryption import decrypt

    assert (await deliver(client, event)).json()["outcome"].startswith("ignored")  # not on the platform endpoint
    response = await deliver(
        client, event, secret=decrypt(row.webhook_secret_enc), path=f"/webhooks/stripe/{row.webhook_token}"
    )
    assert response.json()["outcome"] == "applied" and (await _invoice(invoice.id)).status == "paid"


async def test_unpaid_completion_waits_for_async_payment_succeeded(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    completed = copy.deepcopy(await _event(sandbox, "checkout.session.completed", session_id))
    completed["data"]["object"]["payment_status"] = "unpaid"
    assert (await deliver(client, completed)).json()["outcome"].startswith("waiting")
    assert (await _invoice(invoice.id)).status == "sent"
    later = copy.deepcopy(completed)
    later.update(id="evt_async_ok", type="checkout.session.async_payment_succeeded")
    later["data"]["object"]["payment_status"] = "paid"
    await deliver(client, later)
    assert (await _invoice(invoice.id)).status == "paid"


async def test_expired_session_event_closes_the_attempt(client, vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/expire")
    await deliver(client, await _event(sandbox, "checkout.session.expired", session_id))
    attempt = await CheckoutAttempt.objects().where(CheckoutAttempt.session_id == session_id).first()
    assert attempt.status == "expired" and (await _invoice(invoice.id)).status == "sent"


async def test_account_updated_from_connect_updates_the_connection(client, vendor, sandbox):
    await vendor.post("/settings/stripe/connect")
    row = await StripeConnection.objects().where(StripeConnection.vendor == vendor.vendor_id).first()
    await sandbox.http.post(f"/_sandbox/accounts/{row.account_id}/onboard")
    event = (await sandbox.events("account.updated", account=row.account_id))[0]
    assert event["account"] == row.account_id
    assert (await deliver(client, event, secret=PLATFORM_SECRET)).json()["outcome"].startswith("ignored")
    assert (await deliver(client, event, secret=CONNECT_SECRET)).json()["outcome"] == "applied"
    assert await stripe_connection.is_ready(vendor.vendor_id)


async def test_test_mode_events_are_ignored_by_a_live_platform(client, vendor, sandbox, monkeypatch):
    from app.settings import get_settings

    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = await _event(sandbox, "checkout.session.completed", session_id)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_platform_key_for_this_test")
    get_settings.cache_clear()
    assert (await deliver(client, event)).json()["outcome"].startswith("ignored: test-mode")
    assert (await _invoice(invoice.id)).status == "sent"


@pytest.mark.parametrize("change", [
    {"created": "yesterday"}, {"id": 12345}, {"livemode": "yes"}, {"account": ["acct_1"]},
    {"data": {"object": "not an object"}}, {"data": None}, {"created": 10**30},
])
async def test_a_signed_but_malformed_event_is_recorded_and_answered_2xx(client, change):
    event = {"id": f"evt_bad_{time.time_ns()}", "object": "event", "type": "checkout.session.completed",
             "created": int(time.time()), "livemode": False, "data": {"object": {"id": "cs_x", "metadata": {}}},
             **change}
    response = await deliver(client, event)
    assert response.status_code == 200, response.text
    assert "unusable" in response.json()["outcome"]
    row = await WebhookInbox.objects().where(WebhookInbox.event_id == str(event["id"])).first()
    assert row is not None and row.outcome.startswith("unusable: ")
    again = await deliver(client, event)  # Stripe's redelivery changes nothing
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"


async def test_an_event_whose_object_fields_have_wrong_types_is_recorded_not_500(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    event = copy.deepcopy(await _event(sandbox, "checkout.session.completed", session_id))
    event["id"] = f"evt_shape_{time.time_ns()}"
    event["data"]["object"]["amount_total"] = "lots"
    response = await deliver(client, event)
    assert response.status_code == 200 and "unusable" in response.json()["outcome"], response.text
    assert (await _invoice(invoice.id)).status == "sent"  # nothing applied


async def test_a_body_that_is_not_an_event_answers_400(client):
    for body in ({"object": "list", "id": "x"}, ["evt"], {"id": "", "object": "event"}):
        response = await deliver(client, body)
        assert response.status_code == 400

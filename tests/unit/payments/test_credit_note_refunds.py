"""A credit note on an invoice paid online gives the excess back through Stripe, exactly once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.services.invoices.credit_notes import CreditForm, issue_credit_note
from app.services.payments.checkout import start_checkout
from app.services.payments.links import create_payment_link
from app.tables.credits import CreditNote
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund
from tests.unit.payments.conftest import PLATFORM_KEY, connect_vendor, deliver, make_invoice, session_id_of

pytestmark = pytest.mark.usefixtures("platform_secrets")


async def _paid_online(client, vendor, sandbox, total: int = 12_500) -> tuple[Invoice, Payment, dict]:
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id, total=total)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of(await start_checkout(link.token))
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")).json()
    event = next(e for e in await sandbox.events("checkout.session.completed", key=PLATFORM_KEY)
                 if e["data"]["object"]["id"] == session_id)
    assert (await deliver(client, event)).status_code == 200
    return invoice, await Payment.objects().where(Payment.invoice == invoice.id).first(), paid


async def test_two_clicks_at_once_make_one_credit_note_and_one_stripe_refund(client, vendor, sandbox):
    invoice, payment, paid = await _paid_online(client, vendor, sandbox)
    form = CreditForm(mode="amount", amount="40.00", reason="Late delivery", excess="refund",
                      request_key=uuid.uuid4().hex)
    results = await asyncio.gather(*(issue_credit_note(vendor.vendor_id, invoice.id, form) for _ in range(4)),
                                   return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert await CreditNote.count().where(CreditNote.invoice == invoice.id) == 1
    stripe_refunds = (await sandbox.api("GET", "/v1/refunds", params={"charge": paid["charge"]["id"]}))["data"]
    assert [r["amount"] for r in stripe_refunds] == [4_000]
    assert stripe_refunds[0]["transfer_reversal"]  # Connect: the vendor's transfer is reversed
    rows = await Refund.objects().where(Refund.invoice == invoice.id)
    assert [(r.amount, r.status) for r in rows] == [(4_000, "succeeded")]
    after = await Invoice.objects().get(Invoice.id == invoice.id)
    assert (after.amount_credited, after.amount_paid, after.amount_refunded, after.amount_due) == (
        4_000, 12_500, 4_000, 0)
    assert after.status == "paid" and not after.needs_attention
    # Stripe's news of the same refund counts nothing twice.
    for type_ in ("refund.created", "charge.refunded"):
        for event in await sandbox.events(type_, key=PLATFORM_KEY):
            await deliver(client, event)
    assert (await Invoice.objects().get(Invoice.id == invoice.id)).amount_refunded == 4_000
    # The details page shows the note, its refund, and the balance.
    panel = await vendor.client.get(f"/invoices/{invoice.id}/credit-notes", headers={"HX-Request": "true"})
    note = await CreditNote.objects().where(CreditNote.invoice == invoice.id).first()
    assert note.number in panel.text and "$40.00 refunded" in panel.text


async def test_a_refused_refund_leaves_the_invoice_flagged_with_the_amount(client, vendor, sandbox, monkeypatch):
    invoice, payment, _ = await _paid_online(client, vendor, sandbox)
    from app.stripe_gateway import get_gateway

    async def refuse(*args, **kwargs):
        raise ValueError("Refunds are disabled on this account")

    monkeypatch.setattr(get_gateway(), "create_refund", refuse)
    await issue_credit_note(vendor.vendor_id, invoice.id, CreditForm(
        mode="amount", amount="10", reason="x", excess="refund", request_key=uuid.uuid4().hex))
    after = await Invoice.objects().get(Invoice.id == invoice.id)
    assert after.needs_attention and "$10.00" in after.attention_reason
    assert [r.status for r in await Refund.objects().where(Refund.invoice == invoice.id)] == ["failed"]
    panel = await vendor.client.get(f"/invoices/{invoice.id}/credit-notes", headers={"HX-Request": "true"})
    assert "Refund failed" in panel.text and "Refunds are disabled" in panel.text

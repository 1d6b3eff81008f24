"""Issue 16 points 3 and 4: saved cards and off-session autopay, through the real gateway into the sandbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.errors import NotAllowed, NotFound
from app.services.autopay import retries
from app.services.autopay.charge import attempts_of, charge_invoice
from app.services.clock import freeze, utcnow
from app.services.payments import cards
from app.services.payments.checkout import confirm_return, start_checkout
from app.services.payments.links import create_payment_link
from app.tables.autopay import SavedCard
from app.tables.invoices import Invoice, InvoiceActivity
from app.tables.mail import OutboxMessage
from app.tables.payments import Payment
from tests import factories
from tests.factories import Line
from tests.unit.payments.conftest import connect_vendor, deliver, make_invoice, session_id_of

DECLINES = "4000000000000341"
INSUFFICIENT = "4000000000009995"
AUTHENTICATE = "4000002760003184"


async def _invoice(invoice_id: int) -> Invoice:
    return await Invoice.objects().where(Invoice.id == invoice_id).first()


async def _second_invoice(vendor_id: int, customer_id: int, total: int = 4_200) -> Invoice:
    return await factories.insert_invoice(
        vendor_id, customer_id, [Line("Support plan", 1, total)], number=f"INV-AP-{customer_id}-{total}",
        status="sent", currency="USD", due_date=date(2026, 12, 1), sent_method="manual",
    )


async def _save_while_paying(vendor_id: int, sandbox, card: str = "4242424242424242") -> tuple[Invoice, str]:
    """The customer pays a first invoice on Checkout with "save my card" (then, for `card`, saves that one from
    the pay page); returns the first invoice and its link token."""
    first = await make_invoice(vendor_id)
    link = await create_payment_link(vendor_id, first.id)
    session_id = session_id_of(await start_checkout(link.token, save_card=True))
    paid = await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay", json={"card": "4242424242424242", "exp": "12/34"})
    assert paid.status_code == 200, paid.text[-300:]
    await confirm_return(link.token, session_id)
    if card != "4242424242424242":
        await _swap_card(sandbox, link.token, card)
    return first, link.token


async def _swap_card(sandbox, token: str, card: str) -> None:
    """The customer saves another card from the pay page (setup-mode Checkout)."""
    session_id = session_id_of(await cards.start_card_setup(token))
    done = await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay", json={"card": card, "exp": "12/34"})
    assert done.status_code == 200, done.text[-300:]
    await cards.confirm_card_setup(token, session_id)


async def test_card_saved_while_paying_is_charged_off_session(vendor, sandbox):
    account = await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    assert (await _invoice(first.id)).status == "paid"
    assert await cards.customer_card(vendor.vendor_id, first.customer) == "Visa ending 4242, expires 12/34"
    row = await SavedCard.objects().where(SavedCard.customer == first.customer).first()
    assert row.stripe_account == ""  # Connect: the Customer lives on the platform, where destination charges are made
    customer = await sandbox.api("GET", f"/v1/customers/{row.stripe_customer}")
    assert customer["email"] == "pat@example.com"
    second = await _second_invoice(vendor.vendor_id, first.customer)
    result = await charge_invoice(vendor.vendor_id, second.id)
    assert result.status == "succeeded" and result.attempt == 1
    assert (await _invoice(second.id)).status == "paid"
    payment = await Payment.objects().where(Payment.invoice == second.id).first()
    intent = await sandbox.api("GET", f"/v1/payment_intents/{payment.payment_intent}")
    assert (intent["amount"], intent["status"], intent["payment_method"]) == (4_200, "succeeded", row.payment_method)
    assert intent["customer"] == row.stripe_customer and intent["transfer_data"]["destination"] == account
    assert intent["metadata"]["payport_autopay"] == "1"
    kinds = [a.kind for a in await InvoiceActivity.objects().where(InvoiceActivity.invoice == second.id)]
    assert "autopay_charged" in kinds and "payment_succeeded" in kinds  # the receipt follows payment_succeeded
    with pytest.raises(NotAllowed):  # nothing left to pay: no second charge
        await charge_invoice(vendor.vendor_id, second.id)


async def test_decline_then_retry_with_a_new_card_pays(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, token = await _save_while_paying(vendor.vendor_id, sandbox, DECLINES)  # 0341 attaches, declines later
    second = await _second_invoice(vendor.vendor_id, first.customer)
    result = await charge_invoice(vendor.vendor_id, second.id)
    assert result.status == "failed" and "card declined" in result.message
    assert (await _invoice(second.id)).status == "sent"
    mails = await OutboxMessage.objects().where((OutboxMessage.invoice == second.id) & (OutboxMessage.kind == "autopay_failed"))
    second_link = await create_payment_link(vendor.vendor_id, second.id)
    assert len(mails) == 1 and mails[0].to == "pat@example.com" and f"/pay/{second_link.token}" in mails[0].text
    failed = [a for a in await InvoiceActivity.objects().where(InvoiceActivity.invoice == second.id) if a.kind == "payment_failed"]
    assert len(failed) == 1 and "attempt 1 of 4" in failed[0].message
    # The customer saves a new card from the pay page; the next try pays with it.
    await _swap_card(sandbox, second_link.token, "4242424242424242")
    assert await cards.customer_card(vendor.vendor_id, first.customer) == "Visa ending 4242, expires 12/34"
    again = await charge_invoice(vendor.vendor_id, second.id)
    assert again.status == "succeeded" and again.attempt == 2
    assert (await _invoice(second.id)).status == "paid"
    assert [a.status for a in await attempts_of(vendor.vendor_id, second.id)] == ["failed", "succeeded"]
    assert all(a.next_retry_at is None for a in await attempts_of(vendor.vendor_id, second.id))


async def test_card_attached_on_stripe_arrives_by_webhook(client, vendor, sandbox, platform_secrets):
    """payment_method.attached on one of our Customers makes it the card on file (here 9995, insufficient funds)."""
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    row = await SavedCard.objects().where(SavedCard.customer == first.customer).first()
    await sandbox.api("POST", "/v1/payment_methods/pm_card_chargeDeclinedInsufficientFunds/attach",
                      data={"customer": row.stripe_customer})
    attached = (await sandbox.events("payment_method.attached"))[0]
    assert (await deliver(client, attached)).json()["outcome"] == "applied"
    assert await cards.customer_card(vendor.vendor_id, first.customer) == "Visa ending 9995, expires 12/34"
    result = await charge_invoice(vendor.vendor_id, (await _second_invoice(vendor.vendor_id, first.customer)).id)
    assert result.status == "failed" and "insufficient funds" in result.message


async def test_authentication_required_asks_the_customer_to_confirm(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox, AUTHENTICATE)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    result = await charge_invoice(vendor.vendor_id, second.id)
    assert result.status == "requires_action" and "authentication required" in result.message
    assert (await _invoice(second.id)).status == "sent"
    mail = await OutboxMessage.objects().where((OutboxMessage.invoice == second.id) & (OutboxMessage.kind == "autopay_failed")).first()
    assert mail.subject.startswith("Please confirm your payment") and "Confirm payment" in mail.html


async def test_retry_schedule_after_1_3_and_7_days(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox, DECLINES)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    start = utcnow().replace(microsecond=0)
    freeze(start)
    try:
        assert (await charge_invoice(vendor.vendor_id, second.id)).next_retry_at == start + timedelta(days=1)
        freeze(start + timedelta(hours=23))
        assert await retries.run_due_retries(vendor.vendor_id) == []  # not yet due
        tries = []
        for day in (1, 3, 7):
            freeze(start + timedelta(days=day, minutes=1))
            done = await retries.run_due_retries(vendor.vendor_id)
            assert await retries.run_due_retries(vendor.vendor_id) == []  # taken once
            tries.append((done[0].attempt, done[0].next_retry_at))
        assert tries == [(2, start + timedelta(days=3)), (3, start + timedelta(days=7)), (4, None)]
        freeze(start + timedelta(days=30))
        assert await retries.run_due_retries(vendor.vendor_id) == []  # retries ended
    finally:
        freeze(None)
    messages = [a.message for a in await InvoiceActivity.objects().where(InvoiceActivity.invoice == second.id)
                if a.kind == "payment_failed"]
    assert len(messages) == 4 and "No more automatic tries" in messages[-1]
    assert len(await OutboxMessage.objects().where((OutboxMessage.kind == "autopay_failed") & (OutboxMessage.invoice == second.id))) == 4


async def test_a_paid_invoice_gets_no_more_retries(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox, DECLINES)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    await charge_invoice(vendor.vendor_id, second.id)
    await Invoice.update({Invoice.status: "paid", Invoice.amount_due: 0}).where(Invoice.id == second.id)
    freeze(utcnow() + timedelta(days=2))
    try:
        assert await retries.run_due_retries(vendor.vendor_id) == []
    finally:
        freeze(None)
    assert len(await attempts_of(vendor.vendor_id, second.id)) == 1


async def test_key_mode_cards_live_on_the_vendors_own_account(vendor, sandbox):
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    await vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    row = await SavedCard.objects().where(SavedCard.customer == first.customer).first()
    assert row.stripe_account.startswith("acct_") and row.payment_method
    own = await sandbox.http.get(f"/v1/customers/{row.stripe_customer}", headers={"Authorization": f"Bearer {made['secret_key']}"})
    assert own.status_code == 200
    assert "error" in await sandbox.api("GET", f"/v1/customers/{row.stripe_customer}")  # not on the platform
    second = await _second_invoice(vendor.vendor_id, first.customer)
    assert (await charge_invoice(vendor.vendor_id, second.id)).status == "succeeded"
    intent = (await Payment.objects().where(Payment.invoice == second.id).first()).payment_intent
    charged = await sandbox.http.get(f"/v1/payment_intents/{intent}", headers={"Authorization": f"Bearer {made['secret_key']}"})
    assert charged.json()["transfer_data"] is None and charged.json()["status"] == "succeeded"


async def test_another_vendors_invoice_is_not_found(vendor, other_vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    with pytest.raises(NotFound):
        await charge_invoice(other_vendor.vendor_id, second.id)
    with pytest.raises(NotFound):
        await cards.invoice_card(other_vendor.vendor_id, second.id)
    assert (await _invoice(second.id)).status == "sent"


async def test_no_card_on_file_is_refused(vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    with pytest.raises(NotAllowed, match="no card on file"):
        await charge_invoice(vendor.vendor_id, invoice.id)


async def _csrf_post(client, url: str, data: dict | None = None):
    from tests.unit.fixtures import csrf_token

    csrf = await csrf_token(client, "/login")
    return await client.post(url, data=data or {}, headers={"x-csrftoken": csrf}, follow_redirects=False)


async def test_pages_show_the_card_and_the_customer_removes_it(vendor, other_client, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, token = await _save_while_paying(vendor.vendor_id, sandbox)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    shown = "Card on file: Visa ending 4242, expires 12/34"
    assert shown in (await vendor.client.get(f"/invoices/{second.id}")).text
    assert "Visa ending 4242, expires 12/34" in (await vendor.client.get(f"/customers/{first.customer}")).text
    page = await other_client.get(f"/pay/{token}")
    assert shown in page.text and "Remove card" in page.text
    removed = await _csrf_post(other_client, f"/pay/{token}/card/remove")
    assert removed.status_code == 303 and removed.headers["location"] == f"/pay/{token}?card=removed"
    row = await SavedCard.objects().where(SavedCard.customer == first.customer).first()
    assert row.payment_method == ""
    assert (await sandbox.api("GET", f"/v1/customers/{row.stripe_customer}/payment_methods"))["data"] == []  # detached
    page = await other_client.get(f"/pay/{token}?card=removed")
    assert "Your card was removed" in page.text and "Save a card for automatic payments" in page.text
    panel = (await vendor.client.get(f"/invoices/{second.id}")).text
    assert "No card on file" in panel and "Charge card on file" not in panel


async def test_save_a_card_button_opens_setup_checkout(vendor, other_client, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    assert "Save a card for automatic payments" in (await other_client.get(f"/pay/{link.token}")).text
    answer = await _csrf_post(other_client, f"/pay/{link.token}/card/setup")
    assert answer.status_code == 303
    session = await sandbox.api("GET", f"/v1/checkout/sessions/{session_id_of(answer.headers['location'])}")
    assert (session["mode"], session["payment_status"]) == ("setup", "no_payment_required") and session["customer"]
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session['id']}/pay", json={"card": "5555555555554444", "exp": "11/33"})
    back = await other_client.get(f"/pay/{link.token}?card=saved&session_id={session['id']}")
    assert "Your card is saved" in back.text and "Card on file: Mastercard ending 4444, expires 11/33" in back.text
    assert (await _invoice(invoice.id)).status == "sent"  # nothing was charged


async def test_pay_with_save_box_saves_the_card(vendor, other_client, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    assert "Save my card for automatic payments" in (await other_client.get(f"/pay/{link.token}")).text
    answer = await _csrf_post(other_client, f"/pay/{link.token}/checkout", {"save_card": "1"})
    session = await sandbox.api("GET", f"/v1/checkout/sessions/{session_id_of(answer.headers['location'])}")
    assert session["customer"] and "customer_email" not in (session.get("customer_email") or "")
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session['id']}/pay")).json()
    assert paid["payment_intent"]["setup_future_usage"] == "off_session"
    await other_client.get(f"/pay/{link.token}?checkout=success&session_id={session['id']}")
    assert await cards.customer_card(vendor.vendor_id, invoice.customer)


async def test_vendor_charges_card_on_file_over_http(vendor, other_vendor, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    assert "Charge card on file" in (await vendor.client.get(f"/invoices/{second.id}")).text
    # Another vendor's id is not found and charges nothing.
    assert (await other_vendor.post(f"/invoices/{second.id}/autopay/charge")).status_code == 404
    assert (await other_vendor.client.get(f"/invoices/{second.id}/autopay", headers={"HX-Request": "true"})).status_code == 404
    assert (await _invoice(second.id)).status == "sent"
    answer = await vendor.post(f"/invoices/{second.id}/autopay/charge")
    assert answer.status_code == 200 and "Charged $42.00 to Visa ending 4242, expires 12/34" in answer.text
    assert (await _invoice(second.id)).status == "paid"
    again = await vendor.post(f"/invoices/{second.id}/autopay/charge")
    assert "Charge card on file" not in again.text and len(await Payment.objects().where(Payment.invoice == second.id)) == 1


async def test_declined_charge_shows_on_panel_pay_page_and_dashboard(vendor, other_client, sandbox):
    await connect_vendor(vendor.vendor_id, sandbox)
    first, _ = await _save_while_paying(vendor.vendor_id, sandbox, DECLINES)
    second = await _second_invoice(vendor.vendor_id, first.customer)
    answer = await vendor.post(f"/invoices/{second.id}/autopay/charge")
    assert answer.status_code == 200 and "card declined" in answer.text and "Next automatic try" in answer.text
    token = (await create_payment_link(vendor.vendor_id, second.id)).token
    page = await other_client.get(f"/pay/{token}")
    assert "Your automatic payment did not go through" in page.text and "Pay $42.00" in page.text
    dashboard = await vendor.client.get("/")
    assert "Automatic payment failed (attempt 1 of 4)" in dashboard.text


async def test_the_customer_removes_the_card_from_the_portal(vendor, other_client, sandbox):
    from tests.unit.portal.helpers import portal_client_for
    await connect_vendor(vendor.vendor_id, sandbox)
    first, token = await _save_while_paying(vendor.vendor_id, sandbox)
    row = await SavedCard.objects().where(SavedCard.customer == first.customer).first()
    await portal_client_for(other_client, token, "pat@example.com")
    page = await other_client.get("/portal")
    assert "Card on file: Visa ending 4242, expires 12/34" in page.text
    removed = await other_client.post("/portal/card/remove", headers={"x-csrftoken": other_client.cookies.get("payport_csrf")},
                                      follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == "/portal"
    assert await cards.customer_card(vendor.vendor_id, first.customer) == ""
    method = await sandbox.api("GET", f"/v1/payment_methods/{row.payment_method}")
    assert method["customer"] is None  # detached on Stripe: nothing can be charged to it any more
    assert "Card on file" not in (await other_client.get("/portal")).text

"""The customer page and Pay: Checkout Sessions with exact parameters, one open at a time, clear failures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.services.clock import utcnow
from app.services.payments.links import create_payment_link
from app.stripe_gateway import StripeClientGateway, set_gateway
from app.tables.invoices import Invoice
from app.tables.payments import CheckoutAttempt
from tests.support import free_port
from tests.unit.payments.conftest import PLATFORM_KEY, SANDBOX_URL, connect_vendor, make_invoice, session_id_of


async def _linked(vendor, sandbox, **kwargs):
    account = await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id, **kwargs)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    return account, invoice, link


async def _pay(client, token: str) -> httpx.Response:
    from tests.unit.fixtures import csrf_token

    csrf = await csrf_token(client, "/login")
    return await client.post(f"/pay/{token}/checkout", headers={"x-csrftoken": csrf}, follow_redirects=False)


async def test_customer_page_shows_the_invoice_without_login(vendor, other_client, sandbox):
    _, invoice, link = await _linked(vendor, sandbox)
    page = await other_client.get(f"/pay/{link.token}")
    assert page.status_code == 200
    for text in (
        "Acme Ltd",
        invoice.number,
        "Design work part 1",
        "Design work part 2",
        "$125.00",
        "Dec 1, 2026",
        "Pay $125.00",
    ):
        assert text in page.text
    assert (await other_client.get("/pay/not-a-real-token")).status_code == 404


async def test_pay_creates_a_connect_session_with_exact_parameters(vendor, other_client, sandbox):
    account, invoice, link = await _linked(vendor, sandbox, total=10_000, currency="EUR")
    response = await _pay(other_client, link.token)
    assert response.status_code == 303 and response.headers["location"].startswith(f"{SANDBOX_URL}/checkout/")
    session = await sandbox.api("GET", f"/v1/checkout/sessions/{session_id_of(response.headers['location'])}")
    assert (session["amount_total"], session["currency"], session["mode"]) == (10_000, "eur", "payment")
    assert session["payment_method_types"] == ["card"] and session["customer_email"] == "pat@example.com"
    assert session["client_reference_id"] == f"invoice-{invoice.id}"
    assert session["metadata"] == {"payport_invoice_id": str(invoice.id), "payport_vendor_id": str(vendor.vendor_id)}
    assert session["success_url"].startswith(f"http://127.0.0.1:8000/pay/{link.token}?checkout=success")
    assert session["cancel_url"] == f"http://127.0.0.1:8000/pay/{link.token}?checkout=cancelled"
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session['id']}/pay")).json()
    intent = paid["payment_intent"]
    assert intent["transfer_data"]["destination"] == account and intent["on_behalf_of"] == account
    assert intent["application_fee_amount"] == 280  # 2.5% of 100.00 + 0.30


async def test_pay_again_reuses_the_open_session(vendor, other_client, sandbox):
    _, _, link = await _linked(vendor, sandbox)
    first = await _pay(other_client, link.token)
    second = await _pay(other_client, link.token)
    assert first.headers["location"] == second.headers["location"]
    sessions = await sandbox.api("GET", "/v1/checkout/sessions", params={"status": "open"})
    assert len(sessions["data"]) == 1


async def test_a_session_about_to_expire_is_expired_before_a_new_one(vendor, other_client, sandbox):
    _, invoice, link = await _linked(vendor, sandbox)
    first = await _pay(other_client, link.token)
    await CheckoutAttempt.update({CheckoutAttempt.expires_at: utcnow() + timedelta(minutes=2)}).where(
        CheckoutAttempt.invoice == invoice.id
    )
    second = await _pay(other_client, link.token)
    assert first.headers["location"] != second.headers["location"]
    old = await sandbox.api("GET", f"/v1/checkout/sessions/{session_id_of(first.headers['location'])}")
    assert old["status"] == "expired"
    sessions = await sandbox.api("GET", "/v1/checkout/sessions", params={"status": "open"})
    assert [s["id"] for s in sessions["data"]] == [session_id_of(second.headers["location"])]


async def test_return_from_checkout_shows_paid_with_date_and_amount(vendor, other_client, sandbox):
    _, invoice, link = await _linked(vendor, sandbox)
    session_id = session_id_of((await _pay(other_client, link.token)).headers["location"])
    await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")
    page = await other_client.get(f"/pay/{link.token}", params={"checkout": "success", "session_id": session_id})
    assert "Paid $125.00 on" in page.text and "Pay $125.00" not in page.text
    assert (await Invoice.objects().where(Invoice.id == invoice.id).first()).status == "paid"
    panel = await vendor.client.get(f"/invoices/{invoice.id}/payment-link", headers=vendor.headers())
    assert "Paid" in panel.text and "Platform fee" in panel.text and "$3.43" in panel.text
    refused = await _pay(other_client, link.token)
    assert refused.status_code == 422 and "already paid" in refused.text


async def test_cancelled_checkout_returns_with_a_note(vendor, other_client, sandbox):
    _, _, link = await _linked(vendor, sandbox)
    page = await other_client.get(f"/pay/{link.token}", params={"checkout": "cancelled"})
    assert "Payment cancelled. You have not been charged" in page.text and "Pay $125.00" in page.text


async def test_a_void_invoice_link_says_so_and_takes_no_payment(vendor, other_client, sandbox):
    _, invoice, link = await _linked(vendor, sandbox)
    await Invoice.update({Invoice.status: "void"}).where(Invoice.id == invoice.id)
    page = await other_client.get(f"/pay/{link.token}")
    assert "voided this invoice" in page.text and "Pay $125.00" not in page.text
    refused = await _pay(other_client, link.token)
    assert (
        refused.status_code == 422 and await CheckoutAttempt.count().where(CheckoutAttempt.invoice == invoice.id) == 0
    )


async def test_key_mode_sessions_live_on_the_vendors_own_account(vendor, other_client, sandbox):
    made = (await sandbox.http.post("/_sandbox/keys", data={"business_name": "Own Key Co"})).json()
    await vendor.post("/settings/stripe/key", {"secret_key": made["secret_key"]})
    invoice = await make_invoice(vendor.vendor_id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    session_id = session_id_of((await _pay(other_client, link.token)).headers["location"])
    own = await sandbox.http.get(
        f"/v1/checkout/sessions/{session_id}", headers={"Authorization": f"Bearer {made['secret_key']}"}
    )
    assert own.status_code == 200 and own.json()["amount_total"] == 12_500
    paid = (await sandbox.http.post(f"/_sandbox/checkout/sessions/{session_id}/pay")).json()
    assert paid["payment_intent"]["transfer_data"] is None and paid["payment_intent"]["application_fee_amount"] is None


def _failing(handler) -> StripeClientGateway:
    return StripeClientGateway(
        PLATFORM_KEY, SANDBOX_URL, retries=0, timeout=0.5, transport=httpx.MockTransport(handler)
    )


def _timeout(request):
    raise httpx.ReadTimeout("timed out", request=request)


def _rate_limited(request):
    return httpx.Response(
        429, json={"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}}
    )


def _card_error(request):
    return httpx.Response(
        402, json={"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}
    )


@pytest.mark.parametrize(
    "failure,words,status",
    [
        ("down", "Stripe could not be reached", 503),
        (_timeout, "Stripe could not be reached", 503),
        (_rate_limited, "too many requests", 503),
        (_card_error, "The card was declined: Your card was declined", 422),
    ],
)
async def test_stripe_failures_show_a_clear_error_and_a_retry_is_safe(
    vendor, other_client, sandbox, failure, words, status
):
    _, invoice, link = await _linked(vendor, sandbox)
    working = __import__("app.stripe_gateway", fromlist=["get_gateway"]).get_gateway()
    if failure == "down":
        set_gateway(StripeClientGateway(PLATFORM_KEY, f"http://127.0.0.1:{free_port()}", retries=0, timeout=0.5))
    else:
        set_gateway(_failing(failure))
    response = await _pay(other_client, link.token)
    assert response.status_code == status and words in response.text and "Pay $125.00" in response.text
    after = await Invoice.objects().where(Invoice.id == invoice.id).first()
    assert (after.status, after.amount_paid, after.version) == ("sent", 0, 2)
    set_gateway(working)
    retry = await _pay(other_client, link.token)
    assert retry.status_code == 303
    sessions = await sandbox.api("GET", "/v1/checkout/sessions")
    assert len(sessions["data"]) == 1


async def test_connect_with_stripe_down_shows_an_error_partial(vendor, sandbox):
    set_gateway(StripeClientGateway(PLATFORM_KEY, f"http://127.0.0.1:{free_port()}", retries=0, timeout=0.5))
    response = await vendor.post("/settings/stripe/connect")
    assert response.status_code == 503 and response.headers["hx-retarget"] == "#alerts"
    assert "Stripe could not be reached. Nothing was changed" in response.text


async def test_concurrent_pay_presses_open_one_session(vendor, sandbox):
    import asyncio

    from app.services.payments.checkout import start_checkout

    _, invoice, link = await _linked(vendor, sandbox)
    urls = await asyncio.gather(*(start_checkout(link.token) for _ in range(6)))
    assert len(set(urls)) == 1
    sessions = await sandbox.api("GET", "/v1/checkout/sessions")
    assert len(sessions["data"]) == 1
    assert await CheckoutAttempt.count().where(CheckoutAttempt.invoice == invoice.id) == 1


async def test_voiding_or_marking_paid_closes_the_open_checkout(vendor, other_client, sandbox):
    from datetime import date

    from app.services.invoices.lifecycle import mark_paid, void_invoice

    _, invoice, link = await _linked(vendor, sandbox)
    first = session_id_of((await _pay(other_client, link.token)).headers["location"])
    await void_invoice(vendor.vendor_id, invoice.id, "Issued by mistake")
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{first}"))["status"] == "expired"
    other = await make_invoice(vendor.vendor_id)
    other_link = await create_payment_link(vendor.vendor_id, other.id)
    second = session_id_of((await _pay(other_client, other_link.token)).headers["location"])
    await mark_paid(vendor.vendor_id, other.id, date(2026, 11, 20), "bank_transfer")
    assert (await sandbox.api("GET", f"/v1/checkout/sessions/{second}"))["status"] == "expired"

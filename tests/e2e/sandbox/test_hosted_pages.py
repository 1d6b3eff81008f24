"""A customer pays on the hosted Checkout page; a vendor completes Express onboarding."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import stripe
from playwright.sync_api import Page, expect

from tests.e2e.sandbox.pages import CheckoutPage, OnboardingPage


def create_session(client: stripe.StripeClient, sandbox_url: str, **extra) -> tuple[stripe.checkout.Session, stripe.Account]:  # noqa: ANN003
    """A two-line session created directly on an onboarded Express account."""
    vendor = client.v1.accounts.create(params={"type": "express", "business_profile": {"name": "Maple & Co Bakery"}})
    httpx.post(f"{sandbox_url}/_sandbox/accounts/{vendor.id}/onboard").raise_for_status()
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {"price_data": {"currency": "usd", "unit_amount": 4200, "product_data": {"name": "Wedding cake tasting"}}, "quantity": 1},
                {"price_data": {"currency": "usd", "unit_amount": 350, "product_data": {"name": "Delivery"}}, "quantity": 2},
            ],
            "success_url": f"{sandbox_url}/dashboard?paid={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{sandbox_url}/dashboard?cancelled=1",
            "client_reference_id": "invoice-7",
            **extra,
        },
        options={"stripe_account": vendor.id},
    ), vendor


def test_pay_with_success_card(page: Page, client: stripe.StripeClient, sandbox_url: str, screenshot_dir: Path) -> None:
    session, vendor = create_session(client, sandbox_url, customer_email="jane@example.com")
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    checkout = CheckoutPage(page).open(session.url)
    expect(page.get_by_text("Stripe sandbox — no real money")).to_be_visible()
    expect(page.get_by_test_id("vendor-name")).to_have_text("Maple & Co Bakery")
    expect(page.get_by_text("Wedding cake tasting")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("USD 49.00")
    expect(page.get_by_label("Email")).to_have_value("jane@example.com")
    page.screenshot(path=str(screenshot_dir / "checkout.png"), full_page=True)
    assert failed == []  # nothing on the page fails to load
    assert page.request.get(sandbox_url + page.locator('link[rel="icon"]').get_attribute("href")).ok
    checkout.pay_with("4242 4242 4242 4242")
    expect(page).to_have_url(f"{sandbox_url}/dashboard?paid={session.id}")
    paid = client.v1.checkout.sessions.retrieve(session.id, options={"stripe_account": vendor.id})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)


def test_decline_card_shows_error_then_another_card_pays(
    page: Page, client: stripe.StripeClient, sandbox_url: str, screenshot_dir: Path
) -> None:
    session, vendor = create_session(client, sandbox_url)
    checkout = CheckoutPage(page).open(session.url)
    checkout.pay_with("4000 0000 0000 0002", email="sam@example.com")
    expect(checkout.error).to_have_text("Your card was declined.")
    page.screenshot(path=str(screenshot_dir / "checkout-declined.png"), full_page=True)
    on_vendor = {"stripe_account": vendor.id}
    still_open = client.v1.checkout.sessions.retrieve(session.id, options=on_vendor)
    assert (still_open.status, still_open.payment_status) == ("open", "unpaid")
    intent = client.v1.payment_intents.retrieve(still_open.payment_intent, options=on_vendor)
    assert intent.last_payment_error.decline_code == "generic_decline"
    checkout.pay_with("4000 0000 0000 9995")
    expect(checkout.error).to_have_text("Your card has insufficient funds.")
    checkout.pay_with("4242 4242 4242 4242")
    expect(page).to_have_url(re.compile(r"/dashboard\?paid=cs_test_"))
    assert client.v1.checkout.sessions.retrieve(session.id, options=on_vendor).payment_status == "paid"
    page.goto(session.url)
    expect(page.get_by_role("heading", name="Payment complete")).to_be_visible()


def test_cancel_goes_to_cancel_url(page: Page, client: stripe.StripeClient, sandbox_url: str) -> None:
    session, _ = create_session(client, sandbox_url)
    CheckoutPage(page).open(session.url)
    page.get_by_role("link", name=re.compile("Cancel")).click()
    expect(page).to_have_url(f"{sandbox_url}/dashboard?cancelled=1")


def test_complete_express_onboarding(page: Page, client: stripe.StripeClient, sandbox_url: str, screenshot_dir: Path) -> None:
    account = client.v1.accounts.create(params={"type": "express", "business_profile": {"name": "Fern Florist"}})
    link = client.v1.account_links.create(
        params={
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": f"{sandbox_url}/dashboard?refresh=1",
            "return_url": f"{sandbox_url}/dashboard?onboarded=1",
        }
    )
    onboarding = OnboardingPage(page).open(link.url)
    expect(page.get_by_role("heading", name="Set up payments for Fern Florist")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "onboarding.png"), full_page=True)
    onboarding.complete()
    expect(page).to_have_url(f"{sandbox_url}/dashboard?onboarded=1")
    # As on Stripe: details are in at once, payments turn on after verification (0.3 s with --fast-retries).
    submitted = client.v1.accounts.retrieve(account.id)
    assert submitted.details_submitted is True
    deadline = time.monotonic() + 10
    while not client.v1.accounts.retrieve(account.id).charges_enabled:
        assert time.monotonic() < deadline, "account never turned active"
        time.sleep(0.1)
    done = client.v1.accounts.retrieve(account.id)
    assert (done.details_submitted, done.charges_enabled, done.payouts_enabled) == (True, True, True)
    page.goto(link.url)
    expect(page).to_have_url(f"{sandbox_url}/dashboard?refresh=1")


def test_dashboard_creates_a_key(page: Page, client: stripe.StripeClient, sandbox_url: str) -> None:
    page.goto(f"{sandbox_url}/dashboard")
    page.get_by_label("Business name").fill("Own Key Ltd")
    page.get_by_role("button", name="Create API key").click()
    key = page.get_by_test_id("new-secret-key").inner_text()
    own = stripe.StripeClient(key, base_addresses={"api": sandbox_url}, max_network_retries=0)
    assert own.v1.accounts.retrieve_current().business_profile.name == "Own Key Ltd"

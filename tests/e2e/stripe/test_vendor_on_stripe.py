"""Issue 14 in a browser: onboarding pending then Stripe Connected live, the vendor named on Checkout, a ¥49 invoice
refused with Stripe's minimum, and a vendor who disconnects PayPort on Stripe's side."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import create_payment_link, stripe_badge
from tests.support import ROOT

SHOTS = Path(os.environ.get("PAYPORT_SHOTS", ROOT / "test-results" / "stripe"))


def _shoot(page: Page, name: str) -> None:
    """The settings page at 1280 and 390 px wide, kept for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#stripe").screenshot(path=str(SHOTS / f"settings-stripe-{name}-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


def _onboard_and_watch_it_go_live(page: Page, base: str) -> None:
    page.goto(f"{base}/settings")
    page.get_by_role("button", name="Connect Stripe").click()
    page.get_by_role("button", name="Complete onboarding").click()
    expect(page.get_by_text("Details submitted — Stripe is reviewing them.")).to_be_visible()
    expect(stripe_badge(page)).to_have_text("Pending review")
    _shoot(page, "pending")
    # No reload: the second account.updated reaches the app and the panel swaps itself over SSE.
    expect(stripe_badge(page)).to_have_text("Stripe Connected", timeout=15_000)
    expect(page.get_by_role("button", name="Open Express dashboard")).to_be_visible()
    _shoot(page, "connected")


def test_onboarding_goes_live_and_checkout_names_the_vendor(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Kyoto Ceramics Atelier")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    _onboard_and_watch_it_go_live(page, base)

    url = create_payment_link(page, base, stripe_stack.seed_invoice(account.email))
    shopper = browser.new_context().new_page()
    shopper.goto(url)
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    expect(shopper).to_have_title("Pay Kyoto Ceramics Atelier")
    expect(shopper.get_by_test_id("vendor-name")).to_have_text("Kyoto Ceramics Atelier")
    expect(shopper.get_by_role("link", name="Cancel and return to Kyoto Ceramics Atelier")).to_be_visible()
    expect(shopper.get_by_text("PayPort")).to_have_count(0)
    shopper.context.close()


def test_a_yen_49_invoice_gets_the_minimum_before_any_stripe_call(page: Page, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Matcha House")
    sign_up(page, base, account)
    _onboard_and_watch_it_go_live(page, base)
    sessions_before = len(stripe_stack.sandbox("GET", "/v1/checkout/sessions?limit=100")["data"])
    invoice_id = stripe_stack.seed_invoice(account.email, "JPY", 49)
    page.goto(f"{base}/invoices/{invoice_id}")
    panel = page.locator(f"#invoice-{invoice_id}-payment-link")
    expect(panel).to_contain_text("Stripe's minimum charge is ¥50; ¥49 is below it")
    expect(panel.get_by_role("button", name="Create Payment Link")).to_be_disabled()
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Not Created")
    assert len(stripe_stack.sandbox("GET", "/v1/checkout/sessions?limit=100")["data"]) == sessions_before


def test_disconnected_on_stripes_side_says_payments_are_off(page: Page, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Harbour Bikes")
    sign_up(page, base, account)
    _onboard_and_watch_it_go_live(page, base)
    account_id = page.locator(".stripe-facts code").first.inner_text()
    stripe_stack.sandbox("POST", f"/_sandbox/accounts/{account_id}/deauthorize", {})
    expect(stripe_badge(page)).to_have_text("Disconnected on Stripe", timeout=15_000)
    expect(page.get_by_role("alert")).to_contain_text("Card payments are off")
    expect(page.get_by_role("button", name="Connect Stripe again")).to_be_visible()
    _shoot(page, "deauthorized")

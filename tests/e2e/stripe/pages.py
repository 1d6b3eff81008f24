"""Page objects for Stripe: settings, the payment link panel, the customer page, the sandbox's hosted pages."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def stripe_badge(page: Page):
    """The status badge of Settings > Stripe."""
    return page.locator(".stripe-connection .card-head .badge")


def connect_stripe(page: Page, base_url: str) -> None:
    """Settings > Stripe > Connect Stripe, complete the sandbox onboarding, wait until Stripe Connected (live)."""
    page.goto(f"{base_url}/settings")
    page.get_by_role("button", name="Connect Stripe").click()
    page.get_by_role("button", name="Complete onboarding").click()
    # Stripe verifies for a moment (the sandbox's --onboarding-delay) and then sends account.updated.
    expect(stripe_badge(page)).to_have_text("Stripe Connected", timeout=15_000)


def create_payment_link(page: Page, base_url: str, invoice_id: int) -> str:
    """On a draft's details page: Create Payment Link, confirm, then Copy Link URL; returns the copied URL."""
    page.goto(f"{base_url}/invoices/{invoice_id}")
    panel = page.locator(f"#invoice-{invoice_id}-payment-link")
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Not Created")
    panel.get_by_role("button", name="Create Payment Link").click()
    confirm = page.get_by_role("dialog", name="Create a payment link for this draft?")
    expect(confirm).to_contain_text("is marked Sent, and its amounts are locked")
    confirm.get_by_role("button", name="Number, send and create link").click()
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Pending Payment")
    panel.get_by_role("button", name="Copy Link URL").click()
    expect(panel.get_by_role("status")).to_have_text("Link copied to clipboard")
    return panel.get_by_label("Link for your customer").input_value()


def pay_by_card(page: Page, card: str) -> None:
    """On the sandbox's hosted Checkout page: enter a card and pay."""
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiration date").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Pay").click()

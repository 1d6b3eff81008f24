"""Real deliveries from the sandbox, every event sent twice and shuffled: one payment, then the refund."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link


def test_duplicated_and_shuffled_deliveries_give_one_payment_and_the_refund(
    page: Page, browser: Browser, stripe_stack: StripeStack
):
    base = stripe_stack.app.url
    account = new_account("Quill and Co")
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, invoice_id)
    stripe_stack.sandbox("POST", "/_sandbox/webhooks/switches", {"duplicate": "true", "shuffle_window": "0.4"})
    try:
        customer = browser.new_context()
        shopper = customer.new_page()
        shopper.goto(url)
        shopper.get_by_role("button", name="Pay $1,250.00").click()
        expect(shopper.get_by_role("button", name="Pay")).to_be_visible()
        session_id = shopper.url.rstrip("/").rsplit("/", 1)[-1]
        customer.close()
        stripe_stack.sandbox("POST", f"/_sandbox/checkout/sessions/{session_id}/decline", {})
        paid = stripe_stack.sandbox("POST", f"/_sandbox/checkout/sessions/{session_id}/pay", {})
        stripe_stack.sandbox("POST", "/v1/refunds", {"payment_intent": paid["payment_intent"]["id"], "amount": "25000"})
        stripe_stack.wait_for_webhooks()
    finally:
        stripe_stack.sandbox("POST", "/_sandbox/webhooks/switches", {"duplicate": "false", "shuffle_window": "0"})
    page.goto(f"{base}/invoices/{invoice_id}")
    expect(page.locator(f"#invoice-{invoice_id}-header")).to_contain_text("Partially refunded")
    activity = page.locator(f"#invoice-{invoice_id}-activity")
    expect(activity.get_by_text("Payment of $1,250.00 received by card")).to_have_count(1)
    expect(activity.get_by_text("Payment attempt failed: card declined")).to_have_count(1)
    # One refund, counted once however often and in whatever order Stripe told of it.
    expect(activity.get_by_text(re.compile(r"^Refund of \$250\.00 through Stripe"))).to_have_count(1)
    expect(page.locator(f"#invoice-{invoice_id}-payment-link").get_by_test_id("payment-link-status")).to_have_text(
        "Paid"
    )

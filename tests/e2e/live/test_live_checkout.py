"""A customer pays in the sandbox's hosted Checkout: both of the vendor's open browsers flip to Paid, no reload."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.live.pages import live_status, record_stream
from tests.e2e.pages import log_in, new_account, sign_up
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def test_checkout_payment_flips_the_badge_to_paid_in_both_browsers(browser: Browser, stripe_stack):
    base = stripe_stack.app.url
    account = new_account("Lumen Studio")
    first_context = browser.new_context()
    first_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    first = first_context.new_page()
    sign_up(first, base, account)
    connect_stripe(first, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    link = create_payment_link(first, base, invoice_id)

    second_context = browser.new_context()
    second = second_context.new_page()
    second_log = record_stream(second_context, second)
    log_in(second, base, account)
    second.goto(f"{base}/invoices/{invoice_id}")
    badges = [page.locator(f"#invoice-{invoice_id}-payment-link").get_by_test_id("payment-link-status")
              for page in (first, second)]
    for page, badge in zip((first, second), badges):
        expect(live_status(page)).to_have_text("Live")
        expect(badge).to_have_text("Pending Payment")

    shopper = browser.new_context().new_page()
    shopper.goto(link)
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()

    # Stripe's webhook reaches the app, which announces the change: both open pages follow on their own.
    for badge in badges:
        expect(badge).to_have_text("Paid", timeout=15_000)
    expect(second.locator(f"#invoice-{invoice_id}-status")).to_have_text("Paid")
    assert f"invoice-changed-{invoice_id}" in second_log.names()

"""Issue 16 end to end: the customer saves a card while paying the first invoice; a recurring profile set to
autopay makes the next period's invoice, charges the card off-session, and the vendor's open list shows it Paid
without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def test_the_next_period_is_charged_off_session_and_turns_paid_live(
    page: Page, browser: Browser, stripe_stack: StripeStack
):
    base = stripe_stack.app.url
    account = new_account("Tide Studio")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    first_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, first_id)

    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_label(re.compile("Save my card for automatic payments")).check()
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_test_id("pay-card-on-file")).to_have_text("Card on file: Visa ending 4242, expires 12/34")
    customer.close()
    stripe_stack.wait_for_webhooks()

    # The vendor makes the invoice recurring, each period charged to the saved card.
    page.goto(f"{base}/invoices/{first_id}")
    page.get_by_role("link", name="Make recurring").click()
    page.get_by_label("Profile name").fill("Monthly retainer")
    page.get_by_label("What happens").select_option(label="Charge the saved card (autopay)")
    page.get_by_role("button", name="Create profile").click()
    expect(page.get_by_role("heading", name=re.compile("Monthly retainer"))).to_be_visible()
    profile_url = page.url

    # A second tab watches Billing Invoices; the period's invoice arrives there already Paid, over the live channel.
    watcher = page.context.new_page()
    watcher.goto(f"{base}/invoices")
    expect(watcher.locator("#invoices-table tbody tr")).to_have_count(1)

    page.goto(profile_url)
    page.get_by_role("button", name="Run now").click()
    made = page.get_by_role("region", name="Invoices made by this profile").get_by_role("row")
    expect(made).to_have_count(2)
    expect(made.nth(1)).to_contain_text("Paid")
    stripe_stack.wait_for_webhooks()
    rows = watcher.locator("#invoices-table tbody tr")
    expect(rows).to_have_count(2, timeout=10_000)
    expect(rows.filter(has_text="Paid")).to_have_count(2)  # the first, paid by hand on Checkout; the new one by autopay

    made.nth(1).get_by_role("link").click()
    expect(page.get_by_text(re.compile(r"Card on file charged automatically: Visa ending 4242")).first).to_be_visible()

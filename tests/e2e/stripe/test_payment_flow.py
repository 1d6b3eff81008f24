"""The whole flow against the sandbox: onboarding, a link, a decline, a payment, Paid everywhere."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def test_vendor_connects_shares_a_link_and_the_customer_pays(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Lumen Studio")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, invoice_id)
    assert re.fullmatch(rf"{re.escape(base)}/pay/[A-Za-z0-9_-]{{32,}}", url)
    assert page.evaluate("navigator.clipboard.readText()") == url

    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    expect(shopper.get_by_text("Lumen Studio").first).to_be_visible()
    expect(shopper.get_by_role("cell", name="Logo design, three concepts")).to_be_visible()
    shopper.get_by_role("button", name="Pay $1,250.00").click()

    pay_by_card(shopper, "4000 0000 0000 0002")
    expect(shopper.get_by_role("alert")).to_contain_text("declined")
    stripe_stack.wait_for_webhooks()
    page.reload()
    expect(page.get_by_text("Payment attempt failed: card declined")).to_be_visible()
    expect(page.locator(f"#invoice-{invoice_id}-payment-link").get_by_test_id("payment-link-status")).to_have_text(
        "Pending Payment"
    )

    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    expect(shopper.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    customer.close()

    stripe_stack.wait_for_webhooks()
    page.reload()
    panel = page.locator(f"#invoice-{invoice_id}-payment-link")
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Paid")
    expect(panel.get_by_text("Platform fee", exact=True)).to_be_visible()
    expect(panel.get_by_text("$31.55")).to_be_visible()  # 2.5% of $1,250.00 + $0.30
    page.goto(f"{base}/invoices")
    row = page.get_by_role("row").filter(has_text="Northwind Traders")
    expect(row.get_by_text("Paid", exact=True)).to_be_visible()

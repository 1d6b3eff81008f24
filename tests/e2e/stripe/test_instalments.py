"""A two-instalment invoice: the deposit and then the balance are paid online through the sandbox's Checkout; the
vendor's open details page shows each instalment paid, live, without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import RESULTS
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def _shoot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(RESULTS / f"instalments-{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # fits, no sideways scroll
    page.set_viewport_size({"width": 1280, "height": 900})


def _pay(browser: Browser, url: str, button: str, after: re.Pattern) -> None:
    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_role("button", name=button).click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(after)).to_be_visible()
    customer.close()


def test_a_deposit_then_the_balance_paid_online_live(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Fjord Carpentry")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)  # $1,250.00, due in 14 days
    url = create_payment_link(page, base, invoice_id)

    schedule = page.locator(f"#invoice-{invoice_id}-schedule")
    schedule.get_by_role("button", name="Split into instalments").click()
    schedule.get_by_label("Deposit now (%)").fill("40")
    schedule.get_by_role("button", name="Deposit").click()
    expect(schedule.get_by_label("Instalment 2 amount")).to_have_value("60")
    schedule.get_by_label("Instalment 2 amount").fill("70")  # 110%: refused in place, nothing saved
    schedule.get_by_role("button", name="Save schedule").click()
    expect(schedule.get_by_role("alert")).to_contain_text("they must add up to the invoice total, $1,250.00")
    _shoot(page, "form-error")
    schedule.get_by_label("Instalment 2 amount").fill("60")
    _shoot(page, "form")
    schedule.get_by_role("button", name="Save schedule").click()
    first, second = schedule.get_by_test_id("instalment-1-status"), schedule.get_by_test_id("instalment-2-status")
    expect(first).to_have_text("Due")
    expect(schedule.get_by_text("$500.00").first).to_be_visible()
    expect(schedule.get_by_text("$750.00").first).to_be_visible()
    panel = page.locator(f"#invoice-{invoice_id}-payment-link")
    expect(panel.get_by_test_id("charged-now")).to_contain_text("Pay charges the customer $500.00 now, the next instalment")
    _shoot(page, "details")

    _pay(browser, url, "Pay $500.00", re.compile(r"\$500\.00 of \$1,250\.00 paid so far"))
    stripe_stack.wait_for_webhooks()
    status = page.locator(f"#invoice-{invoice_id}-status")
    expect(first).to_have_text("Paid", timeout=10_000)  # no reload: invoice-changed refreshed the schedule
    expect(second).to_have_text("Due")
    expect(status).to_have_text("Partially paid")
    expect(panel.get_by_test_id("charged-now")).to_contain_text("Pay charges the customer $750.00 now")
    _shoot(page, "details-deposit-paid")

    _pay(browser, url, "Pay $750.00", re.compile(r"Paid \$1,250\.00 on"))
    stripe_stack.wait_for_webhooks()
    expect(second).to_have_text("Paid", timeout=10_000)
    expect(status).to_have_text("Paid")
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Paid")

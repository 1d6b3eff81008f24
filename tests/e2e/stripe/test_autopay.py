"""Issue 16: the customer saves a card, the vendor charges the next invoice off-session; declines and 3-D Secure."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import Browser, Page, expect

from tests.e2e.mail.pages import Outbox
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card
from tests.support import ROOT


def _next_invoice(stack: StripeStack, email: str, number: str, total: int = 4_200) -> int:
    out = subprocess.run([sys.executable, "-m", "tests.e2e.stripe.autopay_seed", email, number, str(total)],
                         env=stack.app.env, cwd=ROOT, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def _first_invoice_link(page: Page, stack: StripeStack, business: str) -> tuple[str, str]:
    base = stack.app.url
    account = new_account(business)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stack.seed_invoice(account.email)
    return account.email, create_payment_link(page, base, invoice_id)


def _save_card_on_pay_page(shopper: Page, url: str, card: str) -> None:
    """"Save a card for automatic payments": Stripe's hosted page in setup mode, then back."""
    shopper.goto(url)
    shopper.get_by_role("button", name="Save a card for automatic payments").click()
    shopper.get_by_label("Card number").fill(card)
    shopper.get_by_label("Expiration date").fill("12 / 34")
    shopper.get_by_label("CVC").fill("123")
    shopper.get_by_role("button", name=re.compile("Save")).click()
    expect(shopper.get_by_text("Your card is saved for automatic payments.")).to_be_visible()


def _charge(page: Page, base: str, invoice_id: int, card_text: str):
    page.goto(f"{base}/invoices/{invoice_id}")
    panel = page.locator(f"#invoice-{invoice_id}-autopay")
    expect(panel.get_by_test_id("card-on-file")).to_have_text(f"Card on file: {card_text}")
    panel.get_by_role("button", name="Charge card on file").click()
    return panel


def test_card_saved_while_paying_pays_the_next_invoice_live(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    email, url = _first_invoice_link(page, stripe_stack, "Orbit Labs")
    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_label(re.compile("Save my card for automatic payments")).check()
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    expect(shopper.get_by_test_id("pay-card-on-file")).to_have_text("Card on file: Visa ending 4242, expires 12/34")
    customer.close()

    invoice_id = _next_invoice(stripe_stack, email, "INV-AUTO-0002")
    panel = _charge(page, base, invoice_id, "Visa ending 4242, expires 12/34")
    # The answer says what happened; the live refresh that follows keeps the attempt in the list.
    expect(panel.get_by_role("list", name="Automatic payment attempts")).to_contain_text("Paid")
    # The status badge in the header turns Paid over the live channel, without a reload.
    expect(page.locator(f"#invoice-{invoice_id}-status")).to_have_text("Paid")


def test_declined_card_stays_open_and_the_emailed_link_pays_with_a_new_card(
    page: Page, browser: Browser, stripe_stack: StripeStack
):
    base = stripe_stack.app.url
    email, url = _first_invoice_link(page, stripe_stack, "Quill Works")
    customer = browser.new_context()
    shopper = customer.new_page()
    _save_card_on_pay_page(shopper, url, "4000 0000 0000 0341")  # saves fine, declines every charge

    invoice_id = _next_invoice(stripe_stack, email, "INV-AUTO-0102")
    panel = _charge(page, base, invoice_id, "Visa ending 0341, expires 12/34")
    expect(panel).to_contain_text(re.compile("card declined", re.I))
    expect(page.locator(f"#invoice-{invoice_id}-status")).not_to_have_text("Paid")

    outbox = Outbox(page, base)
    outbox.open()
    outbox.open_message("Your automatic payment for Invoice INV-AUTO-0102 did not go through", timeout=20_000)
    link = page.frame_locator("iframe.mail-frame").get_by_role("link", name="Pay or update card").get_attribute("href")
    assert re.fullmatch(rf"{re.escape(base)}/pay/[A-Za-z0-9_-]{{32,}}", link)

    shopper.goto(link)
    expect(shopper.get_by_test_id("autopay-declined")).to_contain_text("card declined")
    shopper.get_by_role("button", name="Pay $42.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$42\.00 on"))).to_be_visible()
    customer.close()
    page.goto(f"{base}/invoices/{invoice_id}")
    expect(page.locator(f"#invoice-{invoice_id}-status")).to_have_text("Paid")


def test_authentication_required_sends_the_customer_to_confirm(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    email, url = _first_invoice_link(page, stripe_stack, "Helix Audio")
    customer = browser.new_context()
    shopper = customer.new_page()
    _save_card_on_pay_page(shopper, url, "4000 0027 6000 3184")

    invoice_id = _next_invoice(stripe_stack, email, "INV-AUTO-0202")
    panel = _charge(page, base, invoice_id, "Visa ending 3184, expires 12/34")
    expect(panel).to_contain_text("authentication required")

    outbox = Outbox(page, base)
    outbox.open()
    outbox.open_message("Please confirm your payment for Invoice INV-AUTO-0202", timeout=20_000)
    link = page.frame_locator("iframe.mail-frame").get_by_role("link", name="Confirm payment").get_attribute("href")
    shopper.goto(link)
    expect(shopper.get_by_test_id("autopay-confirm")).to_contain_text("Your bank asks you to confirm this payment")
    shopper.get_by_role("button", name="Pay $42.00").click()
    pay_by_card(shopper, "4000 0027 6000 3184")
    expect(shopper.get_by_text(re.compile(r"Paid \$42\.00 on"))).to_be_visible()
    customer.close()

"""Send with Stripe, the customer pays through the emailed link, and both receipts arrive in /outbox."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.mail.pages import Outbox, SendDialog
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, pay_by_card


def test_send_with_stripe_then_the_customer_pays_and_gets_a_receipt(page: Page, browser: Browser,
                                                                     stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Lumen Studio")
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)

    dialog = SendDialog(page)
    dialog.open(base, invoice_id)
    dialog.choose_method("Stripe")
    expect(dialog.dialog.get_by_role("textbox", name="Message")).to_contain_text("pay online by card")
    dialog.send()
    panel = dialog.email_panel(invoice_id)
    expect(panel.get_by_text("Delivered")).to_be_visible()
    expect(page.locator(f"#invoice-{invoice_id}-payment-link")).to_contain_text("Pending Payment")

    outbox = Outbox(page, base)
    outbox.open()
    outbox.open_message("Invoice INV-2026-0001 from Lumen Studio ($1,250.00)")
    pay_link = page.frame_locator("iframe.mail-frame").get_by_role("link", name="Pay online")
    url = pay_link.get_attribute("href")
    assert re.fullmatch(rf"{re.escape(base)}/pay/[A-Za-z0-9_-]{{32,}}", url)

    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    customer.close()
    stripe_stack.wait_for_webhooks()

    outbox.open()
    # The worker queues the receipt on its next pass; the list refreshes itself (SSE, else every 10 s).
    outbox.open_message("Receipt for invoice INV-2026-0001 from Lumen Studio", timeout=20_000)
    expect(page.locator('.mail-headers dt:text-is("To") + dd')).to_have_text("ap@northwind.example")
    expect(page.frame_locator("iframe.mail-frame").get_by_text("Thank you for your payment of $1,250.00")).to_be_visible()
    outbox.open()
    outbox.open_message("Paid: Invoice INV-2026-0001 by Northwind Traders ($1,250.00)")
    expect(page.locator('.mail-headers dt:text-is("To") + dd')).to_have_text(account.email)

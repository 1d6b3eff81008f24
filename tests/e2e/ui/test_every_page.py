"""Every page and dialog, as vendor and as customer: fits 360 and 390 px without sideways scroll, axe-core finds
nothing critical or serious; screenshots at 1280 and 390 px land in test-results/pages (or $PAYPORT_SHOTS)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, pay_by_card
from tests.e2e.ui.checks import PageStates, seed


def _open_dialog(page: Page, button: str, name: str):
    page.get_by_role("button", name=button, exact=True).first.click()
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    return dialog


def _vendor_pages(page: Page, base: str, states: PageStates, ids: dict) -> dict[str, str]:
    page.goto(f"{base}/customers")
    states.check("customers")
    page.get_by_role("button", name="New customer").click()
    expect(page.get_by_label("Name")).to_be_visible()
    states.check("customers-new-form")
    page.goto(f"{base}/customers/{ids['customer']}")
    states.check("customer")

    page.goto(f"{base}/invoices/{ids['draft_link']}")
    panel = page.locator(f"#invoice-{ids['draft_link']}-payment-link")
    expect(panel).to_contain_text("Not Created")
    states.check("invoice-draft")
    confirm = _open_dialog(page, "Create Payment Link", "Create a payment link for this draft?")
    states.check("payment-link-confirm")
    confirm.get_by_role("button", name="Number, send and create link").click()
    expect(panel).to_contain_text("Pending Payment")
    states.check("invoice-sent-with-link")
    links = {"open": panel.get_by_label("Link for your customer").input_value()}

    page.goto(f"{base}/invoices/{ids['draft_paid']}")
    dialog = _open_dialog(page, "Send", "Send invoice")
    states.check("send-dialog")
    dialog.get_by_label("Manual").check()
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".invoice-head h1 .badge")).to_have_text("Sent")
    dialog = _open_dialog(page, "Record payment", "Record payment")
    states.check("mark-paid-dialog")
    dialog.get_by_role("button", name="Record payment").click()
    expect(page.locator(".invoice-head h1 .badge")).to_have_text("Paid")
    states.check("invoice-paid")

    page.goto(f"{base}/invoices/{ids['draft_void']}")
    dialog = _open_dialog(page, "Void", "Void this draft")
    states.check("void-dialog")
    dialog.get_by_label("Reason").fill("Issued in error")
    dialog.get_by_role("button", name="Void invoice").click()
    expect(page.locator(".invoice-head h1 .badge")).to_have_text("Void")
    states.check("invoice-void")

    page.goto(f"{base}/invoices/{ids['overdue']}")
    expect(page.locator(".invoice-head h1 .badge")).to_have_text("Overdue")
    panel = page.locator(f"#invoice-{ids['overdue']}-payment-link")
    panel.get_by_role("button", name="Create Payment Link").click()  # already sent: nothing to confirm
    expect(panel).to_contain_text("Pending Payment")
    states.check("invoice-overdue")
    links["overdue"] = panel.get_by_label("Link for your customer").input_value()
    page.get_by_role("button", name="New credit note").click()
    expect(page.get_by_role("dialog")).to_contain_text("New credit note")
    states.check("credit-note-form")
    page.keyboard.press("Escape")

    for name, path in (("invoices", "/invoices"), ("editor-new", "/invoices/new"),
                       ("editor-duplicate", f"/invoices/new?duplicate={ids['draft_paid']}"),
                       ("editor-edit-locked", f"/invoices/{ids['overdue']}/edit"),
                       ("templates", "/invoices/templates"), ("credit-notes", "/invoices/credit-notes"), ("outbox", "/outbox"), ("settings", "/settings"),
                       ("account-security", "/account/security"), ("two-factor-setup", "/account/two-factor"),
                       ("account-mailbox", "/outbox/accounts"),
                       ("reports-tax", "/reports?kind=year&year=2026"),
                       ("reports-tax-cash", "/reports?kind=quarter&quarter=4&year=2026&basis=cash"),
                       ("reports-tax-errors", "/reports?kind=month&month=13&year=20x6"),
                       ("reports-ageing", "/reports/ageing"),
                       ("reports-revenue", "/reports/revenue?kind=year&year=2026"),
                       ("members", "/settings/members"), ("audit", "/settings/audit"),
                       ("close-account", "/settings/close"),
                       ("dashboard", "/")):
        page.goto(f"{base}{path}")
        states.check(name)
    page.goto(f"{base}/outbox")
    page.locator(".outbox-subject a").first.click()
    expect(page).to_have_url(re.compile(r"/outbox/\d+$"))
    states.check("outbox-message")
    return links


def test_every_page_fits_a_phone_and_passes_axe(checked_page: Page, browser: Browser, stripe_stack: StripeStack):
    page, base = checked_page, stripe_stack.app.url
    states = PageStates(page)
    page.goto(f"{base}/login")
    states.check("login")
    page.goto(f"{base}/signup")
    states.check("signup")
    for name, path in (("forgot-password", "/forgot-password"), ("signup-check-email", "/signup/check-email")):
        page.goto(f"{base}{path}")
        states.check(name)
    account = new_account("Northwind Studio")
    sign_up(page, base, account)
    states.check("dashboard-first-steps")
    connect_stripe(page, base)
    links = _vendor_pages(page, base, states, seed(stripe_stack.app.env, account.email))

    shopper = browser.new_context(bypass_csp=True).new_page()
    customer = PageStates(shopper)
    shopper.goto(links["overdue"])
    expect(shopper.locator(".pay-status")).to_have_text("Overdue")
    customer.check("pay-overdue")
    shopper.goto(links["open"])
    customer.check("pay-open")
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.locator(".pay-status")).to_have_text("Paid")
    customer.check("pay-paid")
    shopper.context.close()

    problems = states.problems + customer.problems
    assert len(states.seen) + len(customer.seen) >= 27
    assert not problems, "\n".join(problems)

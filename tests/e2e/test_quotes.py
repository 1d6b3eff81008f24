"""A quote from send to paid deposit: the vendor sends it, the customer opens it from the email in /outbox (the
vendor's list shows Viewed live), accepts it with a typed name, the vendor converts it with a 30% deposit, and
the customer pays the deposit on the sandbox Checkout from the invoice email's link; the vendor sees the payment."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.invoices.pages import add_customer
from tests.e2e.mail.pages import Outbox, SendDialog
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack, stripe_stack  # noqa: F401  (fixture)
from tests.e2e.stripe.pages import connect_stripe, pay_by_card
from tests.e2e.ui.checks import PageStates
from tests.support import ROOT

SHOTS = Path(os.environ.get("PAYPORT_SHOTS") or ROOT / "test-results" / "quotes")


PROBLEMS: list[str] = []


def _shoot(page: Page, name: str) -> None:
    """Fits 1280, 390 and 360 px without sideways scroll, axe-core finds nothing serious; screenshots kept."""
    states = PageStates(page)
    states.check(f"quotes17-{name}", shots=False)
    PROBLEMS.extend(states.problems)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"quotes17-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _email_link(page: Page, base: str, subject: str, link: str) -> str:
    outbox = Outbox(page, base)
    outbox.open()
    outbox.open_message(subject, timeout=15_000)
    return page.frame_locator("iframe.mail-frame").get_by_role("link", name=link).get_attribute("href")


def test_quote_sent_viewed_accepted_converted_deposit_paid_and_portal_statement(browser: Browser, stripe_stack: StripeStack):
    PROBLEMS.clear()
    # Contexts that let axe-core be injected under the app's CSP (as tests/e2e/ui does).
    vendor = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = vendor.new_page()
    base = stripe_stack.app.url
    account = new_account("Harbor Joinery")
    sign_up(page, base, account)
    connect_stripe(page, base)
    add_customer(page, base, "Northwind Traders", "ap@northwind.example")

    # The vendor writes the quote: two lines, one taxed, valid 30 days.
    page.goto(f"{base}/invoices")
    page.get_by_role("navigation", name="Invoice sections").get_by_role("link", name="Quotes").click()
    expect(page.get_by_role("heading", name="No quotes yet")).to_be_visible()
    page.get_by_role("link", name="New quote").click()
    page.get_by_label("Customer").select_option(label="Northwind Traders")
    rows = page.locator("#invoice-lines tr")
    rows.nth(0).get_by_label("Description").fill("Oak staircase, built and fitted")
    rows.nth(0).get_by_label("Unit price").fill("2000")
    page.get_by_role("button", name="+ Add line").click()
    rows.nth(1).get_by_label("Description").fill("Finishing oil")
    rows.nth(1).get_by_label("Quantity").fill("2")
    rows.nth(1).get_by_label("Unit price").fill("250")
    rows.nth(1).get_by_label("Tax %").fill("10")
    expect(page.get_by_test_id("editor-total")).to_have_text("$2,550.00")
    _shoot(page, "editor")
    page.get_by_role("button", name="Save as Draft").click()
    status = page.locator(".invoice-head h1 .badge")
    expect(status).to_have_text("Draft")

    # Send by email with its link.
    send = page.locator("section[id$='-send']")
    expect(send.get_by_label("To")).to_have_value("ap@northwind.example")
    send.get_by_role("button", name="Send quote").click()
    expect(status).to_have_text("Sent")
    expect(page.get_by_role("heading", name=re.compile("QUO-2026-0001"))).to_be_visible()
    _shoot(page, "details-sent")

    url = _email_link(page, base, "Quote QUO-2026-0001 from Harbor Joinery", "View quote QUO-2026-0001")
    assert re.fullmatch(rf"{re.escape(base)}/quote/[A-Za-z0-9_-]{{32,}}", url), url

    # The vendor's own preview says so and is no view.
    page.goto(f"{base}/quotes")
    page.get_by_role("link", name=re.compile("Details of QUO-2026-0001")).click()
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Preview").click()
    preview = popup.value
    expect(preview.get_by_text("This is how your customer sees the quote")).to_be_visible()
    _shoot(preview, "preview")
    preview.close()
    page.goto(f"{base}/quotes")
    row = page.locator("tr", has_text="QUO-2026-0001")
    expect(row.locator(".badge")).to_have_text("Sent")
    _shoot(page, "list")

    # The customer opens the link: the vendor's open list turns Viewed by itself.
    customer = browser.new_context(bypass_csp=True, accept_downloads=True, viewport={"width": 1280, "height": 900})
    shopper = customer.new_page()
    shopper.goto(url)
    expect(shopper.get_by_role("heading", name="Quote QUO-2026-0001")).to_be_visible()
    expect(row.locator(".badge")).to_have_text("Viewed", timeout=10_000)
    _shoot(shopper, "customer-page")
    shopper.get_by_role("button", name="Accept quote").click()
    expect(shopper.get_by_text("Type your full name to accept.").last).to_be_visible()
    shopper.get_by_label("Type your full name to accept").fill("Ada Northwind")
    shopper.get_by_role("button", name="Accept quote").click()
    expect(shopper.get_by_text(re.compile(r"Accepted by Ada Northwind on"))).to_be_visible()
    _shoot(shopper, "customer-accepted")
    expect(row.locator(".badge")).to_have_text("Accepted", timeout=10_000)

    # Convert with a 30% deposit.
    row.get_by_role("link", name=re.compile("Details of QUO-2026-0001")).click()
    expect(page.get_by_text(re.compile(r"Accepted by Ada Northwind on .* from"))).to_be_visible()
    page.get_by_label("Deposit %").fill("30")
    _shoot(page, "details-accepted")
    page.get_by_role("button", name="Convert to invoice").click()
    expect(page.get_by_role("link", name="From quote QUO-2026-0001")).to_be_visible()
    schedule = page.locator("[id$='-schedule']").first
    expect(schedule.get_by_text("$765.00").first).to_be_visible()
    expect(schedule.get_by_text("$1,785.00").first).to_be_visible()
    invoice_path = page.url.split(base)[1]
    invoice_id = int(invoice_path.rstrip("/").split("/")[-1])

    # The invoice goes out with Stripe; the customer pays the deposit from that email's link.
    dialog = SendDialog(page)
    dialog.open(base, invoice_id)
    dialog.choose_method("Stripe")
    dialog.send()
    pay_url = _email_link(page, base, "Invoice INV-2026-0001 from Harbor Joinery ($765.00)", "Pay online")
    page.goto(f"{base}/invoices/{invoice_id}")
    shopper.goto(pay_url)
    shopper.get_by_role("button", name="Pay $765.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"\$765\.00 of \$2,550\.00 paid so far"))).to_be_visible()
    stripe_stack.wait_for_webhooks()
    expect(page.locator(f"#invoice-{invoice_id}-status")).to_have_text("Partially paid", timeout=10_000)
    shown_due = page.locator(".head-due").inner_text()  # "amount due $1,785.00": what PayPort says is owed

    # From the pay page the customer asks for the portal, signs in from the email, and takes a statement.
    shopper.goto(pay_url)
    shopper.get_by_role("link", name="View all your invoices").click()
    shopper.get_by_label("Your email").fill("ap@northwind.example")
    shopper.get_by_role("button", name="Email me a sign-in link").click()
    expect(shopper.get_by_role("heading", name="Check your email")).to_be_visible()
    outbox = Outbox(page, base)
    outbox.open()
    outbox.open_message("Your sign-in link for Harbor Joinery", timeout=15_000)
    sign_in = next(w for w in page.locator("pre.mail-text").inner_text().split() if "/portal/sign-in/" in w)
    shopper.goto(sign_in)
    shopper.get_by_role("button", name="Open my portal").click()
    expect(shopper.locator("#portal-invoices")).to_contain_text("INV-2026-0001")
    expect(shopper.locator("#portal-quotes")).to_contain_text("QUO-2026-0001")
    expect(shopper.get_by_test_id("balance-USD")).to_have_text("$1,785.00")
    shopper.get_by_role("navigation", name="Portal").get_by_role("link", name="Statement").click()
    closing = shopper.get_by_test_id("statement-closing")
    expect(closing).to_have_text("$1,785.00")
    assert closing.inner_text() in shown_due, (closing.inner_text(), shown_due)
    with shopper.expect_download() as download:
        shopper.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(open(download.value.path(), encoding="utf-8")))
    assert rows[-1][1] == "Closing balance" and rows[-1][5] == "1785.00", rows[-1]
    customer.close()

    page.goto(f"{base}/quotes")
    row = page.locator("tr", has_text="QUO-2026-0001")
    expect(row.locator(".badge")).to_have_text("Converted")
    vendor.close()
    assert not PROBLEMS, "\n".join(PROBLEMS)

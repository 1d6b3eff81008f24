"""Money after the first payment, in the browser: a part paid by hand then the balance online (the vendor's open
page updating live), and a partial refund from PayPort of a Connect payment with the platform fee refunded."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import RESULTS
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def _shoot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(RESULTS / f"money-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _pay_online(browser: Browser, url: str, button: str) -> None:
    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_role("button", name=button).click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    customer.close()


def test_a_part_paid_by_hand_then_the_balance_online(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Harbor Joinery")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, invoice_id)

    page.get_by_role("button", name="Record payment").click()
    page.get_by_role("dialog").get_by_label("Amount (USD)", exact=True).fill("500.00")
    page.get_by_role("dialog").get_by_label("Reference").fill("WIRE-2211")
    page.get_by_role("button", name="Record payment").last.click()
    status = page.locator(f"#invoice-{invoice_id}-status")
    expect(status).to_have_text("Partially paid")
    expect(page.locator(f"#invoice-{invoice_id}-document").get_by_text("$750.00")).to_be_visible()
    panel = page.locator(f"#invoice-{invoice_id}-payment-link")
    expect(panel.get_by_test_id("charged-now")).to_contain_text("Pay charges the customer $750.00 now")
    expect(page.locator(f"#invoice-{invoice_id}-payments").get_by_text("WIRE-2211")).to_be_visible()
    _shoot(page, "details-partly-paid")

    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    expect(shopper.get_by_text("$500.00 of $1,250.00 paid so far")).to_be_visible()
    shopper.get_by_role("button", name="Pay $750.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    _shoot(shopper, "pay-page-paid")
    customer.close()

    stripe_stack.wait_for_webhooks()
    # No reload: the open details page hears invoice-changed and refreshes its parts.
    expect(status).to_have_text("Paid", timeout=10_000)
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Paid")
    payments = page.locator(f"#invoice-{invoice_id}-payments")
    expect(payments.get_by_text("Card (Stripe)")).to_be_visible()
    expect(payments.get_by_text("$750.00").first).to_be_visible()


def _usd(minor: int) -> str:
    return f"-${-minor / 100:,.2f}" if minor < 0 else f"${minor / 100:,.2f}"


def _ledger_matches_the_sandbox(page: Page, stripe_stack: StripeStack) -> None:
    """The Payments page's figures are Stripe's own: the platform's newest charge and refund balance transactions
    and application fee (a destination charge books there), and the transfer reversal the refund made."""
    txns = stripe_stack.sandbox("GET", "/v1/balance_transactions?limit=100")["data"]
    charge = next(t for t in txns if t["type"] == "charge")
    refund = next(t for t in txns if t["type"] == "refund")
    fee = stripe_stack.sandbox("GET", "/v1/application_fees?limit=1")["data"][0]
    cells = lambda row: [c.strip() for c in row.locator("td.num").all_inner_texts()]  # noqa: E731
    paid, refunded = page.locator("tr.move-payment"), page.locator("tr.move-refund")
    assert cells(paid) == [_usd(charge["amount"]), _usd(charge["fee"]), _usd(fee["amount"]),
                           _usd(charge["amount"] - fee["amount"])]
    # The vendor's net of the refund is what Stripe took back from the vendor's transfer.
    transfer = stripe_stack.sandbox("GET", "/v1/transfers?limit=1")["data"][0]
    taken = transfer["reversals"]["data"][0]["amount"]
    assert refund["amount"] == -25_000 and taken == 25_000 - 631  # the platform gave back its fee's share
    assert [cells(refunded)[0], cells(refunded)[3]] == [_usd(refund["amount"]), _usd(-taken)]


def _reload(page: Page) -> None:
    """Reload the page; a live refresh still in flight can abort the first try (net::ERR_ABORTED), not a second."""
    try:
        page.reload()
    except PlaywrightError:
        page.reload()


def test_a_partial_refund_of_a_connect_payment_everywhere(page: Page, browser: Browser, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Cedar Print Shop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, invoice_id)
    _pay_online(browser, url, "Pay $1,250.00")
    stripe_stack.wait_for_webhooks()
    status = page.locator(f"#invoice-{invoice_id}-status")
    expect(status).to_have_text("Paid", timeout=10_000)

    payments = page.locator(f"#invoice-{invoice_id}-payments")
    expect(payments.get_by_text("Platform fee")).to_be_visible()
    payments.get_by_role("button", name=re.compile("^Refund the payment")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("the platform fee is refunded in proportion")
    dialog.get_by_label("Amount (USD)", exact=True).fill("250.00")
    dialog.get_by_label("Note").fill("One panel arrived damaged")
    dialog.get_by_role("button", name="Refund").click()
    expect(status).to_have_text("Partially refunded")
    expect(payments.get_by_text("Refund $250.00")).to_be_visible()
    expect(payments.get_by_text("($6.31 refunded)")).to_be_visible()  # 250/1,250 of the $31.55 fee
    stripe_stack.wait_for_webhooks()  # Stripe's refund.created and charge.refunded change nothing more
    _reload(page)
    expect(page.locator(f"#invoice-{invoice_id}-document").get_by_text("$250.00").first).to_be_visible()
    expect(payments.locator(".refund-item")).to_have_count(1)
    _shoot(page, "details-refunded")

    page.goto(f"{base}/payments")
    expect(page.get_by_role("row")).to_have_count(3)  # header, the payment, the refund
    expect(page.get_by_text("Net $1,000.00")).to_be_visible()
    _ledger_matches_the_sandbox(page, stripe_stack)
    _shoot(page, "payments-page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = open(download.value.path()).read()
    assert ",refund,Refunded," in text and ",-250.00," in text

    page.goto(base)  # the dashboard's Paid is net of the refund
    expect(page.locator(".stat-amount", has_text="$1,000.00").first).to_be_visible()
    page.goto(f"{base}/invoices")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = open(download.value.path()).read()
    assert "1000.00,250.00" in exported  # amount paid net of refunds, then the refunded column

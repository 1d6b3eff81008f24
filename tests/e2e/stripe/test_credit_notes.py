"""A credit note on an invoice paid online, its excess refunded through Stripe, seen on the details page, the
Credit notes tab and its PDF; screenshots of the form, the tab and the PDF at 1280 and 390 px."""

from __future__ import annotations

import re

import pypdfium2
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import RESULTS
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe, create_payment_link, pay_by_card


def _shoot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(RESULTS / f"credit-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_credit_note_on_a_paid_online_invoice_refunded_through_stripe(page: Page, browser: Browser,
                                                                         stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Birch Studio")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_up(page, base, account)
    connect_stripe(page, base)
    invoice_id = stripe_stack.seed_invoice(account.email)
    url = create_payment_link(page, base, invoice_id)
    customer = browser.new_context()
    shopper = customer.new_page()
    shopper.goto(url)
    shopper.get_by_role("button", name="Pay $1,250.00").click()
    pay_by_card(shopper, "4242 4242 4242 4242")
    expect(shopper.get_by_text(re.compile(r"Paid \$1,250\.00 on"))).to_be_visible()
    customer.close()
    stripe_stack.wait_for_webhooks()
    status = page.locator(f"#invoice-{invoice_id}-status")
    expect(status).to_have_text("Paid", timeout=10_000)

    page.get_by_role("button", name="New credit note").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="By an amount").check()
    dialog.get_by_label("Amount (USD, tax included)").fill("2000")
    dialog.get_by_label("Reason").fill("One panel arrived damaged")
    dialog.get_by_role("button", name="Issue credit note").click()
    expect(dialog.get_by_text("At most $1,250.00 of this invoice can still be credited.")).to_be_visible()
    dialog.get_by_label("Amount (USD, tax included)").fill("200")
    dialog.get_by_role("button", name="Issue credit note").click()
    expect(dialog.get_by_text(re.compile(r"\$200\.00 of this credit was already paid"))).to_be_visible()
    dialog.get_by_label("Refund it to the customer").check()
    _shoot(page, "form")
    dialog.get_by_role("button", name="Issue credit note").click()

    notes = page.locator(f"#invoice-{invoice_id}-credit-notes")
    expect(notes.get_by_text("CN-2026-0001")).to_be_visible()
    expect(notes.get_by_text("$200.00 refunded")).to_be_visible()
    expect(status).to_have_text("Paid")
    payments = page.locator(f"#invoice-{invoice_id}-payments")
    expect(payments.get_by_text("Refund $200.00")).to_be_visible()
    expect(page.locator(f"#invoice-{invoice_id}-document").get_by_text("$200.00").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Credit note CN-2026-0001 for \$200\.00"))).to_be_visible()
    stripe_stack.wait_for_webhooks()  # Stripe's refund events count nothing twice
    page.reload()
    expect(payments.locator(".refund-item")).to_have_count(1)
    _shoot(page, "details")

    page.goto(f"{base}/invoices/credit-notes")
    row = page.get_by_role("row", name=re.compile("CN-2026-0001"))
    expect(row).to_contain_text("$200.00")
    expect(row).to_contain_text("$200.00 refunded")
    _shoot(page, "tab")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert ",200.00,200.00,0.00,One panel arrived damaged," in open(download.value.path()).read()

    response = page.request.get(f"{base}" + row.get_by_role("link", name=re.compile("PDF")).get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    (RESULTS / "credit-note.pdf").write_bytes(response.body())
    page_one = pypdfium2.PdfDocument(response.body())[0]
    text = page_one.get_textpage().get_text_range()
    assert "CREDIT NOTE" in text and "CN-2026-0001" in text and "INV-2026-0001" in text and "$200.00" in text
    for width in (1280, 390):  # the PDF as an image, for the eye
        page_one.render(scale=width / page_one.get_width()).to_pil().save(RESULTS / f"credit-pdf-{width}.png")

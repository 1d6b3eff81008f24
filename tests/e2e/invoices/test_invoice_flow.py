"""A vendor bills a customer from a template: draft, edit, send manually, mark paid, find it in the list."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import Details, Editor, add_customer, screenshot
from tests.e2e.pages import new_account, sign_up


def test_customer_to_paid_invoice(page: Page, live_server):
    url = live_server.url
    page.set_viewport_size({"width": 1360, "height": 900})
    sign_up(page, url, new_account("Northwind Studio"))
    add_customer(page, url, "Acme Corporation", "billing@acme.test")
    add_customer(page, url, "Blue Bakery", "hello@bluebakery.test")
    screenshot(page, "customers-list")

    editor = Editor(page)
    editor.start_from_template(url, "Consulting services")
    expect(page.locator("#invoice-lines tr")).to_have_count(3)
    editor.choose_customer("Acme Corporation")
    editor.line_field(0, "Quantity").fill("-4")
    editor.save_draft()
    expect(page.get_by_text("Use a quantity above 0 and up to 1,000,000, with at most 4 decimals.")).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    screenshot(page, "editor-errors")
    editor.line_field(0, "Quantity").fill("10")
    # 10 x 150 + 2.5 x 120 + 85.40, computed by the server while typing.
    expect(editor.total()).to_have_text("$1,885.40")
    editor.save_draft()
    details = Details(page)
    expect(details.status()).to_have_text("Draft")
    expect(page.get_by_role("heading", name=re.compile("Draft invoice"))).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    editor.line_field(2, "Unit price").fill("100")
    expect(editor.total()).to_have_text("$1,900.00")
    editor.save_draft()
    expect(page.locator(".head-total")).to_have_text("$1,900.00")
    expect(page.get_by_text("Edited: total changed from $1,885.40 to $1,900.00.")).to_be_visible()

    details.send_manually()
    expect(page.get_by_role("heading", name=re.compile(r"INV-\d{4}-0001"))).to_be_visible()
    number = page.locator(".invoice-head h1").inner_text().split()[0]
    details.mark_paid("TX-2041")
    expect(page.get_by_text(re.compile(r"Marked as paid: \$1,900\.00 by bank transfer on .* \(reference TX-2041\)\."))).to_be_visible()
    expect(page.locator("#invoice-1-payment-link, [id$='-payment-link']").first).to_contain_text("Not Created")
    screenshot(page, "invoice-details")

    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("link", name="Billing Invoices")).to_have_attribute("aria-current", "page")
    page.get_by_label("Search invoices").fill(number)
    rows = page.locator("#invoices-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Corporation")
    expect(page).to_have_url(re.compile(r"q=INV-"))  # the address bar keeps the search
    page.goto(f"{url}/invoices")
    page.get_by_role("link", name=re.compile("^Paid")).click()
    expect(page).to_have_url(re.compile(r"status=paid"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge")).to_have_text("Paid")
    page.get_by_role("link", name=re.compile("^Draft")).click()
    expect(page.get_by_text("No invoices match")).to_be_visible()
    page.get_by_role("link", name=re.compile("^All")).click()
    expect(rows).to_have_count(1)
    screenshot(page, "invoices-list")

    rows.first.get_by_role("link", name=re.compile("Details")).click()
    expect(page.get_by_text("Billing Invoice Details")).to_be_visible()
    page.get_by_role("link", name="Acme Corporation").first.click()
    expect(page.get_by_text("Nothing outstanding")).to_be_visible()
    expect(page.get_by_role("button", name="Archive")).to_be_visible()
    screenshot(page, "customer-page")

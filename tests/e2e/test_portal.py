"""The customer portal in Chromium: from a pay page to a sign-in link in the outbox, the portal, the statement."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import new_account, sign_up
from tests.e2e.ui.checks import PageStates
from tests.support import ROOT

SHOTS = Path("/work/wt/notes/shots")


def _seed(env: dict, email: str) -> tuple[str, str, str]:
    out = subprocess.run([sys.executable, "-m", "tests.e2e.portal_seed", email], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    customer_email, token, other_number = out.stdout.strip().splitlines()[-1].split()
    return customer_email, token, other_number


def _shots(page: Page, name: str) -> None:
    if not SHOTS.is_dir():
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"portal17-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_customer_signs_in_from_the_pay_page_and_downloads_a_statement(page: Page, browser: Browser, live_server,
                                                                        tmp_path):
    url = live_server.url
    account = new_account("Portal Studio")
    sign_up(page, url, account)
    customer_email, token, other_number = _seed(live_server.env, account.email)

    customer = browser.new_context(accept_downloads=True, bypass_csp=True).new_page()
    states = PageStates(customer)  # no sideways scroll at phone widths, nothing serious for axe
    customer.goto(f"{url}/pay/{token}")
    customer.get_by_role("link", name="View all your invoices").click()
    expect(customer.get_by_role("heading", name="View all your invoices")).to_be_visible()
    _shots(customer, "request")
    states.check("portal-request", shots=False)
    customer.get_by_label("Your email").fill(customer_email)
    customer.get_by_role("button", name="Email me a sign-in link").click()
    expect(customer.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(f"{url}/outbox")
    row = page.get_by_role("row").filter(has_text="Your sign-in link for Portal Studio")
    expect(row.get_by_text("Delivered")).to_be_visible(timeout=10_000)
    row.get_by_role("link", name="Your sign-in link for Portal Studio").click()
    text = page.locator("pre.mail-text").inner_text()
    link = next(word for word in text.split() if "/portal/sign-in/" in word)

    customer.goto(link)
    customer.get_by_role("button", name="Open my portal").click()
    expect(customer.get_by_role("heading", name="Your invoices and payments")).to_be_visible()
    invoices = customer.locator("#portal-invoices")
    expect(invoices).to_contain_text("INV-2026-0101")
    expect(invoices).to_contain_text("INV-2026-0102")
    expect(invoices).not_to_contain_text(other_number)
    balance = customer.get_by_test_id("balance-USD")
    expect(balance).to_have_text("$850.00")  # 600 + 450 - 200 paid
    _shots(customer, "home")
    states.check("portal-home", shots=False)

    customer.get_by_role("navigation", name="Portal").get_by_role("link", name="Statement").click()
    expect(customer.get_by_test_id("statement-closing")).to_have_text("$850.00")
    _shots(customer, "statement")
    states.check("portal-statement", shots=False)
    with customer.expect_download() as pdf_download:
        customer.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "statement.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with customer.expect_download() as csv_download:
        customer.get_by_role("link", name="Download CSV").click()
    csv_path = tmp_path / "statement.csv"
    csv_download.value.save_as(csv_path)
    rows = list(csv.reader(csv_path.open(encoding="utf-8")))
    assert rows[-1][1] == "Closing balance" and rows[-1][5] == "850.00"
    assert not any(other_number in cell for row in rows for cell in row)

    customer.get_by_role("link", name="Overview").click()
    customer.get_by_role("link", name="Receipt").click()
    expect(customer.get_by_role("heading", name="Payment receipt")).to_be_visible()
    expect(customer.locator(".portal-receipt")).to_contain_text("$200.00")
    _shots(customer, "receipt")
    states.check("portal-receipt", shots=False)
    customer.get_by_role("button", name="Sign out").click()
    expect(customer.get_by_role("heading", name="Signed out")).to_be_visible()
    customer.goto(f"{url}/portal")
    expect(customer.get_by_role("heading", name="Sign in to your portal")).to_be_visible()
    states.check("portal-signed-out", shots=False)
    assert not states.problems, "\n".join(states.problems)


def test_vendor_sends_a_portal_link_from_the_customer_page(page: Page, live_server):
    url = live_server.url
    account = new_account("Invite Studio")
    sign_up(page, url, account)
    _seed(live_server.env, account.email)
    page.goto(f"{url}/customers")
    page.get_by_role("link", name="Contoso Pharma").click()
    panel = page.locator("section").filter(has=page.get_by_role("heading", name="Customer portal"))
    panel.get_by_role("button", name="Send portal link").click()
    expect(panel.get_by_role("status")).to_have_text(
        "Portal link sent to billing@contoso.example. It works once, for 30 minutes.")
    _shots(page, "customer-page")
    page.goto(f"{url}/outbox")
    row = page.get_by_role("row").filter(has_text="Your sign-in link for Invite Studio")
    expect(row).to_contain_text("billing@contoso.example")

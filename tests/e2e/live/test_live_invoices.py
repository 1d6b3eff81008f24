"""Real invoice changes: every open tab of the vendor follows, no other vendor hears of it, restarts lose nothing."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import Browser, Page, expect

from tests.e2e.invoices.pages import Details, Editor, add_customer
from tests.e2e.conftest import start_server
from tests.e2e.live.pages import live_status, record_stream
from tests.e2e.pages import log_in, new_account, sign_up
from tests.support import ROOT


def sent_invoice(page: Page, url: str, customer: str) -> int:
    """Create an invoice from a template, send it manually; its id (the page stays on its details)."""
    add_customer(page, url, customer, f"billing@{customer.split()[0].lower()}.test")
    editor = Editor(page)
    editor.start_from_template(url, "Consulting services")
    editor.choose_customer(customer)
    editor.save_draft()
    Details(page).send_manually()
    return int(re.search(r"/invoices/(\d+)", page.url).group(1))


def test_mark_paid_in_one_tab_updates_the_other_and_no_other_vendor(browser: Browser, live_server):
    url = live_server.url
    northwind, globex = new_account("Northwind Studio"), new_account("Globex Corp")
    tab = browser.new_context().new_page()
    sign_up(tab, url, northwind)
    invoice_id = sent_invoice(tab, url, "Acme Corporation")

    other_context = browser.new_context()
    other_tab = other_context.new_page()
    other_log = record_stream(other_context, other_tab)
    log_in(other_tab, url, northwind)
    other_tab.goto(f"{url}/invoices/{invoice_id}")
    list_tab = other_context.new_page()
    list_tab.goto(f"{url}/invoices")
    row = list_tab.locator(f"#invoice-{invoice_id}-row")
    expect(row.locator(".badge")).to_have_text("Sent")

    globex_context = browser.new_context()
    globex_tab = globex_context.new_page()
    sign_up(globex_tab, url, globex)
    globex_invoice = sent_invoice(globex_tab, url, "Initech Payroll")
    globex_watcher = globex_context.new_page()
    globex_log = record_stream(globex_context, globex_watcher)
    globex_watcher.goto(f"{url}/invoices/{globex_invoice}")
    for page in (other_tab, list_tab, globex_watcher):
        expect(live_status(page)).to_have_text("Live")

    Details(tab).mark_paid("TX-1001")

    # The vendor's other tabs follow without a reload: the details header and the list row.
    expect(Details(other_tab).status()).to_have_text("Paid")
    expect(row.locator(".badge")).to_have_text("Paid")
    expect(row).to_have_class(re.compile(r"\bchanged\b"))
    assert (f"invoice-changed-{invoice_id}", str(invoice_id)) in other_log.events
    assert ("invoice-changed", str(invoice_id)) in other_log.events

    # Globex's own change arrives after Northwind's; nothing of Northwind's came before it.
    Details(globex_tab).mark_paid("G-7")
    expect(Details(globex_watcher).status()).to_have_text("Paid")
    assert f"invoice-changed-{globex_invoice}" in globex_log.names()
    assert globex_log.invoice_ids() == {str(globex_invoice)}


def test_after_a_restart_the_page_shows_what_changed_while_it_was_down(page: Page, live_server):
    url = live_server.url
    sign_up(page, url, new_account("Contoso Books"))
    invoice_id = sent_invoice(page, url, "Fabrikam Retail")
    expect(live_status(page)).to_have_text("Live")

    live_server.process.terminate()
    live_server.process.wait(timeout=15)
    expect(live_status(page)).to_have_text("Reconnecting...")
    # Nobody is serving, so nothing can be announced: only the catch-up on reconnect can show this.
    subprocess.run([sys.executable, "-m", "tests.e2e.live.offline_change", str(invoice_id)],
                   env=live_server.env, cwd=ROOT, check=True)
    live_server.process = start_server(live_server.env)

    expect(live_status(page)).to_have_text("Live", timeout=15_000)
    expect(Details(page).status()).to_have_text("Paid")

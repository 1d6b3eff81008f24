"""Marking an invoice paid in one tab changes the dashboard open in another, with no reload."""

from datetime import datetime, timedelta, timezone

from playwright.sync_api import BrowserContext, expect

from bench.dashboard_seed import add_invoice, vendor_id_of
from tests.e2e.dashboard.pages import DashboardPage
from tests.e2e.invoices import pages as invoices_pages
from tests.e2e.live import pages as live_pages
from tests.e2e.pages import new_account, sign_up


def test_marking_paid_in_one_tab_updates_the_dashboard_in_another(context: BrowserContext, live_server):
    dashboard_tab = context.new_page()
    account = new_account("Lakeside Joinery")
    sign_up(dashboard_tab, live_server.url, account)
    url = live_server.env["DATABASE_URL"]
    now = datetime.now(timezone.utc)
    today = now.date()
    invoice_id = add_invoice(url, vendor_id_of(url, account.email), "Oakridge Homes", "INV-2026-0042", 125_000,
                             "USD", today - timedelta(days=40), today - timedelta(days=10), now)
    dashboard = DashboardPage(dashboard_tab, live_server.url).open()
    expect(live_pages.live_status(dashboard_tab)).to_have_text("Live")
    expect(dashboard.figure("Outstanding")).to_contain_text("$1,250.00")
    expect(dashboard.figure("Overdue")).to_contain_text("$1,250.00")
    expect(dashboard.figure("Paid, last 30 days")).to_contain_text("No payments yet")
    ageing = dashboard_tab.get_by_role("img", name="Ageing of receivables in USD")
    expect(ageing).to_contain_text("$1,250.00")

    dashboard_tab.evaluate("window.notReloaded = true")
    other_tab = context.new_page()
    other_tab.goto(f"{live_server.url}/invoices/{invoice_id}")
    invoices_pages.Details(other_tab).mark_paid("BACS 7781")

    # The first tab was never reloaded: its partials refreshed themselves over SSE.
    expect(dashboard.figure("Paid, last 30 days")).to_contain_text("$1,250.00")
    expect(dashboard.figure("Outstanding")).to_contain_text("Nothing to collect")
    expect(dashboard.figure("Overdue")).to_contain_text("Nothing overdue")
    expect(dashboard_tab.get_by_text("No outstanding invoices: nothing is waiting to be paid.")).to_be_visible()
    activity = dashboard_tab.get_by_role("region", name="Recent activity")
    expect(activity.get_by_role("listitem").first).to_contain_text("Marked as paid: $1,250.00")
    expect(dashboard_tab.get_by_role("img", name="Paid per month in USD, last 12 months")).to_be_visible()
    assert dashboard_tab.evaluate("window.notReloaded") is True

"""The empty and the busy dashboard, as a new and an established vendor see them."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RESULTS
from tests.e2e.dashboard.pages import DashboardPage, seed_busy_vendor
from tests.e2e.pages import new_account, sign_up


def test_new_vendor_sees_first_steps_not_zeros(page: Page, live_server):
    sign_up(page, live_server.url, new_account("Fresh Start Studio"))
    dashboard = DashboardPage(page, live_server.url).open()
    steps = page.get_by_role("region", name="Get started in three steps")
    expect(steps).to_be_visible()
    for action in ("Add a customer", "Connect Stripe", "Create an invoice"):
        expect(steps.get_by_role("link", name=action)).to_be_visible()
    expect(dashboard.figure("Outstanding")).to_have_count(0)
    RESULTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 760})
    page.screenshot(path=str(RESULTS / "dashboard-empty.png"), full_page=True)


def test_busy_vendor_dashboard(page: Page, live_server):
    account = new_account("Harbor & Co")
    sign_up(page, live_server.url, account)
    seed_busy_vendor(live_server.env["DATABASE_URL"], account.email)
    dashboard = DashboardPage(page, live_server.url).open()
    expect(dashboard.figure("Outstanding").get_by_role("link")).not_to_have_count(0)
    expect(page.get_by_role("img", name="Ageing of receivables in USD")).to_be_visible()
    expect(page.get_by_role("img", name="Paid per month in USD, last 12 months")).to_be_visible()
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    expect(page.get_by_role("heading", name="Recent activity")).to_be_visible()
    RESULTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 900})
    page.screenshot(path=str(RESULTS / "dashboard-busy.png"), full_page=True)

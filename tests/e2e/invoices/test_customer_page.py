"""The customer page after an edit in place: nothing on it keeps the old name."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import add_customer, screenshot
from tests.e2e.pages import new_account, sign_up


def test_renaming_a_customer_in_place_renames_the_whole_page(page: Page, live_server):
    url = live_server.url
    sign_up(page, url, new_account("Rename Studio"))
    add_customer(page, url, "Blue Bakery", "hello@bluebakery.test")
    page.get_by_role("link", name="Blue Bakery").click()
    expect(page).to_have_title(re.compile("^Blue Bakery"))
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Name").fill("Blue Bakery & Café")
    page.get_by_label("Email").fill("orders@bluebakery.test")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    expect(page).to_have_title("Blue Bakery & Café · PayPort")
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Bakery & Café")
    expect(page.locator(".page-head")).to_contain_text("orders@bluebakery.test")
    expect(page.get_by_text("No invoices for Blue Bakery & Café yet.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("hello@bluebakery.test")
    asked = []  # the Delete confirmation names the customer too
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Bakery & Café")
    assert asked == ["Delete Blue Bakery & Café? This cannot be undone."]
    screenshot(page, "customer-renamed")

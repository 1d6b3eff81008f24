"""A vendor signs up, logs out and logs in again in a real browser."""

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out, new_account, sign_up


def test_sign_up_log_out_log_in(page: Page, live_server):
    account = new_account("Northwind Studio")
    sign_up(page, live_server.url, account)
    expect(page.get_by_text("Welcome to PayPort, Northwind Studio.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Invoices")
    log_out(page)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login")
    log_in(page, live_server.url, account)
    expect(page.locator(".sidebar")).to_contain_text("Northwind Studio")


def test_wrong_password_shows_error_in_place(page: Page, live_server):
    account = new_account()
    sign_up(page, live_server.url, account)
    log_out(page)
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(f"{live_server.url}/login")


def test_sign_up_field_errors_in_place(page: Page, live_server):
    page.goto(f"{live_server.url}/signup")
    page.get_by_label("Work email").fill("not-an-email")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter your business name.")).to_be_visible()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(page.get_by_label("Business name")).to_be_focused()

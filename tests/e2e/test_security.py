"""Account safety in a real browser: password reset from the emailed link, two-factor enrolment and sign-in."""

import re

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out, new_account, open_emailed_link, sign_up

NEW_PASSWORD = "a completely new passphrase"


def _password_step(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_password_reset_end_to_end(page: Page, live_server, browser):
    base, account = live_server.url, new_account("Reset Studio")
    sign_up(page, base, account)
    other = browser.new_context()  # a second browser signed in, which the reset signs out
    other_page = other.new_page()
    log_in(other_page, base, account)
    log_out(page)
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent it a link to reset the password")
    open_emailed_link(page, base, account.email, "Reset your PayPort password")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Log in to PayPort")).to_be_visible()
    other_page.goto(f"{base}/invoices")
    expect(other_page.get_by_role("heading", name="Log in to PayPort")).to_be_visible()
    other.close()
    _password_step(page, base, account.email, account.password)
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    account.password = NEW_PASSWORD
    log_in(page, base, account)


def test_two_factor_enrolment_then_sign_in_with_a_code_and_with_a_recovery_code(page: Page, live_server):
    base, account = live_server.url, new_account("Second Factor Co")
    sign_up(page, base, account)
    page.get_by_role("link", name="Account security").click()
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()
    page.get_by_role("link", name="Set up two-factor").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_role("heading", name="Two-factor is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", c) for c in codes)
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.locator("#account-two-factor .badge")).to_have_text("On")

    log_out(page)
    _password_step(page, base, account.email, account.password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    log_out(page)
    _password_step(page, base, account.email, account.password)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    log_out(page)
    _password_step(page, base, account.email, account.password)
    page.get_by_label("Code").fill(codes[0])  # spent: it works once
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()

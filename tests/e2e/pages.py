"""Page objects: what a person does on each page, in the words on the screen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    business: str
    email: str
    password: str = PASSWORD


def new_account(business: str = "Acme Design") -> Account:
    """Credentials nobody has used yet."""
    return Account(business, f"owner-{uuid.uuid4().hex[:10]}@example.com")


def sign_up(page: Page, base_url: str, account: Account) -> None:
    """Create the account through the sign-up form, open the emailed link, and land on the dashboard."""
    page.goto(f"{base_url}/signup")
    page.get_by_label("Business name").fill(account.business)
    page.get_by_label("Work email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    open_emailed_link(page, base_url, account.email, "Confirm your email address for PayPort")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def open_emailed_link(page: Page, base_url: str, to: str, subject: str) -> None:
    """Open the newest account email with this subject to `to` in the development mailbox and follow its link."""
    page.goto(f"{base_url}/outbox/accounts")
    item = page.get_by_role("listitem").filter(has_text=f"to {to}").filter(has_text=subject).first
    item.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name="Development mailbox")).to_be_visible()
    href = page.get_by_role("article", name="Message").get_by_role("link").first.get_attribute("href")
    page.goto(base_url + urlsplit(href).path)  # the link's own host may be a proxy in front of this server


def log_in(page: Page, base_url: str, account: Account) -> None:
    """Log in through the form and land on the dashboard."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def log_out(page: Page) -> None:
    """Log out from the sidebar."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to PayPort")).to_be_visible()

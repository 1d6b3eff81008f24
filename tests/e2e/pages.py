"""Page objects: what a person does on each page, in the words on the screen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

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
    """Create the account through the sign-up form and land on the dashboard."""
    page.goto(f"{base_url}/signup")
    page.get_by_label("Business name").fill(account.business)
    page.get_by_label("Work email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


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

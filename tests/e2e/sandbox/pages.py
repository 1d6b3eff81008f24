"""Page objects for the sandbox's hosted pages."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


class CheckoutPage:
    """The hosted Checkout page of one session."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, url: str) -> CheckoutPage:
        self.page.goto(url)
        return self

    @property
    def error(self) -> Locator:
        return self.page.get_by_role("alert")

    def pay_with(self, number: str, *, expiry: str = "12 / 34", cvc: str = "123", email: str | None = None) -> None:
        if email is not None:
            self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Card number").fill(number)
        self.page.get_by_label("Expiration date").fill(expiry)
        self.page.get_by_label("CVC").fill(cvc)
        self.page.get_by_role("button", name="Pay").click()


class OnboardingPage:
    """The Express onboarding page behind an account link."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, url: str) -> OnboardingPage:
        self.page.goto(url)
        return self

    def complete(self) -> None:
        self.page.get_by_role("button", name="Complete onboarding").click()

"""Page objects for customers and invoices, in the words on the screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support import ROOT

SHOTS = ROOT / "test-results" / "invoices"


def screenshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot to look at (test-results/invoices/<name>.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def add_customer(page: Page, base_url: str, name: str, email: str) -> None:
    """Add a customer from the Customers page."""
    page.goto(f"{base_url}/customers")
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text(f"{name} was added.")).to_be_visible()
    expect(page.get_by_role("link", name=name)).to_be_visible()


class Editor:
    """The invoice editor."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def start_from_template(self, base_url: str, template: str) -> None:
        self.page.goto(f"{base_url}/invoices/new")
        self.page.get_by_role("link", name=template).click()
        expect(self.page.get_by_role("heading", name="New invoice")).to_be_visible()

    def choose_customer(self, name: str) -> None:
        self.page.get_by_label("Customer").select_option(label=name)

    def line_field(self, row: int, label: str):
        return self.page.locator("#invoice-lines tr").nth(row).get_by_label(label)

    def total(self):
        return self.page.get_by_test_id("editor-total")

    def save_draft(self) -> None:
        self.page.get_by_role("button", name="Save as Draft").click()


class Details:
    """Billing Invoice Details."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def status(self):
        return self.page.locator(".invoice-head h1 .badge").first

    def send_manually(self) -> None:
        self.page.get_by_role("button", name="Send", exact=True).click()
        dialog = self.page.get_by_role("dialog")
        expect(dialog.get_by_label("Stripe")).to_be_disabled()
        expect(dialog).to_contain_text("Connect Stripe in Settings to send with a payment link.")
        dialog.get_by_label("Manual").check()
        dialog.get_by_role("button", name="Send", exact=True).click()
        expect(self.status()).to_have_text("Sent")

    def mark_paid(self, reference: str) -> None:
        """Record payment of the whole balance (the amount the dialog proposes)."""
        self.page.get_by_role("button", name="Record payment").click()
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_label("Payment method").select_option(label="Bank transfer")
        dialog.get_by_label("Reference").fill(reference)
        dialog.get_by_role("button", name="Record payment").click()
        expect(self.status()).to_have_text("Paid")

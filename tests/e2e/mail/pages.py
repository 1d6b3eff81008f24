"""Mail page objects and a seeding helper (invoices inserted the way the invoices feature stores them)."""

from __future__ import annotations

import subprocess
import sys

from playwright.sync_api import Page, expect

from tests.support import ROOT

_SEED = r'''
import asyncio, sys
from datetime import date, timedelta
from tests import factories
from tests.factories import Line

LINES = [Line("Brand strategy workshop (two days)", 2, 120000, 8), Line("Logo design, three rounds", 1, 150000, 8),
         Line("Hosting (months)", "3.5", 10000, 8)]

async def main(email, status):
    vendor_id = await factories.owner_vendor_id(email)
    customer = await factories.insert_customer(vendor_id, "Globex Corporation", "ap@globex.example",
                                               billing_address="12 Harbour Street\nSpringfield, OR 97477")
    invoice = await factories.insert_invoice(vendor_id, customer.id, LINES, status=status, currency="USD",
                                             issue_date=date.today(), due_date=date.today() + timedelta(days=30),
                                             notes="Thank you for your business.")
    print(invoice.id)

asyncio.run(main(sys.argv[1], sys.argv[2]))
'''


def seed_invoice(env: dict[str, str], owner_email: str, status: str = "draft") -> int:
    """A customer and a three-line invoice for this owner's vendor; returns the invoice id."""
    out = subprocess.run([sys.executable, "-c", _SEED, owner_email, status], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


class SendDialog:
    """The Send dialog, opened from the invoice details page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialog = page.get_by_role("dialog")

    def open(self, base_url: str, invoice_id: int) -> None:
        """Billing Invoice Details > Send."""
        self.page.goto(f"{base_url}/invoices/{invoice_id}")
        self.page.locator(".invoice-head").get_by_role("button", name="Send", exact=True).click()
        expect(self.dialog.get_by_role("heading", name="Send invoice")).to_be_visible()

    def choose_method(self, name: str) -> None:
        """Pick Manual or Stripe; the form re-renders for the method."""
        self.dialog.get_by_role("radio", name=name).check()
        expect(self.dialog.get_by_role("radio", name=name)).to_be_checked()

    def send(self) -> None:
        """Press Send and wait for the confirmation on the reloaded page."""
        self.dialog.get_by_role("button", name="Send", exact=True).click()
        expect(self.page.get_by_text("Invoice emailed to")).to_be_visible()

    def email_panel(self, invoice_id: int):
        """The invoice's Email panel (refreshes itself while mail is in flight)."""
        return self.page.locator(f"#invoice-{invoice_id}-emails")


class Outbox:
    """The outbox list and its message viewer."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> None:
        self.page.goto(f"{self.base_url}/outbox")
        expect(self.page.get_by_role("heading", name="Outbox")).to_be_visible()

    def open_message(self, subject: str, timeout: float = 5_000) -> None:
        """Open the viewer of the message with this subject once it shows as delivered (the list refreshes itself)."""
        row = self.page.get_by_role("row").filter(has_text=subject)
        expect(row.get_by_text("Delivered")).to_be_visible(timeout=timeout)
        row.get_by_role("link", name=subject).click()
        expect(self.page.get_by_role("heading", name=subject)).to_be_visible()

"""Mail page objects and a seeding helper (invoices inserted the way the invoices feature stores them)."""

from __future__ import annotations

import subprocess
import sys

from playwright.sync_api import Page, expect

from tests.support import ROOT

_SEED = r'''
import asyncio, sys
from datetime import date
from decimal import Decimal
from app.tables.vendors import User
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine

async def main(email, status):
    user = await User.objects().where(User.email == email).first()
    customer = Customer(vendor=user.vendor, name="Globex Corporation", email="ap@globex.example",
                        billing_address="12 Harbour Street\nSpringfield, OR 97477")
    await customer.save()
    invoice = Invoice(vendor=user.vendor, customer=customer.id, status=status, currency="USD",
                      issue_date=date(2026, 11, 2), due_date=date(2026, 12, 2), subtotal=425000, tax_total=34000,
                      total=459000, amount_due=0 if status in ("paid", "void") else 459000, notes="Thank you for your business.")
    await invoice.save()
    await InvoiceLine.insert(
        InvoiceLine(invoice=invoice.id, position=0, description="Brand strategy workshop (two days)",
                    quantity=Decimal(2), unit_price=120000, tax_rate=Decimal(8), line_total=240000, tax_amount=19200),
        InvoiceLine(invoice=invoice.id, position=1, description="Logo design, three rounds", quantity=Decimal(1),
                    unit_price=150000, tax_rate=Decimal(8), line_total=150000, tax_amount=12000),
        InvoiceLine(invoice=invoice.id, position=2, description="Hosting (months)", quantity=Decimal("3.5"),
                    unit_price=10000, tax_rate=Decimal(8), line_total=35000, tax_amount=2800))
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

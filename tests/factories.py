"""Rows for tests, written straight to the database: vendors, customers, invoices with lines, editor drafts.

Unit tests call these in their own process; e2e tests run them with the server's environment (`python -c`), so
both suites build invoices one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.services.accounts import SignupForm, sign_up
from app.services.customers import create_customer
from app.services.clock import today_for
from app.services.invoices.editor import InvoiceDraft, check_draft, create_invoice
from app.services.quotes.editor import QuoteDraft, check_quote, create_quote
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.vendors import User

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Line:
    """One invoice line; amounts in minor units, tax_rate in percent."""

    description: str
    quantity: Decimal | int | str
    unit_price: int
    tax_rate: Decimal | int | str = 0

    @property
    def total(self) -> int:
        return int((Decimal(self.quantity) * self.unit_price).to_integral_value(ROUND_HALF_UP))

    @property
    def tax(self) -> int:
        return int((self.total * Decimal(self.tax_rate) / 100).to_integral_value(ROUND_HALF_UP))


async def vendor(business: str, email: str, password: str = PASSWORD) -> User:
    """A vendor and its verified owner user, made by the sign-up service (no HTTP round trips)."""
    return await sign_up(SignupForm(business, email, password), verified=True)


async def insert_customer(vendor_id: int, name: str = "Jane Doe", email: str = "jane@example.com", **fields) -> Customer:
    """A customer of the vendor, inserted directly."""
    row = Customer(vendor=vendor_id, name=name, email=email, **fields)
    await row.save()
    return row


async def insert_invoice(vendor_id: int, customer_id: int, lines: Sequence[Line] = (), *, status: str = "draft",
                  currency: str = "USD", issue_date: date = date(2026, 11, 1), total: int | None = None,
                  **fields) -> Invoice:
    """An invoice with its lines, totals added up from them (or `total` when there are no lines)."""
    subtotal = sum(line.total for line in lines) if lines else (total or 0)
    tax_total = sum(line.tax for line in lines)
    # What the balance service would store: nothing due once paid or void, the whole total otherwise.
    settled = status in ("paid", "void") or fields.get("paid_at") is not None
    fields.setdefault("amount_due", 0 if settled else subtotal + tax_total)
    row = Invoice(vendor=vendor_id, customer=customer_id, status=status, currency=currency, issue_date=issue_date,
                  subtotal=subtotal, tax_total=tax_total, total=subtotal + tax_total, **fields)
    await row.save()
    if lines:
        await InvoiceLine.insert(*(
            InvoiceLine(invoice=row.id, position=position, description=line.description,
                        quantity=Decimal(line.quantity), unit_price=line.unit_price,
                        tax_rate=Decimal(line.tax_rate), line_total=line.total, tax_amount=line.tax)
            for position, line in enumerate(lines)
        ))
    return row


async def insert_activity(vendor_id: int, invoice_id: int, kind: str, message: str, **fields) -> None:
    """A timeline entry on the invoice."""
    await InvoiceActivity(vendor=vendor_id, invoice=invoice_id, kind=kind, message=message, **fields).save()


async def owner_vendor_id(email: str) -> int:
    """The vendor whose owner logs in with this email."""
    user = await User.objects().where(User.email == email).first()
    return user.vendor


# Through the editor's own services: for tests of what the editor saves.


async def customer(vendor_id: int, name: str = "Jane Doe", email: str = "jane@example.com", currency: str = "USD",
                   **extra):
    """A customer saved by the customers service (extra: country, tax_id, billing_address, reverse_charge...)."""
    extra = {k: ("on" if v is True else v) for k, v in extra.items() if v is not False}
    return await create_customer(vendor_id, {"name": name, "email": email, "currency": currency, **extra})


def draft(customer_id: int, lines: list[tuple[str, str, str, str]] | None = None, **values) -> InvoiceDraft:
    """Editor values; lines are (description, quantity, unit price, tax rate) strings."""
    lines = lines or [("Design work", "2", "100.00", "0")]
    return InvoiceDraft(
        customer=str(customer_id),
        lines=[{"description": d, "quantity": q, "unit_price": p, "tax_rate": t} for d, q, p, t in lines],
        **values,
    )


async def invoice(vendor_id: int, customer_id: int, timezone: str = "UTC", **values) -> int:
    """A draft saved by the editor's services; returns its id."""
    lines = values.pop("lines", None)
    clean = await check_draft(vendor_id, timezone, draft(customer_id, lines, **values))
    return await create_invoice(vendor_id, clean)



async def quote(vendor_id: int, customer_id: int, timezone: str = "UTC", **values) -> int:
    """A draft quote saved by the quote editor's services (expiring in 30 days unless given); returns its id."""
    lines = values.pop("lines", None) or [("Design work", "2", "100.00", "0")]
    values.setdefault("expiry_date", (today_for(timezone) + timedelta(days=30)).isoformat())
    draft = QuoteDraft(customer=str(customer_id), **values,
                       lines=[{"description": d, "quantity": q, "unit_price": p, "tax_rate": t} for d, q, p, t in lines])
    return await create_quote(vendor_id, await check_quote(vendor_id, timezone, draft))

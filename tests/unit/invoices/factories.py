"""Build customers and invoices straight through the services, for tests."""

from __future__ import annotations

from decimal import Decimal

from app.services.customers import create_customer
from app.services.invoices.editor import InvoiceDraft, check_draft, create_invoice


async def customer(vendor_id: int, name: str = "Jane Doe", email: str = "jane@example.com", currency: str = "USD"):
    """A saved customer of the vendor."""
    return await create_customer(vendor_id, {"name": name, "email": email, "currency": currency})


def draft(customer_id: int, lines: list[tuple[str, str, str, str]] | None = None, **values) -> InvoiceDraft:
    """Editor values; lines are (description, quantity, unit price, tax rate) strings."""
    lines = lines or [("Design work", "2", "100.00", "0")]
    return InvoiceDraft(
        customer=str(customer_id),
        lines=[{"description": d, "quantity": q, "unit_price": p, "tax_rate": t} for d, q, p, t in lines],
        **values,
    )


async def invoice(vendor_id: int, customer_id: int, timezone: str = "UTC", **values) -> int:
    """A saved draft invoice; returns its id."""
    lines = values.pop("lines", None)
    clean = await check_draft(vendor_id, timezone, draft(customer_id, lines, **values))
    return await create_invoice(vendor_id, clean)


ZERO = Decimal(0)

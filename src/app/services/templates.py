"""Invoice templates: two built-in starters, and any invoice saved as a template (lines, terms, notes)."""

from __future__ import annotations

from typing import Any

from app.errors import NotAllowed, NotFound
from app.money import to_major
from app.services.clock import utcnow
from app.services.invoices.editor import InvoiceDraft
from app.services.rows import get_invoice, get_lines
from app.tables.invoices import InvoiceTemplate

# Prices in major units of the template's currency, as a person would type them.
BUILTIN: dict[str, dict[str, Any]] = {
    "consulting": {
        "name": "Consulting services",
        "summary": "Hourly work, project management and expenses, Net 14.",
        "currency": "USD", "terms": "net_14",
        "lines": [
            {"description": "Consulting (hours)", "quantity": "10", "unit_price": "150.00", "tax_rate": "0"},
            {"description": "Project management (hours)", "quantity": "2.5", "unit_price": "120.00", "tax_rate": "0"},
            {"description": "Travel expenses", "quantity": "1", "unit_price": "85.40", "tax_rate": "0"},
        ],
        "notes": "Thank you for your business.",
        "footer": "Please include the invoice number with your payment.",
    },
    "products": {
        "name": "Product sale",
        "summary": "Goods with sales tax and shipping, due on receipt.",
        "currency": "USD", "terms": "due_on_receipt",
        "lines": [
            {"description": "Product", "quantity": "1", "unit_price": "49.00", "tax_rate": "8.25"},
            {"description": "Shipping and handling", "quantity": "1", "unit_price": "9.95", "tax_rate": "0"},
        ],
        "notes": "Goods remain our property until paid in full.",
        "footer": "",
    },
}


async def list_templates(vendor_id: int) -> list[dict[str, Any]]:
    """The starters followed by the vendor's own templates, each with a key for ?template=."""
    own = await InvoiceTemplate.select().where(InvoiceTemplate.vendor == vendor_id).order_by(
        InvoiceTemplate.name).output(load_json=True)
    starters = [{"key": key, "builtin": True, **t} for key, t in BUILTIN.items()]
    saved = [{"key": str(row["id"]), "builtin": False, "summary": f"{len(row['lines'])} lines, {row['currency']}",
              **row} for row in own]
    return starters + saved


async def _template(vendor_id: int, key: str) -> dict[str, Any]:
    if key in BUILTIN:
        return BUILTIN[key]
    row = None
    if key.isdigit():
        row = await InvoiceTemplate.select().where(
            (InvoiceTemplate.id == int(key)) & (InvoiceTemplate.vendor == vendor_id)
        ).output(load_json=True).first()
    if row is None:
        raise NotFound("That template does not exist.")
    return row


async def draft_from_template(vendor_id: int, key: str, customer: str = "") -> InvoiceDraft:
    """A new invoice's editor values taken from a template."""
    t = await _template(vendor_id, key)
    return InvoiceDraft(customer=customer, currency=t["currency"], terms=t["terms"], notes=t["notes"],
                        footer=t["footer"], lines=[dict(line) for line in t["lines"]])


async def save_as_template(vendor_id: int, invoice_id: int, name: str) -> int:
    """Keep an invoice's lines, terms and notes as a named template; returns its id."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise NotAllowed("Give the template a name of at most 120 characters.")
    invoice = await get_invoice(vendor_id, invoice_id)
    lines = [{"description": line.description, "quantity": format(line.quantity.normalize(), "f"),
              "unit_price": str(to_major(line.unit_price, invoice.currency)),
              "tax_rate": format(line.tax_rate.normalize(), "f")} for line in await get_lines(invoice.id)]
    terms = invoice.terms if invoice.terms != "custom" else "net_30"
    template = InvoiceTemplate(vendor=vendor_id, name=name, currency=invoice.currency, terms=terms, lines=lines,
                               notes=invoice.notes, footer=invoice.footer, created_at=utcnow())
    await template.save()
    return template.id


async def delete_template(vendor_id: int, template_id: int) -> None:
    """Remove one of the vendor's own templates (starters cannot be removed)."""
    await _template(vendor_id, str(template_id))
    await InvoiceTemplate.delete().where(
        (InvoiceTemplate.id == template_id) & (InvoiceTemplate.vendor == vendor_id)
    )

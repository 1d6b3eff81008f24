"""Everything an emailed or printed invoice shows, loaded once and scoped to the vendor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.i18n import Texts, texts_for_customer
from app.services.clock import today_for
from app.services.rows import invoice_row
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.invoices import InvoiceLine
from app.tables.payments import PaymentLink
from app.tables.vendors import Vendor


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: int
    tax_rate: Decimal
    line_total: int
    tax_amount: int
    tax_category: str = ""  # the named rate's EN 16931 category; "" = derived from the rate


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice with its vendor, customer, lines and payment link, ready to render."""

    invoice: dict
    vendor: dict
    customer: dict
    lines: list[DocumentLine] = field(default_factory=list)
    link_url: str = ""
    today: date | None = None

    @property
    def id(self) -> int:
        return self.invoice["id"]

    @property
    def label(self) -> str:
        """'Invoice INV-2026-0001', or 'Draft invoice' before it has a number."""
        number = self.invoice.get("number")
        return f"Invoice {number}" if number else "Draft invoice"

    @property
    def texts(self) -> Texts:
        """The customer's language (else the vendor's) for what the customer reads."""
        return texts_for_customer(self.customer, self.vendor)

    def label_in(self, t: Texts) -> str:
        number = self.invoice.get("number")
        return t("Invoice %(number)s", number=number) if number else t("Draft invoice")

    @property
    def currency(self) -> str:
        return self.invoice["currency"]

    @property
    def amount_due(self) -> int:
        inv = self.invoice  # the balance service keeps amount_due (services/balance.py)
        return max(inv["amount_due"], 0) if inv["status"] != "void" else 0

    @property
    def due_now(self) -> int:
        """What the customer is asked for now: the next instalment with a schedule, else the balance."""
        nxt = self.invoice.get("next_due_amount") or 0
        return min(nxt, self.amount_due) if self.invoice.get("next_due_date") and nxt > 0 else self.amount_due

    @property
    def by_instalments(self) -> bool:
        """A payment schedule asks for less than the balance now."""
        return self.due_now < self.amount_due

    @property
    def is_overdue(self) -> bool:
        due = self.invoice.get("next_due_date") or self.invoice.get("due_date")
        return self.invoice["status"] in ("sent", "partially_paid") and due is not None and self.today is not None and due < self.today


async def load_document(vendor_id: int, invoice_id: int) -> InvoiceDocument:
    """The invoice as documents show it; NotFound for another vendor's or a missing id."""
    invoice = await invoice_row(vendor_id, invoice_id)
    vendor = await Vendor.select().where(Vendor.id == vendor_id).first()
    customer = await Customer.select().where(Customer.id == invoice["customer"]).first()
    rows = await InvoiceLine.select().where(InvoiceLine.invoice == invoice_id).order_by(InvoiceLine.position)
    lines = [
        DocumentLine(r["description"], Decimal(r["quantity"]), r["unit_price"], Decimal(r["tax_rate"] or 0),
                     r["line_total"], r["tax_amount"], r.get("tax_category") or "")
        for r in rows
    ]
    return InvoiceDocument(
        invoice=invoice, vendor=vendor, customer=customer or {}, lines=lines,
        link_url=await payment_link_url(invoice_id), today=today_for(vendor["timezone"]),
    )


async def payment_link_token(invoice_id: int) -> str:
    """The invoice's payment link token, or '' while none exists."""
    row = await PaymentLink.select(PaymentLink.token).where(PaymentLink.invoice == invoice_id).first()
    return row["token"] if row else ""


async def payment_link_url(invoice_id: int) -> str:
    """The permanent customer URL {APP_BASE_URL}/pay/{token}, or '' while no link exists."""
    token = await payment_link_token(invoice_id)
    return f"{get_settings().app_base_url}/pay/{token}" if token else ""


async def invoice_for_token(token: str) -> tuple[int, int] | None:
    """(vendor_id, invoice_id) behind a payment link token, or None."""
    if not token or len(token) > 64:
        return None
    row = await PaymentLink.select(PaymentLink.invoice, PaymentLink.vendor).where(PaymentLink.token == token).first()
    return (row["vendor"], row["invoice"]) if row else None

"""Invoice figures and terms: totals by the one rounding rule, due dates, when amounts are locked.

Rounding rule (the only one): every money amount is computed per line with exact decimals and rounded
once, half up, to the currency's minor unit (JPY 1 yen, USD 1 cent, KWD 1 fils):

    line amount   = round(quantity x unit price)
    line discount = round(line amount x discount %)
    line tax      = round((line amount - line discount) x tax rate %)

Invoice figures are plain integer sums of those rounded line figures: subtotal = sum of line amounts,
discount_total = sum of line discounts, tax_total = sum of line taxes, total = subtotal - discount_total
+ tax_total. Nothing is rounded twice, and the figures on screen, in CSV exports, in PDFs and sent to
Stripe always add up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.services.payments.connection import is_ready
from app.services.rows import STATUS_LABELS
from app.tables.invoices import Invoice
from app.tables.payments import PaymentLink

HUNDRED = Decimal(100)
TERMS = {
    "due_on_receipt": ("Due on receipt", 0),
    "net_7": ("Net 7", 7),
    "net_14": ("Net 14", 14),
    "net_30": ("Net 30", 30),
    "net_60": ("Net 60", 60),
    "custom": ("Custom due date", None),
}



@dataclass(frozen=True)
class LineInput:
    """A line as entered: exact quantity, unit price in minor units, tax rate in percent."""

    description: str
    quantity: Decimal
    unit_price: int
    tax_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotals:
    amount: int
    discount: int
    tax: int


@dataclass(frozen=True)
class Totals:
    """An invoice's figures in minor units; `lines` matches the input order."""

    subtotal: int
    discount_total: int
    tax_total: int
    total: int
    lines: tuple[LineTotals, ...]
    taxes: tuple[tuple[Decimal, int], ...]  # (rate, tax) per distinct rate, for the tax breakdown


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_totals(lines: list[LineInput], discount_percent: Decimal = Decimal(0)) -> Totals:
    """Totals by the module's rounding rule; amounts are minor units of one currency."""
    computed: list[LineTotals] = []
    by_rate: dict[Decimal, int] = {}
    for line in lines:
        amount = _round(line.quantity * line.unit_price)
        discount = _round(amount * discount_percent / HUNDRED)
        tax = _round((amount - discount) * line.tax_rate / HUNDRED)
        computed.append(LineTotals(amount, discount, tax))
        if line.tax_rate:
            by_rate[line.tax_rate.normalize()] = by_rate.get(line.tax_rate.normalize(), 0) + tax
    subtotal = sum(c.amount for c in computed)
    discount_total = sum(c.discount for c in computed)
    tax_total = sum(c.tax for c in computed)
    return Totals(
        subtotal, discount_total, tax_total, subtotal - discount_total + tax_total,
        tuple(computed), tuple(sorted(by_rate.items())),
    )


def due_date_for(terms: str, issue_date: date) -> date | None:
    """The due date the payment terms give; None for custom terms."""
    days = TERMS.get(terms, (None, None))[1]
    return None if days is None else issue_date + timedelta(days=days)


async def has_payment_link(invoice_id: int) -> bool:
    """True once the Stripe feature has created the invoice's payment link (amounts are then locked)."""
    return await PaymentLink.exists().where(PaymentLink.invoice == invoice_id)


async def stripe_ready(vendor_id: int) -> bool:
    """Whether the vendor can send with a Stripe payment link."""

    return await is_ready(vendor_id)


async def amounts_locked_reason(invoice: Invoice) -> str | None:
    """Why the invoice's amounts cannot change any more, or None while they can."""
    if invoice.status == "draft":
        return None
    if invoice.status != "sent":
        return f"This invoice is {STATUS_LABELS[invoice.status].lower()} and can no longer be edited."
    if invoice.amount_paid > 0 or invoice.amount_credited > 0:
        return "A payment was received, so the amounts are locked. Void this invoice and issue a new one to change them."
    if await has_payment_link(invoice.id):
        return ("A payment link exists for this invoice, so the amounts are locked. "
                "Void this invoice and issue a new one to change them.")
    return None

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

Two choices change how the figures are found, never what they mean (the stored line amount is always the net
amount before the invoice discount, its discount always round(amount x discount %), its tax the line's share):

- rounding "rate" (the vendor's setting; Japan's qualified invoice rule): tax is rounded once per rate and
  invoice, tax(rate) = round(sum of the rate's net amounts after discount x rate %), and shared out over the
  rate's lines by the largest remainder, so the line taxes still add up to it exactly;
- prices_include_tax (per invoice): unit prices are gross. Gross line = round(quantity x unit price), net line
  amount = round(gross x 100 / (100 + rate)). Per line, tax = gross after discount - net after discount, so each
  line's gross is exactly what was entered; per rate, tax(rate) = round(gross after discount x rate / (100 +
  rate)) and the net amounts are nudged by single units until net + tax = the gross entered.
Either way total = the sum of the gross lines after discount (inclusive) and subtotal - discount + tax = total.
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
    category: str = ""  # EN 16931 VAT category of the named rate chosen; "" = derived from the rate
    rate_ref: int | None = None  # the TaxRate row chosen, when one was


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
    rounding: str = "line"


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


ROUNDING_MODES = {"line": "Per line", "rate": "Once per tax rate per invoice"}


def _discount(amount: int, discount_percent: Decimal) -> int:
    return _round(amount * discount_percent / HUNDRED)


def _net_amounts(lines: list[LineInput], discount_percent: Decimal, inclusive: bool) -> tuple[list[int], list[int]]:
    """(net line amounts, gross line amounts after discount; for exclusive prices the net after discount)."""
    nets, grosses = [], []
    for line in lines:
        entered = _round(line.quantity * line.unit_price)
        if inclusive and line.tax_rate:
            nets.append(_round(entered * HUNDRED / (HUNDRED + line.tax_rate)))
            grosses.append(entered - _discount(entered, discount_percent))
        else:
            nets.append(entered)
            grosses.append(entered - _discount(entered, discount_percent))
    return nets, grosses


def _share(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder, ties to the earlier line); sums exactly."""
    whole = sum(weights)
    if not weights:
        return []
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [Decimal(total) * w / whole for w in weights]
    parts = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _fit_nets(nets: list[int], target: int, discount_percent: Decimal) -> list[int]:
    """Nudge net amounts by single units until the sum of (net - its discount) is `target` (inclusive, per rate)."""
    nets = list(nets)
    net_after = lambda: sum(n - _discount(n, discount_percent) for n in nets)  # noqa: E731
    for step in range(8 * len(nets) + 8):
        gap = target - net_after()
        if gap == 0 or not nets:
            break
        i = step % len(nets)
        nets[i] = max(0, nets[i] + (1 if gap > 0 else -1))
    return nets


def compute_totals(lines: list[LineInput], discount_percent: Decimal = Decimal(0), *, inclusive: bool = False,
                   rounding: str = "line") -> Totals:
    """Totals by the module's rounding rule; amounts are minor units of one currency."""
    nets, grosses = _net_amounts(lines, discount_percent, inclusive)
    taxes = [0] * len(lines)
    if rounding == "rate":
        groups: dict[Decimal, list[int]] = {}
        for i, line in enumerate(lines):
            groups.setdefault(line.tax_rate.normalize(), []).append(i)
        for rate, idx in groups.items():
            if not rate:
                continue
            if inclusive:
                gross = sum(grosses[i] for i in idx)
                tax = _round(gross * rate / (HUNDRED + rate))
                for i, net in zip(idx, _fit_nets([nets[i] for i in idx], gross - tax, discount_percent)):
                    nets[i] = net
            else:
                tax = _round(sum(nets[i] - _discount(nets[i], discount_percent) for i in idx) * rate / HUNDRED)
            weights = [nets[i] - _discount(nets[i], discount_percent) for i in idx]
            for i, part in zip(idx, _share(tax, weights)):
                taxes[i] = part
    else:
        for i, line in enumerate(lines):
            after = nets[i] - _discount(nets[i], discount_percent)
            if inclusive and line.tax_rate:
                taxes[i] = grosses[i] - after
            else:
                taxes[i] = _round(after * line.tax_rate / HUNDRED)
    computed = [LineTotals(net, _discount(net, discount_percent), tax) for net, tax in zip(nets, taxes)]
    by_rate: dict[Decimal, int] = {}
    for line, figures in zip(lines, computed):
        if line.tax_rate:
            by_rate[line.tax_rate.normalize()] = by_rate.get(line.tax_rate.normalize(), 0) + figures.tax
    subtotal = sum(c.amount for c in computed)
    discount_total = sum(c.discount for c in computed)
    tax_total = sum(c.tax for c in computed)
    return Totals(
        subtotal, discount_total, tax_total, subtotal - discount_total + tax_total,
        tuple(computed), tuple(sorted(by_rate.items())), rounding,
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

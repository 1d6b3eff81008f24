"""The tax report: taxable amount and tax per rate and currency for one period, on accrual or cash basis.

Accrual: every invoice issued in the period (issue date, a day of the vendor's calendar) that is neither a draft
nor void, by its stored line figures: taxable = line amount - line discount, tax = line tax (services/invoices/
totals.py, the one rounding rule). Credit notes issued in the period (their issue instant, in the vendor's zone)
are subtracted, by their own line figures; a note credited by amount (no lines) is booked at its invoice's rate
when the invoice has one rate, else on a "several rates" row.

Cash: the money received in the period for each invoice (payments less counted refunds, by payment and refund
date in the vendor's zone) takes its proportional share of the invoice's taxable amount and tax per rate:
share = round(net received x part / invoice total), half up, once per invoice, rate and period, the rule credit
notes by amount use. Credit notes are not subtracted again on cash basis: what they give back is a refund (already
netted) or money the customer never pays (never received).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from app.services.invoices.totals import HUNDRED, _round
from app.services.reports.periods import Period
from app.tables.invoices import Invoice

COUNTED_REFUNDS = "('pending', 'requires_action', 'succeeded')"


@dataclass
class TaxRow:
    """One rate in one currency; amounts in minor units. rate None: credits by amount over several rates."""

    currency: str
    rate: Decimal | None
    taxable: int = 0
    tax: int = 0
    credit_taxable: int = 0
    credit_tax: int = 0

    @property
    def net_taxable(self) -> int:
        """Taxable amount less credits."""
        return self.taxable - self.credit_taxable

    @property
    def net_tax(self) -> int:
        """Tax less credits."""
        return self.tax - self.credit_tax

    @property
    def rate_label(self) -> str:
        """'19%', '0%', 'Several rates'."""
        if self.rate is None:
            return "Several rates"
        text = f"{self.rate.normalize():f}"
        return f"{text}%"


@dataclass(frozen=True)
class TaxReport:
    """The report's rows, ordered by currency then rate, and one total row per currency."""

    period: Period
    rows: list[TaxRow]

    @property
    def totals(self) -> list[TaxRow]:
        """Per currency, the sum of its rows (never across currencies)."""
        by: dict[str, TaxRow] = {}
        for row in self.rows:
            total = by.setdefault(row.currency, TaxRow(row.currency, None))
            total.taxable += row.taxable
            total.tax += row.tax
            total.credit_taxable += row.credit_taxable
            total.credit_tax += row.credit_tax
        return [by[code] for code in sorted(by)]


def _rate(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).normalize()


def _taxable(line_total: int, discount_percent) -> int:
    return line_total - _round(Decimal(line_total) * Decimal(str(discount_percent or 0)) / HUNDRED)


# Lines grouped by everything the per-line discount depends on, so the database adds them up and Python only
# applies the rounding rule once per distinct (amount, discount %) pair.
_ACCRUAL_SQL = """
SELECT i.currency AS currency, l.tax_rate AS rate, i.discount_percent AS pct, l.line_total AS amount,
       COUNT(*) AS n, SUM(l.tax_amount) AS tax
FROM invoice_line l JOIN invoice i ON i.id = l.invoice
WHERE i.vendor = {} AND i.status NOT IN ('draft', 'void') AND i.issue_date >= {} AND i.issue_date < {}
GROUP BY i.currency, l.tax_rate, i.discount_percent, l.line_total
"""

_CREDIT_SQL = """
SELECT n.currency AS currency, l.tax_rate AS rate, SUM(l.line_total - l.discount) AS taxable,
       SUM(l.tax_amount) AS tax
FROM credit_note_line l JOIN credit_note n ON n.id = l.credit_note
WHERE n.vendor = {} AND n.issue_date >= {} AND n.issue_date < {}
GROUP BY n.currency, l.tax_rate
UNION ALL
SELECT currency, rate, SUM(subtotal - discount_total), SUM(tax_total) FROM (
  SELECT n.currency, n.subtotal, n.discount_total, n.tax_total,
         (SELECT CASE WHEN MIN(x.tax_rate) = MAX(x.tax_rate) THEN MIN(x.tax_rate) END
          FROM invoice_line x WHERE x.invoice = n.invoice) AS rate
  FROM credit_note n
  WHERE n.vendor = {} AND n.issue_date >= {} AND n.issue_date < {}
    AND NOT EXISTS (SELECT 1 FROM credit_note_line l WHERE l.credit_note = n.id)
) AS by_amount GROUP BY currency, rate
"""

_CASH_SQL = """
SELECT i.id AS invoice, i.currency AS currency, i.total AS total, i.discount_percent AS pct, m.net AS net,
       l.tax_rate AS rate, l.line_total AS amount, COUNT(*) AS n, SUM(l.tax_amount) AS tax
FROM (SELECT invoice, SUM(amount) AS net FROM (
        SELECT invoice, amount FROM payment
        WHERE vendor = {} AND deleted_at IS NULL AND paid_at >= {} AND paid_at < {}
        UNION ALL
        SELECT invoice, -amount FROM refund
        WHERE vendor = {} AND status IN """ + COUNTED_REFUNDS + """ AND created_at >= {} AND created_at < {}
      ) AS moves GROUP BY invoice) AS m
JOIN invoice i ON i.id = m.invoice JOIN invoice_line l ON l.invoice = i.id
WHERE i.vendor = {} AND m.net <> 0 AND i.total > 0
GROUP BY i.id, i.currency, i.total, i.discount_percent, m.net, l.tax_rate, l.line_total
"""


def _row(rows: dict, currency: str, rate: Decimal | None) -> TaxRow:
    return rows.setdefault((currency, rate), TaxRow(currency, rate))


async def _accrual(vendor_id: int, period: Period, tz: str, rows: dict) -> None:
    for r in await Invoice.raw(_ACCRUAL_SQL, vendor_id, period.start, period.end):
        row = _row(rows, r["currency"], _rate(r["rate"]))
        row.taxable += int(r["n"]) * _taxable(int(r["amount"]), r["pct"])
        row.tax += int(r["tax"] or 0)
    start, end = period.instants(tz)
    for r in await Invoice.raw(_CREDIT_SQL, vendor_id, start, end, vendor_id, start, end):
        row = _row(rows, r["currency"], _rate(r["rate"]))
        row.credit_taxable += int(r["taxable"] or 0)
        row.credit_tax += int(r["tax"] or 0)


async def _cash(vendor_id: int, period: Period, tz: str, rows: dict) -> None:
    start, end = period.instants(tz)
    parts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    meta: dict[int, tuple[str, int, int]] = {}
    for r in await Invoice.raw(_CASH_SQL, vendor_id, start, end, vendor_id, start, end, vendor_id):
        part = parts[(r["invoice"], _rate(r["rate"]))]
        part[0] += int(r["n"]) * _taxable(int(r["amount"]), r["pct"])
        part[1] += int(r["tax"] or 0)
        meta[r["invoice"]] = (r["currency"], int(r["total"]), int(r["net"]))
    for (invoice, rate), (taxable, tax) in parts.items():
        currency, total, net = meta[invoice]
        row = _row(rows, currency, rate)
        row.taxable += share(net, taxable, total)
        row.tax += share(net, tax, total)


def share(received: int, part: int, total: int) -> int:
    """The part of `part` that `received` of `total` pays: round(received x part / total), half up."""
    return _round(Decimal(received) * part / total) if total else 0


async def tax_report(vendor_id: int, period: Period, tz: str) -> TaxReport:
    """The report for one vendor and period."""
    rows: dict[tuple, TaxRow] = {}
    await (_cash if period.basis == "cash" else _accrual)(vendor_id, period, tz, rows)
    ordered = sorted(rows.values(), key=lambda r: (r.currency, r.rate is None, r.rate or 0))
    return TaxReport(period, ordered)

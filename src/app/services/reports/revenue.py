"""Revenue by customer for a period: invoiced (accrual, less credit notes) and received (payments less refunds)."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.reports.periods import Period
from app.tables.invoices import Invoice


@dataclass
class CustomerRevenue:
    """One customer in one currency; amounts in minor units."""

    customer_id: int
    name: str
    currency: str
    invoiced: int = 0
    credited: int = 0
    received: int = 0

    @property
    def net_invoiced(self) -> int:
        """Invoiced less credit notes."""
        return self.invoiced - self.credited


_SQL = """
SELECT c.id AS customer_id, c.name AS name, f.currency AS currency, f.kind AS kind, SUM(f.amount) AS amount
FROM (
  SELECT customer, currency, 'invoiced' AS kind, total AS amount FROM invoice
  WHERE vendor = {} AND status NOT IN ('draft', 'void') AND issue_date >= {} AND issue_date < {}
  UNION ALL
  SELECT customer, currency, 'credited', total FROM credit_note
  WHERE vendor = {} AND issue_date >= {} AND issue_date < {}
  UNION ALL
  SELECT i.customer, p.currency, 'received', p.amount FROM payment p JOIN invoice i ON i.id = p.invoice
  WHERE p.vendor = {} AND p.deleted_at IS NULL AND p.paid_at >= {} AND p.paid_at < {}
  UNION ALL
  SELECT i.customer, r.currency, 'received', -r.amount FROM refund r JOIN invoice i ON i.id = r.invoice
  WHERE r.vendor = {} AND r.status IN ('pending', 'requires_action', 'succeeded')
    AND r.created_at >= {} AND r.created_at < {}
) AS f JOIN customer c ON c.id = f.customer
GROUP BY c.id, c.name, f.currency, f.kind
ORDER BY LOWER(c.name), c.id, f.currency
"""


async def revenue(vendor_id: int, period: Period, tz: str) -> list[CustomerRevenue]:
    """Customers with anything invoiced, credited or received in the period, by name, per currency."""
    start, end = period.instants(tz)
    rows = await Invoice.raw(_SQL, vendor_id, period.start, period.end, vendor_id, start, end,
                             vendor_id, start, end, vendor_id, start, end)
    result: dict[tuple[int, str], CustomerRevenue] = {}
    for r in rows:
        entry = result.setdefault((r["customer_id"], r["currency"]),
                                  CustomerRevenue(r["customer_id"], r["name"], r["currency"]))
        setattr(entry, r["kind"], getattr(entry, r["kind"]) + int(r["amount"] or 0))
    return list(result.values())


def revenue_totals(rows: list[CustomerRevenue]) -> list[CustomerRevenue]:
    """Per currency, the sum over customers."""
    by: dict[str, CustomerRevenue] = {}
    for row in rows:
        total = by.setdefault(row.currency, CustomerRevenue(0, "Total", row.currency))
        total.invoiced += row.invoiced
        total.credited += row.credited
        total.received += row.received
    return [by[code] for code in sorted(by)]

"""Accounts receivable ageing: each customer's open balances by days past due, per currency, with the invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.tables.invoices import Invoice

BUCKETS = ("Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")


@dataclass
class AgeingLine:
    """One open invoice: its balance in the bucket its due date puts it in."""

    invoice_id: int
    number: str
    issue_date: date
    due_date: date | None
    amount_due: int
    bucket: int
    days_late: int


@dataclass
class CustomerAgeing:
    """One customer's open balances in one currency."""

    customer_id: int
    name: str
    currency: str
    amounts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    invoices: list[AgeingLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        """All of the customer's open balance in this currency."""
        return sum(self.amounts)


# The bucket is decided in SQL against dates computed from the vendor's today, so it reads the same on SQLite
# and PostgreSQL; only invoices the customer is asked to pay (sent, partially paid) with money still due count.
_SQL = """
SELECT i.id AS id, i.number AS number, i.issue_date AS issue_date, i.due_date AS due_date,
       i.amount_due AS amount_due, i.currency AS currency, c.id AS customer_id, c.name AS name,
       CASE WHEN i.due_date IS NULL OR i.due_date >= {} THEN 0 WHEN i.due_date >= {} THEN 1
            WHEN i.due_date >= {} THEN 2 WHEN i.due_date >= {} THEN 3 ELSE 4 END AS bucket
FROM invoice i JOIN customer c ON c.id = i.customer
WHERE i.vendor = {} AND i.status IN ('sent', 'partially_paid') AND i.amount_due > 0
ORDER BY LOWER(c.name), c.id, i.currency, i.due_date, i.id
"""


def _date(value) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value)[:10])


async def ageing(vendor_id: int, today: date) -> list[CustomerAgeing]:
    """Customers with money due, by name, one entry per customer and currency."""
    bounds = [today - timedelta(days=d) for d in (0, 30, 60, 90)]
    result: dict[tuple[int, str], CustomerAgeing] = {}
    for r in await Invoice.raw(_SQL, *bounds, vendor_id):
        entry = result.setdefault((r["customer_id"], r["currency"]),
                                  CustomerAgeing(r["customer_id"], r["name"], r["currency"]))
        due = _date(r["due_date"])
        entry.amounts[int(r["bucket"])] += int(r["amount_due"])
        entry.invoices.append(AgeingLine(r["id"], r["number"] or "", _date(r["issue_date"]), due,
                                         int(r["amount_due"]), int(r["bucket"]),
                                         max((today - due).days, 0) if due else 0))
    return list(result.values())


def ageing_totals(rows: list[CustomerAgeing]) -> list[tuple[str, list[int]]]:
    """Per currency, the buckets summed over customers."""
    by: dict[str, list[int]] = {}
    for row in rows:
        sums = by.setdefault(row.currency, [0] * len(BUCKETS))
        for index, amount in enumerate(row.amounts):
            sums[index] += amount
    return sorted(by.items())

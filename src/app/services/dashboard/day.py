"""Dashboard figures: where a vendor's money stands, aggregated in the database, one currency at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from app.db import is_sqlite
from app.services import clock
from app.services.dashboard.stripe import platform_fees_since
from app.services.vendors import vendor_profile
from app.tables.customers import Customer
from app.tables.credits import CreditNote, CustomerCredit
from app.tables.invoices import Invoice

PAID_WINDOW_DAYS = 30
MONTHS = 12
# (label, first day past due, last day past due); None means unbounded.
AGEING_BUCKETS = (
    ("Current", None, 0),
    ("1-30 days", 1, 30),
    ("31-60 days", 31, 60),
    ("61-90 days", 61, 90),
    ("Over 90 days", 91, None),
)


@dataclass(frozen=True)
class VendorDay:
    """Who asks and what day it is for them: dates are judged in the vendor's time zone."""

    vendor_id: int
    timezone: str
    default_currency: str
    today: date

    @property
    def paid_from(self) -> date:
        """First day of the "paid in the last 30 days" window (today counts as one of the 30)."""
        return self.today - timedelta(days=PAID_WINDOW_DAYS - 1)

    def start_of(self, day: date) -> datetime:
        """Midnight of `day` in the vendor's zone, as a UTC instant (paid_at is stored in UTC)."""
        local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.timezone or "UTC"))
        return local.astimezone(timezone.utc)


@dataclass
class CurrencyFigures:
    """The headline figures of one currency; amounts in minor units."""

    currency: str
    outstanding: int = 0
    outstanding_count: int = 0
    overdue: int = 0
    overdue_count: int = 0
    paid: int = 0
    paid_count: int = 0
    drafts: int = 0
    drafts_count: int = 0
    platform_fees: int | None = None
    credited: int = 0
    credited_count: int = 0


@dataclass
class Bucket:
    """One bar of a chart: a label, an amount and how many invoices make it."""

    label: str
    amount: int = 0
    count: int = 0


@dataclass
class CurrencySeries:
    """A chart's bars for one currency."""

    currency: str
    buckets: list[Bucket] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Sum of the bars."""
        return sum(bucket.amount for bucket in self.buckets)


async def vendor_day(vendor_id: int) -> VendorDay:
    """The vendor's time zone, default currency and today's date there."""
    row = await vendor_profile(vendor_id)
    tz = (row or {}).get("timezone") or "UTC"
    return VendorDay(vendor_id, tz, (row or {}).get("default_currency") or "USD", clock.today_for(tz))


async def has_invoices(vendor_id: int) -> bool:
    """True once the vendor has created any invoice (drafts count)."""
    return await Invoice.exists().where(Invoice.vendor == vendor_id)


async def has_customers(vendor_id: int) -> bool:
    """True once the vendor has added a customer."""
    return await Customer.exists().where(Customer.vendor == vendor_id)


def _ordered(currencies: set[str], day: VendorDay) -> list[str]:
    # The vendor's own currency first, the others alphabetically: a stable order the eye can learn.
    return sorted(currencies, key=lambda code: (code != day.default_currency, code))


# Open amounts are the stored balances (services/balance.py); Paid is the money received in the window less the
# refunds made in it, from the payment and refund rows, so part payments count and refunds are netted out.
_FIGURES_SQL = """
SELECT currency, status, COUNT(*) AS n, SUM(amount_due) AS amount,
       SUM(CASE WHEN COALESCE(next_due_date, due_date) < {} THEN 1 ELSE 0 END) AS overdue_n,
       SUM(CASE WHEN COALESCE(next_due_date, due_date) < {} THEN amount_due ELSE 0 END) AS overdue_amount
FROM invoice
WHERE vendor = {} AND status IN ('draft', 'sent', 'partially_paid')
GROUP BY currency, status
UNION ALL
SELECT currency, 'paid' AS status, SUM(CASE WHEN net > 0 THEN 1 ELSE 0 END) AS n, SUM(net) AS amount,
       0 AS overdue_n, 0 AS overdue_amount
FROM (SELECT invoice, currency, SUM(amount) AS net
      FROM (SELECT invoice, currency, amount FROM payment WHERE vendor = {} AND deleted_at IS NULL AND paid_at >= {}
            UNION ALL
            SELECT invoice, currency, -amount FROM refund
            WHERE vendor = {} AND status IN ('pending', 'requires_action', 'succeeded') AND created_at >= {}) AS moves
      GROUP BY invoice, currency) AS per_invoice
GROUP BY currency
"""


async def currency_figures(day: VendorDay) -> list[CurrencyFigures]:
    """Outstanding, overdue, paid in the last 30 days and drafts, per currency, never summed across currencies."""
    rows = await Invoice.raw(
        _FIGURES_SQL, day.today, day.today, day.vendor_id, day.vendor_id, day.start_of(day.paid_from),
        day.vendor_id, day.start_of(day.paid_from),
    )
    figures: dict[str, CurrencyFigures] = {}
    for row in rows:
        fig = figures.setdefault(row["currency"], CurrencyFigures(row["currency"]))
        count, amount = int(row["n"] or 0), int(row["amount"] or 0)
        if row["status"] in ("sent", "partially_paid"):
            fig.outstanding, fig.outstanding_count = fig.outstanding + amount, fig.outstanding_count + count
            fig.overdue += int(row["overdue_amount"] or 0)
            fig.overdue_count += int(row["overdue_n"] or 0)
        elif row["status"] == "draft":
            fig.drafts, fig.drafts_count = amount, count
        else:
            fig.paid, fig.paid_count = amount, count
    await _add_credits(day, figures)
    fees = await platform_fees(day)
    if fees is not None:  # Connect mode: every currency shows its fees, zero included
        for fig in figures.values():
            fig.platform_fees = 0
        for currency, amount in fees.items():
            figures.setdefault(currency, CurrencyFigures(currency)).platform_fees = amount
    return [figures[code] for code in _ordered(set(figures), day)]


async def _add_credits(day: VendorDay, figures: dict[str, CurrencyFigures]) -> None:
    """Credit notes of the window, and Paid net of credit: money kept as customer credit is not the vendor's yet,
    and credit applied to an invoice counts as paid when it is used (refunded credit is already a refund)."""
    since = day.start_of(day.paid_from)
    notes = await CreditNote.select(CreditNote.currency, Sum(CreditNote.total, alias="s"), Count(alias="n")).where(
        (CreditNote.vendor == day.vendor_id) & (CreditNote.created_at >= since)).group_by(CreditNote.currency)
    for row in notes:
        fig = figures.setdefault(row["currency"], CurrencyFigures(row["currency"]))
        fig.credited, fig.credited_count = int(row["s"] or 0), int(row["n"] or 0)
    moves = await CustomerCredit.select(CustomerCredit.currency, Sum(CustomerCredit.amount, alias="s")).where(
        (CustomerCredit.vendor == day.vendor_id) & (CustomerCredit.created_at >= since)).group_by(CustomerCredit.currency)
    for row in moves:
        figures.setdefault(row["currency"], CurrencyFigures(row["currency"])).paid -= int(row["s"] or 0)


async def platform_fees(day: VendorDay) -> dict[str, int] | None:
    """Platform fees on payments of the paid window, per currency; None unless the vendor is in Connect mode."""
    return await platform_fees_since(day.vendor_id, day.start_of(day.paid_from))


def open_invoices(alias: str = "") -> str:
    """The SQL filter for sent invoices, phrased so each database uses the partial index of open invoices.

    SQLite only uses a partial index when the query repeats the index's own WHERE term; PostgreSQL proves
    the implication itself, and the repeated term would only spoil its row estimates.
    """
    status = f"{alias}status"
    collecting = f"{status} IN ('sent', 'partially_paid')"
    return f"{status} IN ('draft', 'sent', 'partially_paid') AND {collecting}" if is_sqlite() else collecting


def _ageing_sql() -> str:
    cases = []
    for index, (_, first, last) in enumerate(AGEING_BUCKETS):
        if first is None:
            # Not yet due, due today, or no due date at all: never overdue.
            cases.append(f"WHEN due_date IS NULL OR due_date >= {{}} THEN {index}")
        else:
            cases.append(f"WHEN due_date >= {{}} THEN {index}")
    return (
        "SELECT currency, CASE " + " ".join(cases[:-1]) + f" ELSE {len(cases) - 1} END AS bucket, "
        "COUNT(*) AS n, SUM(amount_due) AS amount FROM invoice "
        f"WHERE vendor = {{}} AND {open_invoices()} GROUP BY currency, bucket"
    )


async def ageing(day: VendorDay) -> list[CurrencySeries]:
    """Outstanding amounts by days past due (in the vendor's time zone), per currency."""
    # Each bucket but the last starts at the earliest due date it still holds: today - its last day past due.
    bounds = [day.today - timedelta(days=last) for _, _, last in AGEING_BUCKETS[:-1]]
    rows = await Invoice.raw(_ageing_sql(), *bounds, day.vendor_id)
    series: dict[str, CurrencySeries] = {}
    for row in rows:
        entry = series.setdefault(
            row["currency"], CurrencySeries(row["currency"], [Bucket(label) for label, _, _ in AGEING_BUCKETS])
        )
        bucket = entry.buckets[int(row["bucket"])]
        bucket.amount, bucket.count = int(row["amount"] or 0), int(row["n"] or 0)
    return [series[code] for code in _ordered(set(series), day)]

"""Paid per month: the daily sums the database keeps (money_day), not a pass over a year of payments.

A month is the vendor's calendar month; the sums are per UTC day. Whole UTC days inside a month come from the sums;
a UTC day that a month boundary cuts in two (any zone but UTC) is read from its payment and refund rows. "Invoices"
counts distinct invoices: the sums count moves (payments and refunds), and an invoice moved twice in one month is
taken off again, found through invoice_moves among the few invoices that ever moved more than once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from app.services.dashboard.day import MONTHS, Bucket, CurrencySeries, VendorDay, _ordered
from app.tables.invoices import Invoice

COUNTED_REFUND = "status IN ('pending', 'requires_action', 'succeeded')"


def month_starts(day: VendorDay) -> list[date]:
    """First days of the last 12 months, oldest first, the current month last."""
    year, month = day.today.year, day.today.month
    starts = []
    for _ in range(MONTHS):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _bucket_case(column: str) -> str:
    # Newest month first so the first matching lower bound wins.
    return "CASE " + " ".join(f"WHEN {column} >= {{}} THEN {i}" for i in range(MONTHS - 1, 0, -1)) + " ELSE 0 END"


def _moves(payment: str, refund: str) -> str:
    """Payment and refund rows that count, as (invoice, currency, at, amount), each side filtered by its own SQL."""
    return (f"SELECT invoice, currency, paid_at AS at, amount FROM payment WHERE vendor = {{}} AND deleted_at IS NULL "
            f"AND {payment} UNION ALL SELECT invoice, currency, created_at AS at, -amount FROM refund "
            f"WHERE vendor = {{}} AND {COUNTED_REFUND} AND {refund}")


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _split_days(instants: list[datetime]) -> list[date]:
    """UTC days a month boundary falls inside of (none for a vendor on UTC)."""
    return sorted({at.date() for at in instants if at.timetz() != time(tzinfo=timezone.utc)})


async def _whole_days(day: VendorDay, instants: list[datetime], split: list[date]) -> list[dict]:
    # A whole UTC day belongs to the month whose start is at or before its midnight.
    firsts = [at.date() + timedelta(days=at.timetz() != time(tzinfo=timezone.utc)) for at in instants]
    skip = f" AND day NOT IN ({', '.join('{}' for _ in split)})" if split else ""
    return await Invoice.raw(
        f"SELECT currency, {_bucket_case('day')} AS bucket, SUM(amount) AS amount, SUM(moves) AS moves "
        f"FROM money_day WHERE vendor = {{}} AND day >= {{}}{skip} GROUP BY currency, bucket",
        *firsts[:0:-1], day.vendor_id, firsts[0], *split,
    )


async def _cut_days(day: VendorDay, instants: list[datetime], split: list[date]) -> list[dict]:
    """The rows of the UTC days a boundary cuts, one index range per day and table."""
    if not split:
        return []
    ranges, args = [], []
    for cut in split:
        ranges.append(_moves("paid_at >= {} AND paid_at < {}", "created_at >= {} AND created_at < {}"))
        start, end = _utc_midnight(cut), _utc_midnight(cut + timedelta(days=1))
        args += [day.vendor_id, start, end, day.vendor_id, start, end]
    return await Invoice.raw(
        f"SELECT currency, {_bucket_case('at')} AS bucket, SUM(amount) AS amount, COUNT(*) AS moves "
        f"FROM ({' UNION ALL '.join(ranges)}) AS moves WHERE at >= {{}} GROUP BY currency, bucket",
        *instants[:0:-1], *args, instants[0],
    )


# Driven from invoice_moves (CROSS JOIN keeps SQLite's join order): a few invoices, then each one's own rows.
_REPEATED = (
    "SELECT p.invoice, p.currency, p.paid_at AS at FROM invoice_moves m CROSS JOIN payment p "
    "WHERE m.vendor = {} AND m.moves > 1 AND m.last_at >= {} AND p.invoice = m.invoice AND p.vendor = m.vendor "
    "AND p.deleted_at IS NULL AND p.paid_at >= {} "
    "UNION ALL SELECT r.invoice, r.currency, r.created_at FROM invoice_moves m CROSS JOIN refund r "
    "WHERE m.vendor = {} AND m.moves > 1 AND m.last_at >= {} AND r.invoice = m.invoice AND r.vendor = m.vendor "
    f"AND r.{COUNTED_REFUND} AND r.created_at >= {{}}"
)


async def _repeats(day: VendorDay, instants: list[datetime]) -> list[dict]:
    """Per currency and month, moves beyond an invoice's first in that month (counted once, not twice)."""
    since = (day.vendor_id, instants[0], instants[0])
    return await Invoice.raw(
        f"SELECT currency, {_bucket_case('at')} AS bucket, COUNT(*) - COUNT(DISTINCT invoice) AS repeats "
        f"FROM ({_REPEATED}) AS moves GROUP BY currency, bucket",
        *instants[:0:-1], *since, *since,
    )


async def paid_per_month(day: VendorDay) -> list[CurrencySeries]:
    """Money received per calendar month (vendor's time zone), net of refunds, for the last 12 months."""
    starts = month_starts(day)
    instants = [day.start_of(start) for start in starts]
    split = _split_days(instants)
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in await _whole_days(day, instants, split) + await _cut_days(day, instants, split):
        entry = totals[(row["currency"], int(row["bucket"]))]
        entry[0] += int(row["amount"] or 0)
        entry[1] += int(row["moves"] or 0)
    for row in await _repeats(day, instants):
        totals[(row["currency"], int(row["bucket"]))][1] -= int(row["repeats"] or 0)
    series: dict[str, CurrencySeries] = {}
    for (currency, index), (amount, count) in totals.items():
        if count <= 0:  # sums of rows since deleted: the raw rows would show nothing here
            continue
        entry = series.setdefault(currency, CurrencySeries(currency, [Bucket(s.strftime("%b %Y")) for s in starts]))
        entry.buckets[index].amount, entry.buckets[index].count = amount, count
    return [series[code] for code in _ordered(set(series), day)]

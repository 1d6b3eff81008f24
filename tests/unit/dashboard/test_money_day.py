"""Paid per month from the daily sums equals paid per month from the payment and refund rows themselves.

The rows are written the way the app writes them (Piccolo inserts, updates and deletes), so the triggers that keep
money_day and invoice_moves are what is under test: payments and refunds across currencies and month boundaries,
refunds that fail or are cancelled, payments deleted, moved to another day or changed, in three time zones.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.services.dashboard import day as dashboard, monthly
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund
from piccolo_migrations import payport_2026_12_06t21_05_00_000000 as money_sums
from tests.unit.dashboard.conftest import NOW, invoice, set_timezone

# What the dashboard computed before the daily sums: every counted row of the last 12 months.
RAW_SQL = (
    "SELECT currency, {case} AS bucket, COUNT(DISTINCT invoice) AS n, SUM(amount) AS amount FROM ("
    "SELECT invoice, currency, paid_at AS at, amount FROM payment WHERE vendor = {{}} AND deleted_at IS NULL "
    "UNION ALL SELECT invoice, currency, created_at AS at, -amount FROM refund WHERE vendor = {{}} "
    "AND status IN ('pending', 'requires_action', 'succeeded')) AS moves WHERE at >= {{}} GROUP BY currency, bucket"
)
STATUSES = ("requested", "pending", "requires_action", "succeeded", "failed", "canceled")
ZONES = ("UTC", "Asia/Kolkata", "America/St_Johns")


async def from_rows(day: dashboard.VendorDay) -> dict[str, list[tuple[str, int, int]]]:
    starts = monthly.month_starts(day)
    instants = [day.start_of(start) for start in starts]
    case = "CASE " + " ".join(f"WHEN at >= {{}} THEN {i}" for i in range(11, 0, -1)) + " ELSE 0 END"
    rows = await Invoice.raw(RAW_SQL.format(case=case), *instants[:0:-1], day.vendor_id, day.vendor_id, instants[0])
    series: dict[str, list[tuple[str, int, int]]] = {}
    for row in rows:
        buckets = series.setdefault(row["currency"], [(s.strftime("%b %Y"), 0, 0) for s in starts])
        buckets[int(row["bucket"])] = (buckets[int(row["bucket"])][0], int(row["amount"]), int(row["n"]))
    return series


async def from_sums(day: dashboard.VendorDay) -> dict[str, list[tuple[str, int, int]]]:
    return {s.currency: [(b.label, b.amount, b.count) for b in s.buckets] for s in await monthly.paid_per_month(day)}


def _boundary_instants(rng: random.Random) -> datetime:
    """Near a month start in one of the zones, or anywhere in the last 13 months."""
    if rng.random() < 0.5:
        month = rng.randint(0, 12)
        base = datetime(2026, 3, 1, tzinfo=timezone.utc) - timedelta(days=30.4 * month)
        base = base.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        offset = rng.choice((0, -5.5, 3.5, 2.5, -3.5))  # hours: UTC, Kolkata, St John's (standard and summer)
        return base + timedelta(hours=offset, seconds=rng.choice((-1, 0, 1, 3600)))
    return NOW - timedelta(seconds=rng.randint(0, 400 * 86400))


async def _pay(vendor_id: int, invoice_id: int, amount: int, currency: str, at: datetime) -> Payment:
    payment = Payment(vendor=vendor_id, invoice=invoice_id, payment_intent=f"manual_{uuid.uuid4().hex}",
                      method="bank_transfer", amount=amount, currency=currency, paid_at=at)
    await payment.save()
    return payment


async def _mixed_history(vendor_id: int, rng: random.Random) -> None:
    invoices = [await invoice(vendor_id, "sent", 50_000, currency) for currency in ("USD", "EUR", "JPY", "USD")]
    payments: list[Payment] = []
    refunds: list[Refund] = []
    for _ in range(70):
        target = rng.choice(invoices)
        action = rng.random()
        if action < 0.45 or not payments:
            currency = target.currency if rng.random() < 0.9 else "GBP"  # a mismatched payment counts in its own
            payments.append(await _pay(vendor_id, target.id, rng.randint(1, 9_000), currency, _boundary_instants(rng)))
        elif action < 0.7:
            paid = rng.choice(payments)
            refund = Refund(vendor=vendor_id, invoice=paid.invoice, payment=paid.id, manual=True,
                            amount=rng.randint(1, paid.amount), currency=paid.currency, status=rng.choice(STATUSES),
                            created_at=paid.paid_at + timedelta(hours=rng.choice((0, 1, 30 * 24))))
            await refund.save()
            refunds.append(refund)
        elif action < 0.8 and refunds:
            refund = rng.choice(refunds)  # Stripe moves a refund on: it may start or stop counting
            refund.status = rng.choice(STATUSES)
            await refund.save()
        elif action < 0.88:
            paid = rng.choice(payments)  # a payment recorded by hand, deleted with a reason (or restored)
            await Payment.update({Payment.deleted_at: None if paid.deleted_at else NOW}).where(Payment.id == paid.id)
            paid.deleted_at = None if paid.deleted_at else NOW
        elif action < 0.95:
            paid = rng.choice(payments)  # its date or amount corrected
            paid.paid_at, paid.amount = _boundary_instants(rng), rng.randint(1, 9_000)
            await paid.save()
        elif refunds:
            refund = refunds.pop(rng.randrange(len(refunds)))
            await Refund.delete().where(Refund.id == refund.id)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_sums_give_the_figures_the_rows_give(vendor, other_vendor, frozen, seed):
    rng = random.Random(seed)
    await _mixed_history(vendor.vendor_id, rng)
    await _mixed_history(other_vendor.vendor_id, rng)  # never counted for the first vendor

    for zone in ZONES:
        await set_timezone(vendor.vendor_id, zone)
        day = await dashboard.vendor_day(vendor.vendor_id)
        assert await from_sums(day) == await from_rows(day), zone


async def test_sums_match_a_rebuild_from_the_rows(vendor, frozen):
    await _mixed_history(vendor.vendor_id, random.Random(7))
    kept = await Invoice.raw("SELECT vendor, day, currency, SUM(amount) AS amount, SUM(moves) AS moves FROM money_day "
                             "WHERE vendor = {} GROUP BY vendor, day, currency HAVING SUM(moves) <> 0 "
                             "ORDER BY day, currency", vendor.vendor_id)
    day = "date(at)" if Invoice._meta.db.engine_type == "sqlite" else "(at AT TIME ZONE 'UTC')::date"
    rebuilt = await Invoice.raw(
        f"SELECT vendor, {day} AS day, currency, SUM(amount) AS amount, COUNT(*) AS moves FROM ("
        "SELECT vendor, currency, paid_at AS at, amount FROM payment WHERE deleted_at IS NULL UNION ALL "
        "SELECT vendor, currency, created_at, -amount FROM refund WHERE status IN ('pending', 'requires_action', "
        f"'succeeded')) AS m WHERE vendor = {{}} GROUP BY vendor, {day}, currency ORDER BY day, currency",
        vendor.vendor_id,
    )
    as_text = lambda rows: [{**row, "day": str(row["day"])} for row in rows]  # noqa: E731
    assert as_text(kept) == as_text(rebuilt)


async def test_the_migrations_backfill_gives_what_the_triggers_keep(vendor, frozen):
    await _mixed_history(vendor.vendor_id, random.Random(11))
    await set_timezone(vendor.vendor_id, "Asia/Kolkata")
    day = await dashboard.vendor_day(vendor.vendor_id)
    kept = await from_sums(day)

    # What a database that had payments before the migration gets.
    sqlite = Invoice._meta.db.engine_type == "sqlite"
    for table in ("money_day", "invoice_moves"):
        await Invoice.raw(f"DELETE FROM {table}")
    for sql in (money_sums.SQLITE if sqlite else money_sums.PG)[-2:]:
        await Invoice.raw(sql)

    assert await from_sums(day) == kept == await from_rows(day)

"""Ageing buckets on their exact boundaries and paid-per-month by the vendor's calendar."""

from datetime import date, datetime, timedelta, timezone

import pytest

from app.services.dashboard import day as dashboard, charts as dashboard_charts, monthly as dashboard_monthly
from tests.unit.dashboard.conftest import NOW, TODAY, invoice, set_timezone


async def ageing_of(vendor_id: int) -> dict[str, list[tuple[str, int, int]]]:
    day = await dashboard.vendor_day(vendor_id)
    return {s.currency: [(b.label, b.amount, b.count) for b in s.buckets] for s in await dashboard.ageing(day)}


@pytest.mark.parametrize(("days_past_due", "bucket"), [
    (None, "Current"), (-10, "Current"), (0, "Current"), (1, "1-30 days"), (30, "1-30 days"),
    (31, "31-60 days"), (60, "31-60 days"), (61, "61-90 days"), (90, "61-90 days"), (91, "Over 90 days"),
    (400, "Over 90 days"),
])
async def test_ageing_bucket_boundaries(vendor, frozen, days_past_due, bucket):
    due = None if days_past_due is None else TODAY - timedelta(days=days_past_due)
    await invoice(vendor.vendor_id, "sent", 1_234, "USD", due=due)
    buckets = (await ageing_of(vendor.vendor_id))["USD"]
    assert [label for label, amount, _ in buckets if amount] == [bucket]
    assert [label for label, _, _ in buckets] == ["Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]


async def test_ageing_per_currency_only_sent_invoices_of_this_vendor(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "sent", 1_000, "USD", due=TODAY - timedelta(days=45))
    await invoice(v, "sent", 2_000, "USD", due=TODAY - timedelta(days=50))
    await invoice(v, "sent", 50_000, "JPY", due=TODAY - timedelta(days=95))
    await invoice(v, "paid", 9_999, "USD", due=TODAY - timedelta(days=45), paid_at=NOW)
    await invoice(v, "draft", 9_999, "USD", due=TODAY - timedelta(days=45))
    await invoice(other_vendor.vendor_id, "sent", 9_999, "USD", due=TODAY - timedelta(days=45))

    ageing = await ageing_of(v)

    assert ageing["USD"][2] == ("31-60 days", 3_000, 2)
    assert sum(amount for _, amount, _ in ageing["USD"]) == 3_000
    assert ageing["JPY"][4] == ("Over 90 days", 50_000, 1)


async def test_ageing_uses_vendor_time_zone(vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "sent", 700, "USD", due=TODAY)
    await invoice(v, "sent", 30, "USD", due=TODAY - timedelta(days=30))
    amounts = [amount for _, amount, _ in (await ageing_of(v))["USD"]]
    assert amounts == [700, 30, 0, 0, 0]
    await set_timezone(v, "Pacific/Kiritimati")  # UTC+14: already Mar 16 there, one more day past due
    amounts = [amount for _, amount, _ in (await ageing_of(v))["USD"]]
    assert amounts == [0, 700, 30, 0, 0]


async def monthly_of(vendor_id: int) -> dict[str, list[tuple[str, int]]]:
    day = await dashboard.vendor_day(vendor_id)
    return {s.currency: [(b.label, b.amount) for b in s.buckets] for s in await dashboard_monthly.paid_per_month(day)}


async def test_paid_per_month_last_12_months_net_of_refunds(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "paid", 1_000, "USD", paid_at=datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc))
    await invoice(v, "paid", 2_000, "USD", paid_at=datetime(2026, 2, 28, 23, 59, 59, tzinfo=timezone.utc))
    await invoice(v, "partially_refunded", 5_000, "USD", paid_at=datetime(2025, 4, 2, tzinfo=timezone.utc),
                  amount_refunded=1_500)
    await invoice(v, "refunded", 7_000, "USD", paid_at=datetime(2026, 1, 5, tzinfo=timezone.utc), amount_refunded=7_000)
    await invoice(v, "paid", 9_000, "USD", paid_at=datetime(2025, 3, 31, 23, 0, tzinfo=timezone.utc))  # 13 months ago
    await invoice(v, "paid", 300_000, "JPY", paid_at=datetime(2025, 12, 24, tzinfo=timezone.utc))
    await invoice(other_vendor.vendor_id, "paid", 1_000_000, "USD", paid_at=NOW)

    monthly = await monthly_of(v)

    usd = dict(monthly["USD"])
    assert list(usd)[0] == "Apr 2025" and list(usd)[-1] == "Mar 2026" and len(usd) == 12
    assert (usd["Mar 2026"], usd["Feb 2026"], usd["Apr 2025"], usd["Jan 2026"]) == (1_000, 2_000, 3_500, 0)
    assert sum(usd.values()) == 6_500
    assert dict(monthly["JPY"])["Dec 2025"] == 300_000


async def test_paid_per_month_follows_the_vendors_calendar(vendor, frozen):
    v = vendor.vendor_id
    await set_timezone(v, "Asia/Tokyo")
    # 15:30 UTC on Feb 28 is 00:30 on Mar 1 in Tokyo.
    await invoice(v, "paid", 4_200, "JPY", paid_at=datetime(2026, 2, 28, 15, 30, tzinfo=timezone.utc))
    jpy = dict((await monthly_of(v))["JPY"])
    assert (jpy["Mar 2026"], jpy["Feb 2026"]) == (4_200, 0)


def test_charts_carry_labels_and_amounts_as_text():
    series = dashboard.CurrencySeries("JPY", [dashboard.Bucket("Current", 1_235, 2), dashboard.Bucket("1-30 days")])
    chart = dashboard_charts.ageing_chart(series)
    assert chart.title == "Ageing of receivables in JPY"
    assert [(bar.label, bar.amount_text) for bar in chart.bars] == [("Current", "¥1,235"), ("1-30 days", "¥0")]
    assert chart.description == "Current: ¥1,235 (2 invoices); 1-30 days: ¥0 (0 invoices)."
    assert chart.bars[0].width > chart.bars[1].width

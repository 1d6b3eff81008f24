"""Each headline figure against invoices built for it: per currency, JPY, windows, vendor isolation."""

from datetime import date, datetime, timedelta, timezone

from app.services.dashboard import day as dashboard
from tests.unit.dashboard.conftest import NOW, TODAY, invoice, set_timezone


async def figures_of(vendor_id: int) -> dict[str, dashboard.CurrencyFigures]:
    day = await dashboard.vendor_day(vendor_id)
    return {fig.currency: fig for fig in await dashboard.currency_figures(day)}


async def test_figures_per_currency_never_added_together(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "sent", 12_050, "USD", due=TODAY + timedelta(days=5))
    await invoice(v, "sent", 7_500, "USD", due=TODAY - timedelta(days=1))
    await invoice(v, "sent", 123_456, "JPY", due=TODAY - timedelta(days=40))
    await invoice(v, "sent", 4_000, "EUR")  # no due date: outstanding, never overdue
    await invoice(v, "draft", 9_900, "USD")
    await invoice(v, "draft", 5_000, "JPY")
    await invoice(v, "void", 99_999, "USD", due=TODAY - timedelta(days=3))
    await invoice(v, "refunded", 88_888, "USD", paid_at=NOW - timedelta(days=2))
    await invoice(v, "partially_refunded", 77_777, "EUR", paid_at=NOW - timedelta(days=2), amount_refunded=100)
    await invoice(v, "paid", 30_000, "USD", paid_at=NOW - timedelta(days=3))
    await invoice(v, "paid", 1_000, "JPY", paid_at=NOW - timedelta(days=29))
    # Another vendor's invoices never count.
    await invoice(other_vendor.vendor_id, "sent", 1_000_000, "USD", due=TODAY - timedelta(days=10))
    await invoice(other_vendor.vendor_id, "paid", 1_000_000, "USD", paid_at=NOW)
    await invoice(other_vendor.vendor_id, "draft", 1_000_000, "USD")

    figures = await figures_of(v)

    assert list(figures) == ["USD", "EUR", "JPY"]  # the vendor's own currency first
    usd, eur, jpy = figures["USD"], figures["EUR"], figures["JPY"]
    assert (usd.outstanding, usd.outstanding_count, usd.overdue, usd.overdue_count) == (19_550, 2, 7_500, 1)
    assert (usd.paid, usd.paid_count, usd.drafts, usd.drafts_count) == (30_000, 1, 9_900, 1)
    # Paid is net of refunds: the partially refunded EUR invoice counts with what the vendor kept.
    assert (eur.outstanding, eur.overdue, eur.overdue_count, eur.paid, eur.drafts) == (4_000, 0, 0, 77_677, 0)
    assert (jpy.outstanding, jpy.overdue, jpy.paid, jpy.drafts) == (123_456, 123_456, 1_000, 5_000)


async def test_paid_window_is_30_days_in_vendor_time_zone(vendor, frozen):
    v = vendor.vendor_id
    await set_timezone(v, "Asia/Tokyo")  # NOW is 21:00 on Mar 15 in Tokyo; the window starts Feb 14 00:00 JST
    window_start = datetime(2026, 2, 13, 15, 0, tzinfo=timezone.utc)
    await invoice(v, "paid", 100, "USD", paid_at=window_start)
    await invoice(v, "paid", 20, "USD", paid_at=window_start - timedelta(seconds=1))
    await invoice(v, "paid", 3, "USD", paid_at=NOW)

    day = await dashboard.vendor_day(v)
    fig = (await figures_of(v))["USD"]

    assert day.paid_from == date(2026, 2, 14)
    assert (fig.paid, fig.paid_count) == (103, 2)


async def test_overdue_is_judged_by_the_vendors_today(vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "sent", 500, "USD", due=TODAY)
    assert (await figures_of(v))["USD"].overdue == 0  # due today is not overdue yet
    await set_timezone(v, "Pacific/Kiritimati")  # UTC+14: already Mar 16 there
    assert (await figures_of(v))["USD"].overdue == 500


async def test_new_vendor_has_no_figures(vendor, frozen):
    assert await figures_of(vendor.vendor_id) == {}
    assert not await dashboard.has_invoices(vendor.vendor_id)

"""The scheduler makes each period's invoice exactly once: 13 months, month ends, races, outages, pauses, ends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from app.services import clock
from app.services.recurring import generate, profiles, scheduler
from app.settings import SettingsError, load_settings
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.recurring import RecurringProfile
from tests import factories
from tests.unit.recurring.helpers import at, issue_dates, new_profile, period_count, run_days


@pytest.fixture(autouse=True)
def unfreeze():
    yield
    clock.freeze(None)


@pytest.fixture
async def vendor_id() -> int:
    user = await factories.vendor("Recurring Co", f"owner-{uuid.uuid4().hex[:12]}@example.com")
    return user.vendor


async def test_monthly_profile_makes_exactly_13_invoices_in_13_months(vendor_id):
    at(date(2026, 1, 15))
    profile_id = await new_profile(vendor_id, start_date="2026-01-15")
    made = await run_days(vendor_id, date(2026, 1, 15), date(2027, 1, 20))
    assert made == 13
    assert await issue_dates(profile_id) == [date(2026 + (m // 12), m % 12 + 1, 15) for m in range(13)]
    invoice = await Invoice.objects().where(Invoice.recurring_profile_id == profile_id).first()
    assert (invoice.status, invoice.total, invoice.amount_due, invoice.due_date) == ("draft", 10000, 10000,
                                                                                    date(2026, 2, 14))
    assert await InvoiceLine.count().where(InvoiceLine.invoice == invoice.id) == 1
    row = await RecurringProfile.select().where(RecurringProfile.id == profile_id).first()
    assert (row["invoices_made"], row["next_date"]) == (13, date(2027, 2, 15))


async def test_day_31_falls_on_the_last_day_of_short_months(vendor_id):
    at(date(2028, 1, 31))
    profile_id = await new_profile(vendor_id, start_date="2028-01-31", day_of_month="31")
    await run_days(vendor_id, date(2028, 1, 31), date(2028, 5, 31))
    assert await issue_dates(profile_id) == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31),
                                             date(2028, 4, 30), date(2028, 5, 31)]
    last = await new_profile(vendor_id, start_date="2028-05-31", frequency="monthly_last")
    await run_days(vendor_id, date(2028, 6, 1), date(2028, 6, 30))
    assert await issue_dates(last) == [date(2028, 5, 31), date(2028, 6, 30)]


async def test_two_schedulers_racing_make_one_invoice_per_period(vendor_id):
    at(date(2026, 3, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-03-01", frequency="weekly")
    at(date(2026, 3, 29))  # five weekly periods due at once
    results = await asyncio.gather(*(generate.run_due(vendor_id) for _ in range(4)))
    assert sum(results) == 5
    assert await issue_dates(profile_id) == [date(2026, 3, d) for d in (1, 8, 15, 22, 29)]
    assert await generate.run_due(vendor_id) == 0  # a retry or a restart finds nothing left to make


async def test_an_outage_catches_up_every_missed_period_and_says_so(vendor_id):
    at(date(2026, 8, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-08-01")
    assert await generate.run_due(vendor_id) == 1
    at(date(2026, 11, 3))  # down from Aug 2 to Nov 3: Sep 1, Oct 1, Nov 1 missed
    assert await generate.run_due(vendor_id) == 3
    assert await issue_dates(profile_id) == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    late = await InvoiceActivity.select(InvoiceActivity.message).where(
        (InvoiceActivity.kind == "recurring_late") & (InvoiceActivity.vendor == vendor_id))
    assert sorted(r["message"] for r in late) == [f"Made late: the scheduler was down on 2026-{m}-01." for m in
                                                  ("09", "10", "11")]


async def test_an_outage_makes_only_the_latest_period_when_asked(vendor_id):
    at(date(2026, 8, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-08-01", catch_up="latest")
    await generate.run_due(vendor_id)
    at(date(2026, 11, 3))
    assert await generate.run_due(vendor_id) == 1
    assert await issue_dates(profile_id) == [date(2026, 8, 1), date(2026, 11, 1)]
    assert await period_count(profile_id) == 4  # the skipped periods are claimed too: never billed later
    late = await InvoiceActivity.select(InvoiceActivity.message).where(
        (InvoiceActivity.kind == "recurring_late") & (InvoiceActivity.vendor == vendor_id)).first()
    assert late["message"].startswith("Made late: the scheduler was down on 2026-09-01, 2026-10-01, 2026-11-01;")
    at(date(2026, 12, 1))
    assert await generate.run_due(vendor_id) == 1


async def test_a_month_paused_is_skipped(vendor_id):
    at(date(2026, 1, 10))
    profile_id = await new_profile(vendor_id, start_date="2026-01-10")
    await run_days(vendor_id, date(2026, 1, 10), date(2026, 2, 20))
    await profiles.set_status(vendor_id, profile_id, "pause")
    await run_days(vendor_id, date(2026, 2, 21), date(2026, 3, 20))
    await profiles.set_status(vendor_id, profile_id, "resume")
    await run_days(vendor_id, date(2026, 3, 21), date(2026, 4, 12))
    assert await issue_dates(profile_id) == [date(2026, 1, 10), date(2026, 2, 10), date(2026, 4, 10)]


async def test_ends_after_n_invoices_and_on_a_date(vendor_id):
    at(date(2026, 1, 1))
    counted = await new_profile(vendor_id, start_date="2026-01-01", end_mode="count", end_count="3")
    dated = await new_profile(vendor_id, start_date="2026-01-01", frequency="weekly", end_mode="date",
                              end_date="2026-01-20")
    await run_days(vendor_id, date(2026, 1, 1), date(2026, 6, 1))
    assert await issue_dates(counted) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert await issue_dates(dated) == [date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15)]
    statuses = await RecurringProfile.select(RecurringProfile.status).where(RecurringProfile.id.is_in([counted, dated]))
    assert {r["status"] for r in statuses} == {"finished"}


async def test_an_edit_applies_from_the_next_period(vendor_id):
    at(date(2026, 5, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-05-01")
    assert await generate.run_due(vendor_id) == 1
    row = await profiles.get_profile(vendor_id, profile_id)
    form = profiles.form_from_profile(row)
    form.lines = [{"description": "Bigger retainer", "quantity": "2", "unit_price": "150.00", "tax_rate": "0"}]
    await profiles.update_profile(vendor_id, profile_id, form)
    at(date(2026, 6, 1))
    assert await generate.run_due(vendor_id) == 1
    totals = await Invoice.select(Invoice.total).where(Invoice.recurring_profile_id == profile_id).order_by(
        Invoice.issue_date)
    assert [r["total"] for r in totals] == [10000, 30000]


async def test_the_vendor_time_zone_decides_the_period_date(vendor_id):
    at(date(2026, 7, 1))
    profile_id = await new_profile(vendor_id, timezone_name="Pacific/Auckland", start_date="2026-07-02")
    at(date(2026, 7, 1), hour=11)  # 23:00 on Jul 1 in Auckland: not yet due
    assert await generate.run_due(vendor_id) == 0
    at(date(2026, 7, 1), hour=13)  # 01:00 on Jul 2 in Auckland
    assert await generate.run_due(vendor_id) == 1
    assert await issue_dates(profile_id) == [date(2026, 7, 2)]


async def test_send_mode_numbers_and_emails_like_the_send_button(vendor_id):
    at(date(2026, 9, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-09-01", action="autopay")
    assert await generate.run_due(vendor_id) == 1
    invoice = await Invoice.objects().where(Invoice.recurring_profile_id == profile_id).first()
    assert invoice.status == "sent" and invoice.number
    kinds = [r["kind"] for r in await InvoiceActivity.select(InvoiceActivity.kind).where(
        InvoiceActivity.invoice == invoice.id)]
    assert {"recurring", "sent", "autopay_skipped"} <= set(kinds)  # no Stripe, no card: sent by email


async def test_the_scheduler_task_makes_due_periods_each_tick(vendor_id):
    at(date(2026, 2, 1))
    profile_id = await new_profile(vendor_id, start_date="2026-02-01")
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_scheduler(stop, 0.05))
    for _ in range(200):
        if await issue_dates(profile_id):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert await issue_dates(profile_id) == [date(2026, 2, 1)]


def test_the_tick_setting_is_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("PAYPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAYPORT_ENV", "development")
    assert load_settings().recurring_tick_seconds == 60
    monkeypatch.setenv("PAYPORT_RECURRING_TICK_SECONDS", "0")
    assert load_settings().recurring_tick_seconds == 0
    monkeypatch.setenv("PAYPORT_RECURRING_TICK_SECONDS", "soon")
    with pytest.raises(SettingsError, match="PAYPORT_RECURRING_TICK_SECONDS: must be 0 .off. or a positive number"):
        load_settings()

"""Helpers for recurring tests: a profile form, the clock moved day by day, the invoices a profile made."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from app.services import clock
from app.services.recurring import generate, profiles
from app.tables.invoices import Invoice
from app.tables.recurring import RecurringPeriod
from app.tables.vendors import Vendor
from tests import factories


def at(day: date, hour: int = 12) -> None:
    """Freeze the clock at `hour` UTC on `day`."""
    clock.freeze(datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc))


def form(customer_id: int, **values) -> profiles.ProfileForm:
    """A valid profile form: one line of 100.00, monthly, net 30, drafts."""
    base = dict(name="Retainer", customer=str(customer_id), currency="USD", terms_days="30", frequency="monthly",
                start_date=clock.today_for("UTC").isoformat(), action="draft",
                lines=[{"description": "Monthly retainer", "quantity": "1", "unit_price": "100.00", "tax_rate": "0"}])
    base.update(values)
    return profiles.ProfileForm(**base)


async def new_profile(vendor_id: int, timezone_name: str = "UTC", email: str = "jane@example.com", **values) -> int:
    """A customer and a profile of the vendor (in `timezone_name`); returns the profile id."""
    await Vendor.update({Vendor.timezone: timezone_name}).where(Vendor.id == vendor_id)
    customer = await factories.customer(vendor_id, email=email)
    return await profiles.create_profile(vendor_id, form(customer.id, **values))


async def run_days(vendor_id: int, start: date, end: date, hour: int = 12) -> int:
    """Run the scheduler (for this vendor: tests share one database) once a day from `start` to `end`."""
    made, day = 0, start
    while day <= end:
        at(day, hour)
        made += await generate.run_due(vendor_id)
        day += timedelta(days=1)
    return made


async def issue_dates(profile_id: int) -> list[date]:
    """Issue dates of the invoices the profile made, in order."""
    rows = await Invoice.select(Invoice.issue_date).where(Invoice.recurring_profile_id == profile_id).order_by(
        Invoice.issue_date)
    return [row["issue_date"] for row in rows]


async def period_count(profile_id: int) -> int:
    """Claimed periods of the profile (made or skipped)."""
    return await RecurringPeriod.count().where(RecurringPeriod.profile == profile_id)
